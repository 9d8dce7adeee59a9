"""Taking attendance: raid dumps, a pasted ``/who`` excerpt or a list of names, previewed and then confirmed.

Every way in ends in the same two steps. ``preview_*`` reads the input, looks the characters up and
says what a tick would hold (who is there, who is new or unclaimed, who is listed twice, what the
file names say about the time, every problem with its file and line) and saves nothing.
``confirm_tick`` saves the tick in one transaction through ``record_tick``.

How confirm gets the attendance back: the preview carries a **signed token** (Django's signing, salted,
compressed, valid for ``PREVIEW_MAX_AGE``) holding the raid, the acting officer, the rows it read and
the files' digests. Nothing is stored between the two steps, so a preview that is never confirmed
leaves no trace; a confirm re-checks everything that could have changed meanwhile (the files already
taken, the time). ``confirm_tick`` also takes the same files again instead of a token (the command
line and API clients that skip the preview do this).

The same file twice: each file's digest is SHA-256 of its base name and its bytes. A one-file tick
stores that digest in ``RaidTick.source_digest``; a tick from several files stores the digest of
their sorted digests and lists the file names in ``source_name``. A file is refused when its digest
or its name (dump names carry the second they were written) is already on a tick.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from dkp.characters.models import Character, CharacterTag, EqClass
from dkp.core.errors import Conflict, InvalidInput
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, require
from dkp.eqlog.dumps import ProblemCode, is_character_name
from dkp.eqlog.errors import EqLogError
from dkp.eqlog.raid_dump import parse_raid_dump
from dkp.raids.models import Raid, RaidTick
from dkp.raids.services import Attendee, record_tick
from dkp.raids.tasks import refresh_attendance_after_commit

if TYPE_CHECKING:
    from dkp.accounts.models import User

MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 8
MAX_WHO_CHARS = 256 * 1024
MAX_HAND_NAMES = 200
PREVIEW_MAX_AGE = 2 * 60 * 60  # seconds a preview may wait for its confirm
FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # a player's clock a little ahead is not a tick in the future
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
    """What a tick would hold; ``token`` (empty when something blocks it) is what ``confirm_tick`` takes."""

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
    file_digests: tuple[str, ...] = field(default=())

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


def guild_zone() -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(GuildSettings.load().time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_to_utc(naive: dt.datetime) -> dt.datetime:
    """A naive local time from the game (a file name, a log line) as an aware UTC time, read in the guild's zone."""
    return naive.replace(tzinfo=guild_zone()).astimezone(dt.UTC)


def _taken(file_names: Sequence[str], digests: Sequence[str]) -> list[Problem]:
    """Files already on a tick, by digest or by name."""
    wanted = {*digests, combined_digest(digests)} if digests else set()
    refusals = []
    by_digest = {
        t.source_digest: t for t in RaidTick.objects.filter(source_digest__in=wanted).select_related("raid__event")
    }
    names = {base_name(n).lower() for n in file_names}
    by_name: dict[str, RaidTick] = {}
    if names:
        # A deleted tick keeps its row (the ledger points at it) but no attendance: its files may be taken again.
        candidates = (
            RaidTick.objects.exclude(source_name="")
            .filter(attendance__isnull=False)
            .distinct()
            .select_related("raid__event")
        )
        query = Q()
        for name in names:
            query |= Q(source_name__icontains=name)
        for tick in candidates.filter(query):
            for taken in (n.strip().lower() for n in tick.source_name.split(",")):
                if taken in names:
                    by_name.setdefault(taken, tick)
    for name, digest in zip(file_names, digests, strict=True):
        taken_by = by_digest.get(digest) or by_name.get(base_name(name).lower())
        if taken_by is not None:
            tick = taken_by
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
    if at is not None and at > now + FUTURE_TOLERANCE:
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


