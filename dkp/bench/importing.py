"""The figures of issue 16's ten-year import: ``import_guild`` on a big OpenDKP dump, then the claims.

Each step runs in a fresh process of its own, so its peak resident memory is its own and not the
benchmark's: ``os.wait4`` hands back the child's ``ru_maxrss`` with its exit status.

1. ``import_guild FILE --client-id ... --accept-differences bench`` against an empty, migrated
   database: the wall time, the peak memory, and the time of each step the command prints on
   standard error (reading the dump, checking every row and balance for the preview, checking
   again inside the import, writing).
2. ``bench_import --claim``: every imported main given to a member of its own in one
   ``assign_owners`` batch, as an officer assigning them after the import; that is when the
   history waiting on each character (attendance, loot, adjustments, roundings) moves to its
   member and their alts follow. Then ``summary_differences()`` over the whole ledger, which must
   be empty, and each member's balance against OpenDKP's own sum of their characters.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from dkp.accounts.models import User
from dkp.bench.measure import database_version
from dkp.bench.source import Size, write_opendkp_dump
from dkp.characters.models import Character
from dkp.core.roles import RoleGroup
from dkp.points.models import PointEntry, UserPointsSummary
from dkp.points.selectors import summary_differences
from dkp.raids.ownership import assign_owners
from dkp.switching.models import ImportedCharacter, ImportRun, PendingEntry

MB = 1_000_000
_STEP = re.compile(r"(?:^|  )(?P<step>[^\n]+?)\.\.\.|(?<= )(?P<seconds>\d+\.\d) s(?![\w.])")


class ImportBenchError(RuntimeError):
    """A step of the import benchmark failed; the message says which and where its output is."""


def balances_path(dump: Path) -> Path:
    """Where ``write_source`` keeps OpenDKP's balance of each character, beside the dump."""
    return dump.with_name(dump.name.removesuffix(".sql") + ".balances.json")


def write_source(path: Path, *, seed: int = 1, size: Size | None = None) -> dict[str, Any]:
    """The ten-year dump (dkp/bench/source.py) and, beside it, the balance OpenDKP gives each character."""
    started = time.perf_counter()
    written = write_opendkp_dump(path, seed=seed, size=size)
    balances_path(path).write_text(
        json.dumps(
            {"client_id": written.client_id, "balances": {name: str(value) for name, value in written.balances.items()}}
        )
        + "\n",
        encoding="utf-8",
    )
    counts = {**written.as_json(), "seconds": round(time.perf_counter() - started, 1), "seed": seed}
    _size_path(path).write_text(json.dumps(counts) + "\n", encoding="utf-8")
    return counts


def _size_path(dump: Path) -> Path:
    return dump.with_name(dump.name.removesuffix(".sql") + ".size.json")


def phases(stderr: str) -> list[dict[str, Any]]:
    """The steps ``import_guild`` printed on standard error, each with its seconds, in order.

    A line something else wrote in between (kombu's warning when the import queues its attendance
    refresh) does not break a step from its time.
    """
    found: list[dict[str, Any]] = []
    step: str | None = None
    for match in _STEP.finditer(stderr):
        if match["step"] is not None:
            step = match["step"].strip()
        elif step is not None:
            found.append({"step": step, "seconds": float(match["seconds"])})
            step = None
    return found


def phase_totals(steps: list[dict[str, Any]]) -> dict[str, float]:
    """The steps in four: reading, checking (the preview), checking again (inside the import), writing."""
    totals = {"reading": 0.0, "checking": 0.0, "checking_again": 0.0, "writing": 0.0}
    for step in steps:
        name = step["step"]
        if name.startswith("reading"):
            key = "reading"
        elif name == "importing: checking again":
            key = "checking_again"
        elif name.startswith("importing:"):
            key = "writing"
        else:
            key = "checking"
        totals[key] = round(totals[key] + step["seconds"], 1)
    return totals


