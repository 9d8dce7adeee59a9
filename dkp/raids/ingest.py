"""Taking attendance: raid dumps, a pasted ``/who`` excerpt or a list of names, previewed and then saved.

Every door (the page, the API, the bot, the command line) makes one call, ``take_attendance``: it
hands over the raid, the input (``Dumps``, ``WhoPaste``, ``Names``, or the ``Previewed`` token of an
earlier preview) and whether it wants a preview or the tick saved, and gets back a ``Taken``: the
preview, and the tick when one was saved. No door runs the steps itself.

A preview reads the input, looks the characters up and says what a tick would hold (who is there, who
is new or unclaimed, who is listed twice, what the file names say about the time, whether that time is
far from the raid night's start, every problem with its file and line) and saves nothing.

A tick time more than ``dkp.raids.services.OTHER_DAY_AFTER`` from the raid night's start (a dump from
another day) is saved only with ``other_day=True``, the officer's explicit word; without it the save is
refused and nothing is written. The time checked is the one the tick would get: an officer's own time
given at the confirm goes before the files'. A save writes the tick in one transaction through
``record_tick``.

How a save gets a preview's attendance back: the preview carries a **signed token** (Django's signing,
salted, compressed, valid for ``PREVIEW_MAX_AGE``) holding the raid, the acting officer, the rows it
read and the files' digests. Nothing is stored between the two steps, so a preview that is never saved
leaves no trace; saving a token re-checks everything that could have changed meanwhile (the files
already taken, the time). A door that saves without showing a preview hands over the input itself,
and the attendance read is saved at once, with no token made.

The same file twice: each file's digest is SHA-256 of its base name and its bytes. A one-file tick
stores that digest in ``RaidTick.source_digest``; a tick from several files stores the digest of
their sorted digests and lists the file names in ``source_name``. A file is refused when its digest
or its name (dump names carry the second they were written) is already on a tick.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from dkp.characters.models import Character
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, require
from dkp.core.time import EQ_LAUNCH, FUTURE_MARGIN, guild_zone, local_to_utc
from dkp.eqlog.dumps import ProblemCode, is_character_name
from dkp.eqlog.errors import EqLogError
from dkp.eqlog.log_lines import parse_who
from dkp.eqlog.raid_dump import MAX_RAID_SIZE, parse_raid_dump
from dkp.raids.models import Raid, RaidAttendance, RaidTick
from dkp.raids.services import Attendee, other_day_warning, record_tick
from dkp.raids.tasks import refresh_attendance_after_commit

if TYPE_CHECKING:
    from dkp.accounts.models import User

MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 8
MAX_WHO_CHARS = 256 * 1024
MAX_WHO_LINES = 500  # a raid zone's /who with the chat around it; thousands of lines are not one tick's
MAX_HAND_NAMES = 200
PREVIEW_MAX_AGE = 2 * 60 * 60  # seconds a preview may wait for its confirm
_SALT = "dkp.raids.tick-preview"


class Source:
    DUMP = "dump"
    WHO = "who"
    HAND = "hand"


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input, with the file and line it is on when there is one."""

    where: str  # a file name, "/who paste" or "names"
    line_number: int | None
    message: str
    code: str = "invalid_input"

    def __str__(self) -> str:
        line = f", line {self.line_number}" if self.line_number is not None else ""
        return f"{self.where}{line}: {self.message}"


@dataclass(frozen=True)
class SourceFile:
    """One uploaded file: its name, digest, and the time its name says it was written (aware, UTC)."""

    file_name: str
    digest: str
    written_at: dt.datetime | None
    server: str | None
    characters: int


@dataclass(frozen=True)
class PresentCharacter:
    name: str
    eq_class: str
    level: int
    status: str  # "new", "unclaimed" or "claimed"
    owner_name: str = ""
    seen_in: tuple[str, ...] = ()  # "file, line N" for each place the character was listed


@dataclass(frozen=True)
class Duplicate:
    name: str
    seen_in: tuple[str, ...]