def _build(
    *,
    raid: Raid,
    actor: User | None,
    source: str,
    seen: _Seen,
    problems: list[Problem],
    refusals: list[Problem],
    warnings: list[str],
    files: list[SourceFile],
    occurred_at: dt.datetime | None,
    source_name: str = "",
    digests: Sequence[str] = (),
    known: dict[str, Character] | None = None,
) -> TickPreview:
    known = known if known is not None else _characters_named(seen.rows)
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
    duplicates = tuple(
        Duplicate(seen.rows[key].name, tuple(places)) for key, places in sorted(seen.places.items()) if len(places) > 1
    )
    if not seen.rows and not refusals and not problems:
        refusals.append(Problem(source_name or source, None, "Nobody is listed as present.", "empty_tick"))
    digest = combined_digest(digests) if digests else ""
    preview = TickPreview(
        raid=raid,
        source=source,
        files=tuple(files),
        present=tuple(present),
        duplicates=duplicates,
        problems=tuple(problems),
        refusals=tuple(refusals),
        warnings=tuple(warnings),
        occurred_at=occurred_at,
        source_name=source_name[:200],
        source_digest=digest,
        file_digests=tuple(digests),
    )
    if not preview.can_confirm:
        return preview
    token = signing.dumps(
        {
            "raid": raid.pk,
            "actor": actor.pk if actor is not None else None,
            "source": source,
            "name": preview.source_name,
            "files": [f.file_name for f in files],
            "digests": list(digests),
            "at": occurred_at.isoformat() if occurred_at else None,
            "rows": [[a.name, a.eq_class, a.level] for a in seen.rows.values()],
        },
        salt=_SALT,
        compress=True,
    )
    return TickPreview(**{**preview.__dict__, "token": token})


