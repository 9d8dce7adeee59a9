"""Bringing characters in line with a guild dump: levels, classes, alt flags, and the characters the system lacks.

The guild dump is the game's list of every member (``/outputfile guild``); the file is read by
``dkp.eqlog.guild_dump`` and refused whole when any line cannot be read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models.functions import Lower

from dkp.characters.models import Character, CharacterTag, EqClass
from dkp.core.errors import InvalidInput
from dkp.core.models import GuildSettings
from dkp.core.roles import Capability, require
from dkp.core.time import local_to_utc
from dkp.eqlog.errors import EqLogError
from dkp.eqlog.guild_dump import GuildDump, GuildDumpRow, parse_guild_dump
from dkp.raids.ingest import MAX_FILE_BYTES, FileData, TooLarge, base_name, too_large_message

if TYPE_CHECKING:
    from dkp.accounts.models import User


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


def _read(name: str, data: FileData) -> GuildDump:
    """The guild dump read whole, or the refusal naming every line it could not take."""
    if isinstance(data, TooLarge) or len(data) > MAX_FILE_BYTES:
        raise InvalidInput(f"{name}: {too_large_message('a guild dump', data)}", code="file_too_large")
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
    return dump


def _changes(character: Character, row: GuildDumpRow) -> list[CharacterChange]:
    """What the dump's row changes of a known character (level, class, alt flag), applied to it unsaved."""
    changes = []
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
    return changes


@transaction.atomic
def import_guild_dump(*, file_name: str, data: FileData, actor: User | None) -> GuildDumpResult:
    """Bring characters in line with a guild dump: levels, classes, alt flags, and the characters the system lacks.

    All or nothing: any line the parser could not take refuses the whole file, with every line named.
    """
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    name = base_name(file_name)
    dump = _read(name, data)
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
        changed = _changes(character, row)
        if changed:
            changes.extend(changed)
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