@dataclass(frozen=True)
class TickPreview:
    """What a tick would hold; ``token`` (empty when something blocks it) is what a later save takes."""

    raid: Raid
    source: str
    files: tuple[SourceFile, ...]
    present: tuple[PresentCharacter, ...]
    duplicates: tuple[Duplicate, ...]
    problems: tuple[Problem, ...]  # faults on single lines: they block the tick until fixed
    refusals: tuple[Problem, ...]  # whole inputs refused: empty, binary, wrong kind, too big, future, taken
    warnings: tuple[str, ...]
    occurred_at: dt.datetime | None
    source_name: str = ""
    source_digest: str = ""
    token: str = ""
    other_day: str = ""  # the warning when the tick time is far from the raid night's start, else empty
    file_digests: tuple[str, ...] = field(default=())
    attendees: tuple[Attendee, ...] = field(default=(), repr=False)  # the rows read, as a save records them

    @property
    def can_confirm(self) -> bool:
        return bool(self.present) and not self.problems and not self.refusals

    @property
    def new(self) -> list[PresentCharacter]:
        return [p for p in self.present if p.status == "new"]

    @property
    def unclaimed(self) -> list[PresentCharacter]:
        return [p for p in self.present if p.status == "unclaimed"]

    @property
    def claimed(self) -> list[PresentCharacter]:
        return [p for p in self.present if p.status == "claimed"]

    def message(self) -> str:
        """Every refusal and problem, one a line: the text an error response carries."""
        return "\n".join(str(p) for p in (*self.refusals, *self.problems)) or "Nobody is listed as present."


DumpPreview = TickPreview  # the name the issue uses for the dump upload's preview


def base_name(file_name: str) -> str:
    return file_name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"


def file_digest(file_name: str, data: bytes) -> str:
    return hashlib.sha256(base_name(file_name).encode() + b"\0" + data).hexdigest()


def combined_digest(digests: Sequence[str]) -> str:
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("\n".join(sorted(digests)).encode()).hexdigest()


def _taken(file_names: Sequence[str], digests: Sequence[str]) -> list[Problem]:
    """Files already on a tick, by digest or by name."""
    wanted = {*digests, combined_digest(digests)} if digests else set()
    refusals = []
    names = {base_name(n).lower() for n in file_names}
    # One statement: ticks holding one of the digests, and ticks naming one of the files. A deleted
    # tick keeps its row (the ledger points at it) but no attendance: its files may be taken again.
    by_name_query = Q()
    for name in names:
        by_name_query |= Q(source_name__icontains=name)
    wanted_query = Q(source_digest__in=wanted) if wanted else Q(pk__in=[])
    if names:
        wanted_query |= ~Q(source_name="") & by_name_query & Q(has_attendance=True)
    found = (
        RaidTick.objects.annotate(has_attendance=Exists(RaidAttendance.objects.filter(tick=OuterRef("pk"))))
        .filter(wanted_query)
        .select_related("raid__event")
        .order_by("pk")
    )
    by_digest: dict[str, RaidTick] = {}
    by_name: dict[str, RaidTick] = {}
    for row in found:
        if row.source_digest in wanted:
            by_digest.setdefault(row.source_digest, row)
        if row.has_attendance and row.source_name:
            for taken in (n.strip().lower() for n in row.source_name.split(",")):
                if taken in names:
                    by_name.setdefault(taken, row)
    for name, digest in zip(file_names, digests, strict=True):
        tick = by_digest.get(digest) or by_name.get(base_name(name).lower())
        if tick is not None:
            refusals.append(
                Problem(
                    base_name(name),
                    None,
                    f"This file was already taken for the tick of {tick.occurred_at:%Y-%m-%d %H:%M} UTC "
                    f"({tick.raid.event.name}, tick {tick.pk}).",
                    "duplicate_dump",
                )
            )
    if len(digests) > 1 and not refusals and combined_digest(digests) in by_digest:
        refusals.append(
            Problem(", ".join(file_names), None, "These files were already taken for a tick.", "duplicate_dump")
        )
    return refusals