def preview_dumps(*, raid: Raid, files: Sequence[tuple[str, bytes]], actor: User | None) -> TickPreview:
    """Read one or more raid dumps into one tick's attendance and say what it would hold. Saves nothing."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    now = timezone.now()
    settings = GuildSettings.load()
    problems: list[Problem] = []
    refusals: list[Problem] = []
    warnings: list[str] = []
    sources: list[SourceFile] = []
    seen = _Seen()
    if not files:
        refusals.append(Problem("upload", None, "Choose at least one raid dump file.", "no_file"))
    if len(files) > MAX_FILES:
        refusals.append(Problem("upload", None, f"At most {MAX_FILES} raid dumps make one tick.", "too_many_files"))
        files = files[:MAX_FILES]
    names_seen: set[str] = set()
    read: list[tuple[str, str]] = []  # (file name, digest) of files read without refusal
    for raw_name, data in files:
        name = base_name(raw_name)
        if name.lower() in names_seen:
            refusals.append(Problem(name, None, "The same file is in this upload twice.", "duplicate_dump"))
            continue
        names_seen.add(name.lower())
        if len(data) > MAX_FILE_BYTES:
            refusals.append(
                Problem(
                    name,
                    None,
                    f"The file is {len(data) // 1024} KiB; a raid dump is at most {MAX_FILE_BYTES // 1024} KiB.",
                    "file_too_large",
                )
            )
            continue
        try:
            dump = parse_raid_dump(data, file_name=name)
        except EqLogError as refused:
            refusals.append(Problem(name, None, refused.message, refused.code))
            continue
        digest = file_digest(name, data)
        written_at = local_to_utc(dump.file_name.written_at) if dump.file_name else None
        server = dump.file_name.server if dump.file_name else None
        if dump.file_name is None:
            warnings.append(
                f"{name}: the name is not a raid dump's (RaidRoster_server-YYYYMMDD-HHMMSS.txt), so it "
                "tells no time; give the tick's time yourself."
            )
        elif server and settings.server_name and server.lower() != settings.server_name.lower():
            warnings.append(f"{name}: written on {server}, but the guild plays on {settings.server_name}.")
        future = _future(name, written_at, now)
        if future is not None:
            refusals.append(future)
        sources.append(SourceFile(name, digest, written_at, server, len(dump.rows)))
        read.append((name, digest))
        for problem in dump.problems:
            if problem.code == ProblemCode.DUPLICATE_NAME:
                continue  # shown among the duplicates; the first line was taken
            problems.append(Problem(name, problem.line_number, problem.message, str(problem.code)))
        for problem in dump.problems:
            if problem.code == ProblemCode.DUPLICATE_NAME:
                listed = problem.message.split(" ", 1)[0]
                seen.places.setdefault(listed.lower(), []).append(f"{name}, line {problem.line_number}")
        for row in dump.rows:
            seen.add(Attendee(row.name, row.eq_class, row.level), f"{name}, line {row.line_number}")
    if read:
        refusals.extend(_taken([n for n, _ in read], [d for _, d in read]))
    times = [f.written_at for f in sources if f.written_at is not None]
    return _build(
        raid=raid,
        actor=actor,
        source=Source.DUMP,
        seen=seen,
        problems=problems,
        refusals=refusals,
        warnings=warnings,
        files=sources,
        occurred_at=min(times) if times else None,
        source_name=", ".join(n for n, _ in read),
        digests=[d for _, d in read],
    )


def preview_who(*, raid: Raid, text: str, actor: User | None) -> TickPreview:
    """Read a pasted ``/who`` excerpt into one tick's attendance. Anonymous players count only when known here."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    from dkp.eqlog.log_lines import parse_who

    where = "/who paste"
    problems: list[Problem] = []
    refusals: list[Problem] = []
    seen = _Seen()
    if len(text) > MAX_WHO_CHARS:
        refusals.append(Problem(where, None, f"Paste at most {MAX_WHO_CHARS // 1024} KiB of log.", "file_too_large"))
        text = ""
    if not text.strip() and not refusals:
        refusals.append(Problem(where, None, "Paste the /who lines from your log file.", "empty_file"))
    warnings: list[str] = []
    rows: tuple[Any, ...] = ()
    if text.strip():
        try:
            rows, who_problems = parse_who(text)
        except EqLogError as refused:
            refusals.append(Problem(where, None, refused.message, refused.code))
            who_problems = ()
        for problem in who_problems:
            if problem.code == ProblemCode.UNREADABLE_LINE:
                # A log excerpt has other lines around the /who list (raid say, loot); they are passed over.
                warnings.append(f"Line {problem.line_number} skipped: {problem.message}")
            elif problem.code != ProblemCode.DUPLICATE_NAME:
                problems.append(Problem(where, problem.line_number, problem.message, str(problem.code)))
    offline = [row for row in rows if getattr(row, "offline", False)]
    for row in offline:
        warnings.append(f"Line {row.line_number}: {row.name} is a trader in offline mode, not counted.")
    rows = tuple(row for row in rows if not getattr(row, "offline", False))
    known = _characters_named(row.name for row in rows)
    for row in rows:
        place = f"{where}, line {row.line_number}"
        character = known.get(row.name.lower())
        eq_class = row.eq_class or (character.eq_class if character else None)
        level = row.level or (character.level if character else None)
        if eq_class is None or level is None:
            problems.append(
                Problem(
                    where,
                    row.line_number,
                    f"{row.name} is anonymous and not known here, so their class and level are unknown; "
                    "take them from a raid dump or add the character first.",
                    "anonymous_unknown",
                )
            )
            continue
        seen.add(Attendee(character.name if character else row.name, eq_class, level), place)
    times = [row.at for row in rows if row.at is not None]
    occurred_at = local_to_utc(max(times)) if times else None
    future = _future(where, occurred_at, timezone.now())
    if future is not None:
        refusals.append(future)
    digests = [hashlib.sha256(b"who\0" + text.strip().encode()).hexdigest()] if seen.rows else []
    if digests:
        taken = RaidTick.objects.filter(source_digest=digests[0]).first()
        if taken is not None:
            refusals.append(
                Problem(where, None, f"This /who excerpt was already taken for tick {taken.pk}.", "duplicate_dump")
            )
    return _build(
        raid=raid,
        actor=actor,
        source=Source.WHO,
        seen=seen,
        problems=problems,
        refusals=refusals,
        warnings=warnings,
        files=[],
        occurred_at=occurred_at,
        source_name="/who" if seen.rows else "",
        digests=digests,
        known=known,
    )


