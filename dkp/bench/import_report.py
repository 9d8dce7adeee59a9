"""The import part of docs/benchmarks.md: issue 16's ten-year OpenDKP import on both databases.

It is its own block of the page, between markers, so ``BENCH_ONLY=import`` can rewrite it (and
add a row to its own history table) without touching the rest of the page, and a full run keeps
the last import figures when it did not take new ones.
"""

from __future__ import annotations

import re
from typing import Any

from dkp.bench.formatting import NONE, VENDORS, machine_line, number, table

START, END = "<!-- import:start -->", "<!-- import:end -->"
HISTORY_START, HISTORY_END = "<!-- import-history:start -->", "<!-- import-history:end -->"
HISTORY_COLUMNS = (
    "date",
    "commit",
    "machine",
    "import s (S / P)",
    "import peak MB (S / P)",
    "claims s (S / P)",
    "claims peak MB (S / P)",
    "ledger differences after (S / P)",
)
# The phases of ``import_guild`` (dkp/bench/importing.py ``phase_totals``), as the table names them.
PHASES = (
    ("reading", "reading the dump"),
    ("checking", "checking every row and balance (the preview)"),
    ("checking_again", "checking again, inside the import"),
    ("writing", "writing"),
)

Imports = dict[str, dict[str, Any]]  # vendor -> bench_import result


def section(imports: Imports) -> str:
    """The page's import section, markers included."""
    lines = [START, "## Import: ten years of OpenDKP history", ""]
    if not imports:
        return "\n".join([*lines, "The import benchmark has not run (`BENCH_ONLY=import make bench`).", END])
    some = next(iter(imports.values()))
    size = some["source"]
    lines += [
        "Issue 16 asks that a 10-year source import within a few minutes and in bounded memory. The source "
        f"is `{size['file']}`, an OpenDKP database as mysqldump writes it (`bench_import --write-source`, "
        f"dkp/bench/source.py, seed {size.get('seed', NONE)}): {number(size['bytes'] / 1e6)} MB, "
        f"{number(size.get('characters'))} characters ({number(size.get('mains'))} mains and their alts), "
        f"{number(size.get('raids'))} raids in 2 pools, {number(size.get('ticks'))} ticks of fractional value, "
        f"{number(size.get('attendance'))} attendance rows, {number(size.get('loot'))} loot rows and "
        f"{number(size.get('adjustments'))} adjustments.",
        "",
        "`import_guild FILE --client-id ... --accept-differences bench` runs in a fresh process against an "
        "empty, migrated database; its phases are the times it prints on standard error. Then every main is "
        "given to a member of its own in one `assign_owners` batch (`bench_import --claim`, another fresh "
        "process): that is when the history waiting on each character moves to its member, its alts with "
        "it. Peak memory is each process's peak RSS (`ru_maxrss` from `os.wait4`), MB of 10^6 bytes.",
        "",
    ]
    header = ["step"] + [f"{name}" for vendor, name in VENDORS if vendor in imports]
    vendors = [vendor for vendor, _ in VENDORS if vendor in imports]

    def row(what: str, value: Any) -> list[str]:
        return [what] + [value(imports[vendor]) for vendor in vendors]

    def seconds(value: Any) -> str:
        return NONE if value is None else f"{value:,.1f} s"

    def megabytes(value: Any) -> str:
        return NONE if value is None else f"{value:,.0f} MB"

    rows = [row(what, lambda run, key=key: seconds(run["import"]["phases"].get(key))) for key, what in PHASES]
    steps = [step["step"] for step in some["import"]["steps"] if step["step"].startswith("importing: ")]
    for name in steps:
        if name == "importing: checking again":
            continue
        rows.append(
            row(
                f"&nbsp;&nbsp;{name.removeprefix('importing: ')}",
                lambda run, name=name: seconds(
                    next((step["seconds"] for step in run["import"]["steps"] if step["step"] == name), None)
                ),
            )
        )
    rows += [
        row(
            "**import_guild, start to end** (with Django's start-up)",
            lambda run: f"**{seconds(run['import']['seconds'])}**",
        ),
        row("**import_guild peak memory**", lambda run: f"**{megabytes(run['import']['peak_rss_mb'])}**"),
        row(
            f"claims: {number(some['claim']['mains'])} mains given in one `assign_owners`",
            lambda run: seconds(run["claim"]["assign_seconds"]),
        ),
        row("&nbsp;&nbsp;the claims' process, start to end", lambda run: seconds(run["claim"]["process_seconds"])),
        row("&nbsp;&nbsp;the claims' peak memory", lambda run: megabytes(run["claim"]["peak_rss_mb"])),
        row("ledger entries the claims wrote", lambda run: number(run["claim"]["ledger_entries_written"])),
        row("characters given (mains and alts) / left unowned", _given),
        row("imported entries still waiting for an owner", lambda run: number(run["claim"]["pending_after"])),
        row("`summary_differences()` afterwards", lambda run: number(run["claim"]["reconcile_differences"])),
        row("members whose balance is not OpenDKP's, rounded", _mismatches),
    ]
    lines += table(header, rows, align="l" + "r" * len(vendors))
    return "\n".join([*lines, END])