def _future(where: str, at: dt.datetime | None, now: dt.datetime) -> Problem | None:
    """A tick time in the future or before EverQuest's launch (``dkp.core.time``'s bounds), as a refusal."""
    if at is not None and at < EQ_LAUNCH:
        return Problem(
            where,
            None,
            f"The tick time {at.year:04d}-{at:%m-%d %H:%M} UTC is before EverQuest's launch: a tick's time "
            f"must be from {EQ_LAUNCH:%Y-%m-%d} to now; check the file name or the time given.",
            "time_out_of_range",
        )
    if at is not None and at > now + FUTURE_MARGIN:
        local = at.astimezone(guild_zone())
        return Problem(
            where,
            None,
            f"The tick time {local:%Y-%m-%d %H:%M} ({local.tzname()}) is in the future; check the guild's time zone "
            "or the computer's clock.",
            "future_tick",
        )
    return None


@dataclass
class _Seen:
    """Characters read from the input, merged by name."""

    rows: dict[str, Attendee] = field(default_factory=dict)
    places: dict[str, list[str]] = field(default_factory=dict)

    def add(self, attendee: Attendee, place: str) -> None:
        key = attendee.name.lower()
        self.places.setdefault(key, []).append(place)
        if key in self.rows:
            previous = self.rows[key]
            if attendee.level > previous.level:  # the later dump may have seen a ding
                self.rows[key] = Attendee(previous.name, previous.eq_class, attendee.level)
            return
        self.rows[key] = attendee


def _characters_named(names: Iterable[str]) -> dict[str, Character]:
    lowered = {n.lower() for n in names}
    if not lowered:
        return {}
    return {
        c.name.lower(): c
        for c in Character.objects.annotate(lname=Lower("name")).filter(lname__in=lowered).select_related("owner")
    }


# --- What a door hands over ----------------------------------------------------------------------


@dataclass(frozen=True)
class TooLarge:
    """A file over ``MAX_FILE_BYTES``, kept as its size only: the refusal says how big it really is."""

    size: int


FileData = bytes | TooLarge


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_upload(handle: _Readable, size: int | None = None) -> FileData:
    """A file as a door received it: its bytes, or its size when it is over the limit.

    ``size`` is what the door was told (an upload's, an attachment's, a file's on disk); without
    it the bytes past the limit are counted, never kept.
    """
    if size is not None and size > MAX_FILE_BYTES:
        return TooLarge(size)
    data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) <= MAX_FILE_BYTES:
        return data
    return TooLarge(len(data) + sum(len(chunk) for chunk in iter(lambda: handle.read(1 << 16), b"")))


def size_text(size: int) -> str:
    """A file's size as the refusals write it: "300 KiB", "6.0 MiB"."""
    if size < 1 << 20:
        return f"{-(-size // 1024)} KiB"
    return f"{size / (1 << 20):.1f} MiB"


def too_large_message(what: str, data: FileData) -> str:
    """The sentence refusing a file over the limit: "The file is 6.0 MiB; a raid dump is at most 256 KiB."."""
    size = data.size if isinstance(data, TooLarge) else len(data)
    return f"The file is {size_text(size)}; {what} is at most {size_text(MAX_FILE_BYTES)}."


@dataclass(frozen=True)
class Dumps:
    """Raid dump files as (file name, bytes): one tick however many windows wrote them."""

    files: Sequence[tuple[str, FileData]]


@dataclass(frozen=True)
class WhoPaste:
    """A ``/who`` excerpt pasted from a log file."""

    text: str


@dataclass(frozen=True)
class Names:
    """Characters an officer names by hand; the tick's time is the ``occurred_at`` given with them."""

    names: Sequence[str]


@dataclass(frozen=True)
class Previewed:
    """The token of an earlier preview: save exactly what it showed."""

    token: str


AttendanceSource = Dumps | WhoPaste | Names | Previewed


