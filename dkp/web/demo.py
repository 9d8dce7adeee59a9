"""The people the demo sign-in page offers, one for each kind of visitor; ``load_demo`` makes them."""

DEMO_PERSONAS: list[tuple[str, str, str]] = [
    ("zelroso", "Officer", "Zel leads the raids: ticks, loot, adjustments, claims and decisions on applicants."),
    ("kalwyna", "Recruiter", "Kally runs recruitment: moves applications to voting and trial, officer-only notes."),
    ("bytewyrm", "Developer", "byte scripts against the API and keeps an eye on the Discord sync log."),
    ("loradino", "Member", "Lora almost never misses a raid: about 90% attendance and a healthy balance."),
    ("drapyr", "Member", "Drapyr shows up about one night in five, so his balance is thin."),
    ("iljax", "Applicant", "Iljax applied a week ago; the members are voting on it."),
    ("wanderingbard", "Guest", "Just looking around, and may apply."),
]