def _given(run: dict[str, Any]) -> str:
    claim = run["claim"]
    return f"{number(claim['characters_given'])} / {number(claim['characters_left_unowned'])}"


def _mismatches(run: dict[str, Any]) -> str:
    claim = run["claim"]
    return f"{number(claim['balance_mismatches'])} of {number(claim.get('members_checked'))}"


def history_table(rows: list[str]) -> str:
    lines = [
        HISTORY_START,
        "### Import history",
        "",
        "The ten-year OpenDKP import of every run that took it, oldest first; S is SQLite and P PostgreSQL.",
        "",
        *table(list(HISTORY_COLUMNS), [], align="lll" + "r" * (len(HISTORY_COLUMNS) - 3))[:2],
        *rows,
        HISTORY_END,
    ]
    return "\n".join(lines)


def history_row(imports: Imports, *, date: str, revision: str, info: dict[str, str]) -> str:
    """The history table's row of these runs."""
    return "| " + " | ".join(history_entry(imports, date=date, revision=revision, info=info).values()) + " |"


def history_entry(imports: Imports, *, date: str, revision: str, info: dict[str, str]) -> dict[str, str]:
    """These runs' key figures by the history's columns, as docs/benchmarks.json keeps them."""

    def pair(value: Any) -> str:
        return " / ".join(number(value(imports[vendor])) if vendor in imports else NONE for vendor, _ in VENDORS)

    values = [
        date,
        revision,
        machine_line(info),
        pair(lambda run: run["import"]["seconds"]),
        pair(lambda run: run["import"]["peak_rss_mb"]),
        pair(lambda run: run["claim"]["assign_seconds"]),
        pair(lambda run: run["claim"]["peak_rss_mb"]),
        pair(lambda run: run["claim"]["reconcile_differences"]),
    ]
    return dict(zip(HISTORY_COLUMNS, values, strict=True))


def _block(markdown: str, start: str, end: str) -> str | None:
    match = re.search(re.escape(start) + r".*?" + re.escape(end), markdown, flags=re.S)
    return match.group(0) if match else None


def old_section(markdown: str) -> str | None:
    """The import section of an existing page, markers included, as it is."""
    return _block(markdown, START, END)


def history_rows(markdown: str) -> list[str]:
    block = _block(markdown, HISTORY_START, HISTORY_END) or ""
    rows = [line.strip() for line in block.splitlines() if line.strip().startswith("|")]
    return rows[2:]


def updated(markdown: str, imports: Imports, *, date: str, revision: str, info: dict[str, str]) -> str:
    """An existing page with its import section replaced by these figures and a history row added;
    a page from before the import benchmark gets both, the section before "How the figures are taken"."""
    new_section = section(imports)
    history = history_table([*history_rows(markdown), history_row(imports, date=date, revision=revision, info=info)])
    old = old_section(markdown)
    if old is not None:
        markdown = markdown.replace(old, new_section)
    elif "\n## How the figures are taken" in markdown:
        markdown = markdown.replace(
            "\n## How the figures are taken", f"\n{new_section}\n\n## How the figures are taken", 1
        )
    else:
        markdown = markdown.rstrip("\n") + f"\n\n{new_section}\n"
    old_history = _block(markdown, HISTORY_START, HISTORY_END)
    if old_history is not None:
        return markdown.replace(old_history, history)
    return markdown.rstrip("\n") + f"\n\n{history}\n"