@dataclass(frozen=True)
class Taken:
    """What ``take_attendance`` answers.

    ``preview`` is what the input makes (None when a token is saved: it was shown before). ``tick`` is
    the tick saved, None when only a preview was asked for or the preview has something that blocks it.
    """

    preview: TickPreview | None
    tick: RaidTick | None = None


# --- Reading the input ---------------------------------------------------------------------------


@dataclass
class _Reading:
    """What one input held, gathered while it is read: the parts a preview is made of."""

    source: str
    seen: _Seen = field(default_factory=_Seen)
    problems: list[Problem] = field(default_factory=list)  # faults on single lines
    refusals: list[Problem] = field(default_factory=list)  # whole inputs refused
    warnings: list[str] = field(default_factory=list)
    files: list[SourceFile] = field(default_factory=list)  # the dumps read without refusal
    occurred_at: dt.datetime | None = None
    source_name: str = ""
    digests: list[str] = field(default_factory=list)
    known: dict[str, Character] | None = None  # the characters looked up while reading, if they were

    def refuse(self, where: str, message: str, code: str) -> None:
        self.refusals.append(Problem(where, None, message, code))

    def refuse_future(self, where: str, at: dt.datetime | None) -> None:
        future = _future(where, at, timezone.now())
        if future is not None:
            self.refusals.append(future)


def _read(source: Dumps | WhoPaste | Names, occurred_at: dt.datetime | None) -> _Reading:
    if isinstance(source, Dumps):
        return _read_dumps(source.files)
    if isinstance(source, WhoPaste):
        return _read_who(source.text)
    return _read_names(source.names, occurred_at)


def _read_dumps(files: Sequence[tuple[str, FileData]]) -> _Reading:
    """One or more raid dumps read into one tick's attendance, each file refused or read on its own."""
    reading = _Reading(Source.DUMP)
    if not files:
        reading.refuse("upload", "Choose at least one raid dump file.", "no_file")
    if len(files) > MAX_FILES:
        reading.refuse("upload", f"At most {MAX_FILES} raid dumps make one tick.", "too_many_files")
        files = files[:MAX_FILES]
    settings = GuildSettings.load()
    now = timezone.now()
    names_seen: set[str] = set()
    for raw_name, data in files:
        name = base_name(raw_name)
        if name.lower() in names_seen:
            reading.refuse(name, "The same file is in this upload twice.", "duplicate_dump")
            continue
        names_seen.add(name.lower())
        _read_dump(reading, name, data, settings=settings, now=now)
    read_names = [f.file_name for f in reading.files]
    reading.digests = [f.digest for f in reading.files]
    if reading.files:
        reading.refusals.extend(_taken(read_names, reading.digests))
    if len(reading.seen.rows) > MAX_RAID_SIZE:
        reading.refuse(
            ", ".join(read_names),
            f"These dumps list {len(reading.seen.rows):,} different characters; a raid holds at most {MAX_RAID_SIZE}.",
            "too_many_characters",
        )
    times = [f.written_at for f in reading.files if f.written_at is not None]
    reading.occurred_at = min(times) if times else None
    reading.source_name = ", ".join(read_names)
    return reading


