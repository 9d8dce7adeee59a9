"""The preview as text, for the command line: counts, characters, every balance, everything skipped."""

from __future__ import annotations

from collections.abc import Sequence

from dkp.switching.plan import SYSTEM_NAMES, Plan, points_text


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, right: set[int]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def preview_text(plan: Plan) -> str:
    history = plan.history
    system = SYSTEM_NAMES.get(history.system, str(history.system))
    counts = plan.counts()
    out = [f"{history.label} ({system})", ""]
    new = ", ".join(f"{count} {kind}" for kind, count in counts["new"].items())
    out.append(f"New: {new}")
    here = ", ".join(f"{count} {kind}" for kind, count in counts["matched"].items() if count)
    out.append(f"Already here: {here or 'nothing'}")
    pool_names = {line.key: line.name for line in plan.pools}

    out += ["", f"Characters ({len(plan.characters)}):"]
    rows = []
    for line in plan.characters:
        main = "" if line.main_key == line.key else f"alt of {plan.character(line.main_key).name}"
        member = line.member.name if line.member is not None else "-"
        balances = ", ".join(
            f"{pool_names.get(pool, pool)} {points_text(amount)}"
            for pool, amount in sorted(line.source_balances.items())
        )
        rows.append([line.name, line.status, main, f"{member} ({line.how})", balances or "0"])
    out += _table(["character", "status", "group", "points go to", "source balance"], rows, right=set())

    out += ["", "Balances: the source's against EQ DKP's after the import"]
    rows = [
        [
            line.target.label,
            line.pool_name,
            ", ".join(line.characters),
            points_text(line.source),
            str(line.entries + line.earlier_rounding - line.already_here),
            f"{line.rounding:+d}" if line.rounding else "",
            str(line.now),
            str(line.after),
            f"{line.difference:+d}" if line.difference else "",
        ]
        for line in plan.balances
    ]
    out += _table(
        ["who", "pool", "characters", "source", "entries", "rounding", "now", "after", "difference"],
        rows,
        right={3, 4, 5, 6, 7, 8},
    )
    if plan.skipped:
        out += ["", f"Not taken as it stands ({len(plan.skipped)}):"]
        out += [f"  {problem.where}: {problem.message}" for problem in plan.skipped]
    differences = plan.differences
    out.append("")
    if differences:
        out.append(
            f"{len(differences)} balance{'s differ' if len(differences) != 1 else ' differs'} from the source's "
            "beyond rounding (the difference column)."
        )
    else:
        out.append("Every balance matches the source's, rounded half away from zero.")
    if plan.blocking:
        out.append(f"{len(plan.blocking)} of the rows above had points that cannot come across as they stand.")
    if differences or plan.blocking:
        out.append("Importing needs --accept-differences REASON: the differences and rows above are listed for it.")
    return "\n".join(out)