def split_names(text: str) -> list[str]:
    """Names typed by hand: separated by commas, spaces or new lines."""
    return [name for name in text.replace(",", " ").split() if name]


def preview_by_hand(
    *, raid: Raid, names: Sequence[str], actor: User | None, occurred_at: dt.datetime | None = None
) -> TickPreview:
    """A tick's attendance named by an officer: existing characters only, with their own class and level."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    where = "names"
    problems: list[Problem] = []
    refusals: list[Problem] = []
    seen = _Seen()
    if len(names) > MAX_HAND_NAMES:
        refusals.append(Problem(where, None, f"Name at most {MAX_HAND_NAMES} characters.", "too_many_names"))
        names = names[:MAX_HAND_NAMES]
    known = _characters_named(names)
    for position, name in enumerate(names, start=1):
        character = known.get(name.lower())
        if character is None:
            message = (
                f"There is no character named {name!r}; characters come from raid and guild dumps."
                if is_character_name(name.capitalize())
                else f"{name!r} is not a character name (4 to 15 letters)."
            )
            problems.append(Problem(where, position, message, "unknown_character"))
            continue
        seen.add(Attendee(character.name, character.eq_class, character.level), f"{where}, #{position}")
    future = _future(where, occurred_at, timezone.now())
    if future is not None:
        refusals.append(future)
    return _build(
        raid=raid,
        actor=actor,
        source=Source.HAND,
        seen=seen,
        problems=problems,
        refusals=refusals,
        warnings=[],
        files=[],
        occurred_at=occurred_at,
        known=known,
    )


def _from_token(token: str, *, raid: Raid, actor: User | None) -> dict[str, Any]:
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
    return payload


@transaction.atomic
def confirm_tick(
    *,
    raid: Raid,
    actor: User | None,
    preview_token: str = "",
    files: Sequence[tuple[str, bytes]] | None = None,
    value: int | None = None,
    description: str = "",
    occurred_at: dt.datetime | None = None,
) -> RaidTick:
    """Save the tick a preview showed (its token, or the same files again) in one transaction, and credit it."""
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    # One confirm at a time: the check that a file is not yet taken and the write that takes it must not
    # interleave with another confirm of the same file (there is no unique index to catch it).
    GuildSettings.load()
    GuildSettings.objects.select_for_update().get(pk=1)
    if bool(preview_token) == (files is not None):
        raise InvalidInput("Confirm with either the preview's token or the files, not both.", code="invalid_input")
    if files is not None:
        preview = preview_dumps(raid=raid, files=files, actor=actor)
        if not preview.can_confirm:
            raise InvalidInput(preview.message(), code=_code_of(preview))
        payload = _from_token(preview.token, raid=raid, actor=actor)
    else:
        payload = _from_token(preview_token, raid=raid, actor=actor)
        if payload["digests"] and payload["source"] == Source.DUMP:
            taken = _taken(payload["files"], payload["digests"])
            if taken:
                raise Conflict("\n".join(str(p) for p in taken), code="duplicate_dump")
    at = occurred_at or (dt.datetime.fromisoformat(payload["at"]) if payload.get("at") else None)
    if at is None:
        raise InvalidInput("Give the tick's time: the input does not tell it.", code="time_required")
    if timezone.is_naive(at):
        at = local_to_utc(at)
    future = _future("tick", at, timezone.now())
    if future is not None:
        raise InvalidInput(future.message, code=future.code)
    digests = payload["digests"]
    tick = record_tick(
        raid=raid,
        occurred_at=at,
        attendees=[Attendee(name, eq_class, level) for name, eq_class, level in payload["rows"]],
        actor=actor,
        value=value,
        description=description.strip(),
        source_name=payload["name"],
        source_digest=combined_digest(digests) if digests else "",
    )
    refresh_attendance_after_commit()
    return tick


def _code_of(preview: TickPreview) -> str:
    for problem in (*preview.refusals, *preview.problems):
        return problem.code
    return "empty_tick"


def require_confirmable(preview: TickPreview) -> TickPreview:
    """The preview, or the refusal its problems add up to (for doors that save without showing it)."""
    if preview.can_confirm:
        return preview
    code = _code_of(preview)
    if code == "duplicate_dump":
        raise Conflict(preview.message(), code=code)
    raise InvalidInput(preview.message(), code=code)


# --- Guild dump ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CharacterChange:
    name: str
    what: str  # "level", "class", "tag"
    old: str
    new: str


@dataclass(frozen=True)
class GuildDumpResult:
    file_name: str
    guild_name: str
    taken_at: dt.datetime | None
    added: tuple[str, ...]
    changes: tuple[CharacterChange, ...]
    unchanged: int

    @property
    def marked_alt(self) -> list[str]:
        return [c.name for c in self.changes if c.what == "tag" and c.new == CharacterTag.ALT]


@transaction.atomic
def import_guild_dump(*, file_name: str, data: bytes, actor: User | None) -> GuildDumpResult:
    """Bring characters in line with a guild dump: levels, classes, alt flags, and the characters the system lacks.

    All or nothing: any line the parser could not take refuses the whole file, with every line named.
    """
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    from dkp.eqlog.guild_dump import parse_guild_dump

    name = base_name(file_name)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidInput(
            f"{name}: the file is {len(data) // 1024} KiB; a guild dump is at most {MAX_FILE_BYTES // 1024} KiB.",
            code="file_too_large",
        )
    try:
        dump = parse_guild_dump(data, name)
    except EqLogError as refused:
        raise InvalidInput(f"{name}: {refused.message}", code=refused.code) from None
    if dump.problems:
        raise InvalidInput(
            "\n".join(
                f"{name}, line {getattr(p, 'line_number', '?')}: {getattr(p, 'message', p)}" for p in dump.problems
            ),
            code="bad_lines",
        )
    settings = GuildSettings.load()
    if dump.guild_name and dump.guild_name.lower() != settings.guild_name.lower():
        raise InvalidInput(
            f"{name}: this is {dump.guild_name}'s guild dump, not {settings.guild_name}'s.", code="wrong_guild"
        )
    if not dump.rows:
        raise InvalidInput(f"{name}: the dump lists nobody.", code="empty_file")
    known: dict[str, Character] = {
        c.name.lower(): c
        for c in Character.objects.select_for_update()
        .annotate(lname=Lower("name"))
        .filter(lname__in={r.name.lower() for r in dump.rows})
    }
    added: list[str] = []
    changes: list[CharacterChange] = []
    unchanged = 0
    for row in dump.rows:
        if row.eq_class not in EqClass.values:
            raise InvalidInput(f"{name}, line {row.line_number}: {row.eq_class!r} is not an EverQuest class.")
        character = known.get(row.name.lower())
        if character is None:
            character = Character.objects.create(
                name=row.name,
                eq_class=row.eq_class,
                level=row.level,
                tag=CharacterTag.ALT if row.is_alt else CharacterTag.MAIN,
            )
            known[row.name.lower()] = character
            added.append(character.name)
            continue
        before = len(changes)
        if character.level != row.level:
            changes.append(CharacterChange(character.name, "level", str(character.level), str(row.level)))
            character.level = row.level
        if character.eq_class != row.eq_class:
            changes.append(CharacterChange(character.name, "class", character.eq_class, row.eq_class))
            character.eq_class = row.eq_class
        if row.is_alt and character.tag != CharacterTag.ALT:
            changes.append(CharacterChange(character.name, "tag", character.tag, CharacterTag.ALT))
            character.tag = CharacterTag.ALT
        elif not row.is_alt and character.tag == CharacterTag.ALT:
            changes.append(CharacterChange(character.name, "tag", character.tag, CharacterTag.MAIN))
            character.tag = CharacterTag.MAIN
        if len(changes) > before:
            character.save(update_fields=["level", "eq_class", "tag", "updated_at"])
        else:
            unchanged += 1
    return GuildDumpResult(
        file_name=name,
        guild_name=dump.guild_name or settings.guild_name,
        taken_at=local_to_utc(dump.taken_at) if dump.taken_at else None,
        added=tuple(added),
        changes=tuple(changes),
        unchanged=unchanged,
    )