def _read_dump(reading: _Reading, name: str, data: FileData, *, settings: GuildSettings, now: dt.datetime) -> None:
    """Add one raid dump to the reading: a refusal of the whole file, or its rows and their problems."""
    if isinstance(data, TooLarge) or len(data) > MAX_FILE_BYTES:
        reading.refuse(name, too_large_message("a raid dump", data), "file_too_large")
        return
    try:
        dump = parse_raid_dump(data, file_name=name)
    except EqLogError as refused:
        reading.refuse(name, refused.message, refused.code)
        return
    written_at = local_to_utc(dump.file_name.written_at) if dump.file_name else None
    server = dump.file_name.server if dump.file_name else None
    if dump.file_name is None:
        reading.warnings.append(
            f"{name}: the name is not a raid dump's (RaidRoster_server-YYYYMMDD-HHMMSS.txt), so it "
            "tells no time; give the tick's time yourself."
        )
    elif server and settings.server_name and server.lower() != settings.server_name.lower():
        reading.warnings.append(f"{name}: written on {server}, but the guild plays on {settings.server_name}.")
    future = _future(name, written_at, now)
    if future is not None:
        reading.refusals.append(future)
    reading.files.append(SourceFile(name, file_digest(name, data), written_at, server, len(dump.rows)))
    for problem in dump.problems:
        if problem.code == ProblemCode.DUPLICATE_NAME:
            # Shown among the duplicates, where the line is one more place the character was listed;
            # the first line was taken.
            listed = problem.message.split(" ", 1)[0]
            reading.seen.places.setdefault(listed.lower(), []).append(f"{name}, line {problem.line_number}")
        else:
            reading.problems.append(Problem(name, problem.line_number, problem.message, str(problem.code)))
    for row in dump.rows:
        reading.seen.add(Attendee(row.name, row.eq_class, row.level), f"{name}, line {row.line_number}")


def _read_who(text: str) -> _Reading:
    """A pasted ``/who`` excerpt read into one tick's attendance. Anonymous players count only when known here."""
    where = "/who paste"
    reading = _Reading(Source.WHO)
    if len(text) > MAX_WHO_CHARS:
        reading.refuse(where, f"Paste at most {MAX_WHO_CHARS // 1024} KiB of log.", "file_too_large")
        text = ""
    lines = text.count("\n") + 1 if text.strip() else 0
    if lines > MAX_WHO_LINES:
        reading.refuse(
            where, f"The paste has {lines:,} lines; paste at most {MAX_WHO_LINES} lines of log.", "too_many_lines"
        )
        text = ""
    if not text.strip() and not reading.refusals:
        reading.refuse(where, "Paste the /who lines from your log file.", "empty_file")
    rows: tuple[Any, ...] = ()
    if text.strip():
        try:
            rows, who_problems = parse_who(text)
        except EqLogError as refused:
            reading.refuse(where, refused.message, refused.code)
            who_problems = ()
        for problem in who_problems:
            if problem.code == ProblemCode.UNREADABLE_LINE:
                # A log excerpt has other lines around the /who list (raid say, loot); they are passed over.
                reading.warnings.append(f"Line {problem.line_number} skipped: {problem.message}")
            elif problem.code != ProblemCode.DUPLICATE_NAME:
                reading.problems.append(Problem(where, problem.line_number, problem.message, str(problem.code)))
    for row in rows:
        if getattr(row, "offline", False):
            reading.warnings.append(f"Line {row.line_number}: {row.name} is a trader in offline mode, not counted.")
        elif trader := getattr(row, "trader", ""):
            reading.warnings.append(
                f"Line {row.line_number}: {row.name} is in the Bazaar as a {trader.lower()}, not counted."
            )
    rows = tuple(row for row in rows if not getattr(row, "offline", False) and not getattr(row, "trader", ""))
    reading.known = known = _characters_named(row.name for row in rows)
    for row in rows:
        character = known.get(row.name.lower())
        eq_class = row.eq_class or (character.eq_class if character else None)
        level = row.level or (character.level if character else None)
        if eq_class is None or level is None:
            reading.problems.append(
                Problem(
                    where,
                    row.line_number,
                    f"{row.name} is anonymous and not known here, so their class and level are unknown; "
                    "take them from a raid dump or add the character first.",
                    "anonymous_unknown",
                )
            )
            continue
        name = character.name if character else row.name
        reading.seen.add(Attendee(name, eq_class, level), f"{where}, line {row.line_number}")
    times = [row.at for row in rows if row.at is not None]
    reading.occurred_at = local_to_utc(max(times)) if times else None
    reading.refuse_future(where, reading.occurred_at)
    if reading.seen.rows:
        reading.source_name = "/who"
        reading.digests = [hashlib.sha256(b"who\0" + text.strip().encode()).hexdigest()]
        taken = RaidTick.objects.filter(source_digest=reading.digests[0]).first()
        if taken is not None:
            reading.refuse(where, f"This /who excerpt was already taken for tick {taken.pk}.", "duplicate_dump")
    return reading