def run_child(args: list[str], *, log: Path) -> dict[str, Any]:
    """Run ``manage.py ARGS`` in a fresh process: its exit status, wall seconds, peak RSS and stderr."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args]
    out_path, err_path = log.with_suffix(".out"), log.with_suffix(".err")
    started = time.perf_counter()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        child = subprocess.Popen(command, stdout=out, stderr=err, cwd=settings.BASE_DIR)  # noqa: S603 - our own manage.py
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    stderr = err_path.read_text(encoding="utf-8", errors="replace")
    return {
        "command": " ".join(["manage.py", *args]),
        "exit_code": child.returncode,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss * 1024 / MB, 1),  # Linux reports KiB
        "stderr": stderr,
        "stdout_file": str(out_path),
    }


def _database_is_empty() -> bool:
    return not (ImportRun.objects.exists() or Character.objects.exists() or PointEntry.objects.exists())


def run(*, label: str, source: Path, logs: Path, progress: Callable[[str], None] = lambda line: None) -> dict[str, Any]:
    """Import ``source`` into this (empty) database and claim its mains; the result is what the report reads."""
    if not _database_is_empty():
        raise ImportBenchError(
            f"{settings.DATABASES['default']['NAME']} already holds characters, points or an import: the import "
            "benchmark needs an empty, migrated database."
        )
    known = json.loads(balances_path(source).read_text(encoding="utf-8"))
    logs.mkdir(parents=True, exist_ok=True)
    began = timezone.now()

    progress(f"  import_guild {source.name}...")
    imported = run_child(
        ["import_guild", _shown(source), "--client-id", known["client_id"], "--accept-differences", "bench"],
        log=logs / f"{label}-import",
    )
    if imported["exit_code"] != 0:
        raise ImportBenchError(f"import_guild failed (exit {imported['exit_code']}); see {logs / label}-import.err")
    steps = phases(imported.pop("stderr"))
    progress(f"  imported in {imported['seconds']} s, peak RSS {imported['peak_rss_mb']} MB: {phase_totals(steps)}")

    progress("  claiming every main...")
    claim_file = logs / f"{label}-claim.json"
    claimed = run_child(
        ["bench_import", "--claim", "--out", str(claim_file), "--source", str(source)], log=logs / f"{label}-claim"
    )
    if claimed["exit_code"] != 0:
        raise ImportBenchError(
            f"bench_import --claim failed (exit {claimed['exit_code']}); see {logs / label}-claim.err"
        )
    claimed.pop("stderr")
    claim = json.loads(claim_file.read_text(encoding="utf-8"))
    progress(
        f"  claimed {claim['mains']} mains in {claim['assign_seconds']} s; {claim['reconcile_differences']} "
        f"ledger differences, {claim['balance_mismatches']} balances unlike OpenDKP's"
    )
    return {
        "label": label,
        "kind": "import",
        "database": {"vendor": connection.vendor, "version": database_version()},
        "started_at": began.isoformat(timespec="seconds"),
        "finished_at": timezone.now().isoformat(timespec="seconds"),
        "source": source_size(source),
        "import": {**imported, "steps": steps, "phases": phase_totals(steps)},
        "claim": {**claim, "process_seconds": claimed["seconds"], "peak_rss_mb": claimed["peak_rss_mb"]},
    }


def _shown(path: Path) -> str:
    """The path as the figures show it: from the project's folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


def source_size(source: Path) -> dict[str, Any]:
    """What the dump holds, as its generator counted it (kept beside the dump) or just its size."""
    sizes = _size_path(source)
    counted = json.loads(sizes.read_text(encoding="utf-8")) if sizes.exists() else {}
    return {**counted, "file": source.name, "bytes": source.stat().st_size}


def claim_everything(*, source: Path | None = None) -> dict[str, Any]:
    """Give every imported main to a new member of its own, in one ``assign_owners``, and check the ledger."""
    mains = list(
        Character.objects.filter(
            imported_as__isnull=False, imported_as__main__isnull=True, owner__isnull=True
        ).order_by("pk")
    )
    today = timezone.localdate()
    officer = User.objects.create(username="bench-officer", role_group=RoleGroup.OFFICER, member_since=today)
    members = User.objects.bulk_create(
        [
            User(
                username=f"bench-{main.name.lower()}",
                display_name=main.name,
                role_group=RoleGroup.MEMBER,
                member_since=today,
            )
            for main in mains
        ]
    )
    members = list(User.objects.filter(username__in=[member.username for member in members]))
    by_name = {member.username: member for member in members}
    owners = [(main, by_name[f"bench-{main.name.lower()}"]) for main in mains]
    pending_before = PendingEntry.objects.filter(applied_at__isnull=True).count()
    entries_before = PointEntry.objects.count()

    started = time.perf_counter()
    given = assign_owners(owners=owners, actor=officer, reason="bench: every main to its player")
    assign_seconds = time.perf_counter() - started

    started = time.perf_counter()
    differences = summary_differences()
    reconcile_seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "mains": len(mains),
        "characters_given": Character.objects.filter(owner__isnull=False).count(),
        "characters_left_unowned": Character.objects.filter(owner__isnull=True, imported_as__isnull=False).count(),
        "assign_seconds": round(assign_seconds, 1),
        "ledger_entries_written": PointEntry.objects.count() - entries_before,
        "credits_returned": sum(len(one.credits) for one in given),
        "pending_before": pending_before,
        "pending_after": PendingEntry.objects.filter(applied_at__isnull=True).count(),
        "reconcile_seconds": round(reconcile_seconds, 1),
        "reconcile_differences": len(differences),
        "balance_mismatches": None,
    }
    if source is not None and balances_path(source).exists():
        result.update(_balances_against_opendkp(source))
    return result


def _balances_against_opendkp(source: Path) -> dict[str, Any]:
    """Each member's balance against OpenDKP's: the sum of their characters' balances, rounded half
    away from zero to whole points (how the import rounds a main and its alts together)."""
    known = json.loads(balances_path(source).read_text(encoding="utf-8"))["balances"]
    expected: dict[int, Decimal] = {}
    for row in ImportedCharacter.objects.select_related("character"):
        owner = row.character.owner_id
        if owner is not None:
            expected[owner] = expected.get(owner, Decimal(0)) + Decimal(known.get(row.character.name, "0"))
    here: dict[int, int] = {}
    for summary in UserPointsSummary.objects.all():
        here[summary.user_id] = here.get(summary.user_id, 0) + summary.balance
    mismatches = [
        user
        for user, total in expected.items()
        if here.get(user, 0) != int(abs(total).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * (1 if total >= 0 else -1)
    ]
    return {"members_checked": len(expected), "balance_mismatches": len(mismatches)}


def write_json(result: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