def split_names(text: str) -> list[str]:
    """Names typed by hand: separated by commas, spaces or new lines."""
    return [name for name in text.replace(",", " ").split() if name]


def _read_names(names: Sequence[str], occurred_at: dt.datetime | None) -> _Reading:
    """A tick's attendance named by an officer: existing characters only, with their own class and level."""
    where = "names"
    reading = _Reading(Source.HAND, occurred_at=occurred_at)
    if len(names) > MAX_HAND_NAMES:
        reading.refuse(where, f"Name at most {MAX_HAND_NAMES} characters.", "too_many_names")
        names = names[:MAX_HAND_NAMES]
    reading.known = known = _characters_named(names)
    for position, name in enumerate(names, start=1):
        character = known.get(name.lower())
        if character is None:
            message = (
                f"There is no character named {name!r}; characters come from raid and guild dumps."
                if is_character_name(name.capitalize())
                else f"{name!r} is not a character name (4 to 15 letters)."
            )
            reading.problems.append(Problem(where, position, message, "unknown_character"))
            continue
        reading.seen.add(Attendee(character.name, character.eq_class, character.level), f"{where}, #{position}")
    reading.refuse_future(where, occurred_at)
    return reading


# --- What a reading makes ------------------------------------------------------------------------


def _present(seen: _Seen, known: dict[str, Character]) -> tuple[PresentCharacter, ...]:
    """Everyone read, by name, each with what the guild knows of them: new, unclaimed, or whose."""
    present = []
    for key, attendee in sorted(seen.rows.items()):
        character = known.get(key)
        if character is None:
            status, owner = "new", ""
        elif character.owner_id is None:
            status, owner = "unclaimed", ""
        else:
            status, owner = "claimed", character.owner.name if character.owner else ""
        present.append(
            PresentCharacter(
                name=character.name if character else attendee.name,
                eq_class=attendee.eq_class,
                level=attendee.level,
                status=status,
                owner_name=owner,
                seen_in=tuple(seen.places.get(key, ())),
            )
        )
    return tuple(present)


def _duplicates(seen: _Seen) -> tuple[Duplicate, ...]:
    return tuple(
        Duplicate(seen.rows[key].name, tuple(places)) for key, places in sorted(seen.places.items()) if len(places) > 1
    )


def _preview(raid: Raid, reading: _Reading) -> TickPreview:
    """The preview a reading makes, with no token yet."""
    seen = reading.seen
    known = reading.known if reading.known is not None else _characters_named(seen.rows)
    refusals = list(reading.refusals)
    if not seen.rows and not refusals and not reading.problems:
        refusals.append(
            Problem(reading.source_name or reading.source, None, "Nobody is listed as present.", "empty_tick")
        )
    return TickPreview(
        raid=raid,
        source=reading.source,
        files=tuple(reading.files),
        present=_present(seen, known),
        duplicates=_duplicates(seen),
        problems=tuple(reading.problems),
        refusals=tuple(refusals),
        warnings=tuple(reading.warnings),
        occurred_at=reading.occurred_at,
        other_day=other_day_warning(raid=raid, at=reading.occurred_at),
        source_name=reading.source_name[:200],
        source_digest=combined_digest(reading.digests) if reading.digests else "",
        file_digests=tuple(reading.digests),
        attendees=tuple(seen.rows.values()),
    )


@dataclass(frozen=True)
class _ToSave:
    """A preview's attendance as a save records it, whether it comes from a reading or a token."""

    source: str
    source_name: str
    file_names: list[str]
    digests: list[str]
    occurred_at: dt.datetime | None
    attendees: list[Attendee]

    @classmethod
    def of(cls, preview: TickPreview) -> _ToSave:
        return cls(
            source=preview.source,
            source_name=preview.source_name,
            file_names=[f.file_name for f in preview.files],
            digests=list(preview.file_digests),
            occurred_at=preview.occurred_at,
            attendees=list(preview.attendees),
        )


def _signed(preview: TickPreview, actor: User | None) -> TickPreview:
    """The preview with the token a later save takes, when nothing blocks it."""
    if not preview.can_confirm:
        return preview
    saved = _ToSave.of(preview)
    token = signing.dumps(
        {
            "raid": preview.raid.pk,
            "actor": actor.pk if actor is not None else None,
            "source": saved.source,
            "name": saved.source_name,
            "files": saved.file_names,
            "digests": saved.digests,
            "at": saved.occurred_at.isoformat() if saved.occurred_at else None,
            "rows": [[a.name, a.eq_class, a.level] for a in saved.attendees],
        },
        salt=_SALT,
        compress=True,
    )
    return dataclasses.replace(preview, token=token)


def _unsigned(token: str, *, raid: Raid, actor: User | None) -> _ToSave:
    """What a token holds, once it is known to be this site's, for this raid and this officer, and still fresh."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(
            "This preview is too old; upload the files again to see a fresh one.", code="preview_expired"
        ) from None
    except signing.BadSignature:
        raise InvalidInput("This preview token is not one this site made.", code="bad_preview_token") from None
    if not isinstance(payload, dict) or payload.get("raid") != raid.pk:
        raise InvalidInput("This preview was made for another raid.", code="bad_preview_token")
    if payload.get("actor") != (actor.pk if actor is not None else None):
        raise InvalidInput(
            "This preview was made by someone else; preview the files yourself.", code="bad_preview_token"
        )
    return _ToSave(
        source=payload["source"],
        source_name=payload["name"],
        file_names=payload["files"],
        digests=payload["digests"],
        occurred_at=dt.datetime.fromisoformat(payload["at"]) if payload.get("at") else None,
        attendees=[Attendee(name, eq_class, level) for name, eq_class, level in payload["rows"]],
    )


# --- The one entry -------------------------------------------------------------------------------


def take_attendance(
    *,
    raid: Raid,
    source: AttendanceSource,
    actor: User | None,
    save: bool,
    value: int | None = None,
    description: str = "",
    occurred_at: dt.datetime | None = None,
    other_day: bool = False,
) -> Taken:
    """Take one tick's attendance, for every door: preview the input, or save it.

    ``save=False`` reads the input and answers its preview, signed when nothing blocks it; nothing is
    written. ``save=True`` saves in one transaction: a ``Previewed`` token's attendance after checking
    again what may have changed since, or the input read afresh (a preview with something that blocks
    it comes back with no tick, for the door to show). ``occurred_at`` is the time an officer gave: names
    need one, and it goes before the time the files tell. ``value`` and ``description`` go on the tick.

    Seven parameters, all keywords: the raid, the input, who acts and what they want, and the three
    things an officer may set on the tick, and ``other_day``, the officer's word that a tick time far
    from the raid night's start is right; splitting them would only make each door build a bundle.
    """
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    if save:
        return _save(
            raid=raid,
            source=source,
            actor=actor,
            value=value,
            description=description,
            occurred_at=occurred_at,
            other_day=other_day,
        )
    if isinstance(source, Previewed):
        raise InvalidInput("A preview's token is for saving it; preview the input itself.", code="invalid_input")
    return Taken(preview=_signed(_preview(raid, _read(source, occurred_at)), actor))


@transaction.atomic
def _save(
    *,
    raid: Raid,
    source: AttendanceSource,
    actor: User | None,
    value: int | None,
    description: str,
    occurred_at: dt.datetime | None,
    other_day: bool,
) -> Taken:
    """Read or unsign, check and record, all under one lock (see ``take_attendance`` for the parameters)."""
    # One save at a time: the check that a file is not yet taken and the write that takes it must not
    # interleave with another save of the same file (there is no unique index to catch it).
    GuildSettings.objects.select_for_update().get_or_create(pk=1)
    preview: TickPreview | None = None
    if isinstance(source, Previewed):
        if not source.token:
            raise InvalidInput("Confirm with either the preview's token or the files, not both.", code="invalid_input")
        to_save = _unsigned(source.token, raid=raid, actor=actor)
        if to_save.digests and to_save.source == Source.DUMP:
            taken = _taken(to_save.file_names, to_save.digests)
            if taken:
                raise Conflict("\n".join(str(p) for p in taken), code="duplicate_dump")
    else:
        preview = _preview(raid, _read(source, occurred_at))
        if not preview.can_confirm:
            return Taken(preview=preview)
        to_save = _ToSave.of(preview)
    at = occurred_at or to_save.occurred_at
    if at is None:
        raise InvalidInput("Give the tick's time: the input does not tell it.", code="time_required")
    if timezone.is_naive(at):
        at = local_to_utc(at)
    future = _future("tick", at, timezone.now())
    if future is not None:
        raise InvalidInput(future.message, code=future.code)
    far = other_day_warning(raid=raid, at=at)
    if far and not other_day:
        raise InvalidInput(f"Nothing was saved. {far}", code="other_day")
    tick = record_tick(
        raid=raid,
        occurred_at=at,
        attendees=to_save.attendees,
        actor=actor,
        value=value,
        description=description.strip(),
        source_name=to_save.source_name,
        source_digest=combined_digest(to_save.digests) if to_save.digests else "",
        digest_checked=True,  # just above, under the lock
    )
    refresh_attendance_after_commit()
    return Taken(preview=preview, tick=tick)


# --- The steps by name, for callers that take one at a time (tests, the benchmark) ---------------


def _shown(taken: Taken) -> TickPreview:
    assert taken.preview is not None  # a preview was asked for
    return taken.preview


def preview_dumps(*, raid: Raid, files: Sequence[tuple[str, bytes]], actor: User | None) -> TickPreview:
    """Read one or more raid dumps into one tick's attendance and say what it would hold. Saves nothing."""
    return _shown(take_attendance(raid=raid, source=Dumps(files), actor=actor, save=False))


def preview_who(*, raid: Raid, text: str, actor: User | None) -> TickPreview:
    """Read a pasted ``/who`` excerpt into one tick's attendance. Anonymous players count only when known here."""
    return _shown(take_attendance(raid=raid, source=WhoPaste(text), actor=actor, save=False))


def preview_by_hand(
    *, raid: Raid, names: Sequence[str], actor: User | None, occurred_at: dt.datetime | None = None
) -> TickPreview:
    """A tick's attendance named by an officer: existing characters only, with their own class and level."""
    return _shown(take_attendance(raid=raid, source=Names(names), actor=actor, save=False, occurred_at=occurred_at))


def confirm_tick(
    *,
    raid: Raid,
    actor: User | None,
    preview_token: str = "",
    files: Sequence[tuple[str, bytes]] | None = None,
    value: int | None = None,
    description: str = "",
    occurred_at: dt.datetime | None = None,
    other_day: bool = False,
) -> RaidTick:
    """Save the tick a preview showed (its token, or the same files again), refusing what blocks it.

    ``take_attendance``'s parameters, with the input as a token or files.
    """
    if bool(preview_token) == (files is not None):
        if actor is not None:
            require(actor, Capability.MANAGE_GUILD)
        raise InvalidInput("Confirm with either the preview's token or the files, not both.", code="invalid_input")
    source: AttendanceSource = Dumps(files) if files is not None else Previewed(preview_token)
    taken = take_attendance(
        raid=raid,
        source=source,
        actor=actor,
        save=True,
        value=value,
        description=description,
        occurred_at=occurred_at,
        other_day=other_day,
    )
    if taken.tick is None:
        preview = _shown(taken)
        raise InvalidInput(preview.message(), code=_code_of(preview))
    return taken.tick


def _code_of(preview: TickPreview) -> str:
    for problem in (*preview.refusals, *preview.problems):
        return problem.code
    return "empty_tick"
