"""The whole guild as one JSON document: EQ DKP's own format, a faithful copy read back by ``restore``.

The document is table by table, rows referring to each other by the ids they have here; a row that
belongs to another (a raid's ticks, a tick's attendance, an application's votes) sits inside it and
leaves its parent's id out. ``SECTIONS`` says every key; docs/export.md says the same for people
who write tools. What is not in it (sessions, API keys, login tokens, the Discord outbox, the sums
the ledger gives) is listed there too.

Versioning: a change that only adds keys keeps ``VERSION``; a reader ignores keys it does not know
and gives a missing key its field's default. Anything else (a key renamed, removed or meaning
something new) makes a new version.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection, models, transaction
from django.utils import timezone

from dkp.accounts.models import User
from dkp.characters.models import Character, CharacterClaimRequest, CharacterOwnership
from dkp.core.models import AuditEntry, GuildSettings
from dkp.loot.models import Auction, BidHistory, Item, ItemBid, LootDistribution
from dkp.points.models import DkpPool, PointAdjustment, PointEntry
from dkp.points.pools import POOL_FIELDS
from dkp.raids.models import Event, MissedTickRequest, Raid, RaidAttendance, RaidTick
from dkp.recruitment.models import (
    ApplicationComment,
    ApplicationQuestion,
    ApplicationStageChange,
    ApplicationVote,
    GuildApplication,
)
from dkp.switching.models import ImportedCharacter, ImportRun, PendingEntry, SourceRecord

FORMAT = "eq-dkp-guild"
VERSION = 1

_STAMPS = ("created_at", "updated_at")
_DECIDED = ("status", "decided_by_id", "decided_at", "decision_reason", *_STAMPS)


@dataclass(frozen=True)
class Section:
    """One list of the document: a model's rows, with the keys each row has (attnames: ``pool_id``).

    ``children`` are lists inside each row, joined to it by the child's ``parent`` field. A section
    with ``keeps_ids`` False (the audit log) is written again under new ids, as nothing points at it.
    """

    key: str
    model: type[models.Model]
    keys: tuple[str, ...]
    parent: str = ""
    children: tuple[Section, ...] = ()
    keeps_ids: bool = True

    def fields(self) -> list[models.Field[Any, Any]]:
        by_attname = {f.attname: f for f in self.model._meta.concrete_fields}
        return [by_attname[key] for key in self.keys]

    def walk(self, prefix: str = "") -> Iterable[tuple[str, Section]]:
        """This section and every section inside it, each with its path (``raids.ticks``)."""
        path = f"{prefix}{self.key}"
        yield path, self
        for child in self.children:
            yield from child.walk(f"{path}.")


SECTIONS: tuple[Section, ...] = (
    Section(
        "pools",
        DkpPool,
        ("id", *POOL_FIELDS, "last_decayed_at", *_STAMPS),
    ),
    Section("events", Event, ("id", "pool_id", "name", "default_tick_value", "is_active", *_STAMPS)),
    Section(
        "members",
        User,
        (
            "id",
            "username",
            "discord_id",
            "discord_username",
            "display_name",
            "avatar",
            "role_group",
            "member_since",
            "main_character_id",
            "is_active",
            "date_joined",
            "discord_synced_at",
            "role_group_changed_at",
            "discord_pushed_at",
        ),
    ),
    Section(
        "characters",
        Character,
        ("id", "name", "eq_class", "level", "race", "owner_id", "tag", "is_active", "notes", *_STAMPS),
        children=(
            Section(
                "ownerships",
                CharacterOwnership,
                ("id", "user_id", "started_at", "ended_at", "changed_by_id", "reason"),
                parent="character_id",
            ),
            Section(
                "claims",
                CharacterClaimRequest,
                ("id", "requester_id", "note", *_DECIDED),
                parent="character_id",
            ),
        ),
    ),
    Section(
        "raids",
        Raid,
        ("id", "event_id", "starts_at", "note", "created_by_id", *_STAMPS),
        children=(
            Section(
                "ticks",
                RaidTick,
                (
                    "id",
                    "occurred_at",
                    "value",
                    "description",
                    "source_name",
                    "source_digest",
                    "created_by_id",
                    *_STAMPS,
                ),
                parent="raid_id",
                children=(
                    Section(
                        "attendance",
                        RaidAttendance,
                        ("id", "character_id", "user_id", "character_name", "character_class", "character_level"),
                        parent="tick_id",
                    ),
                    Section(
                        "missed_requests",
                        MissedTickRequest,
                        ("id", "user_id", "character_id", "evidence", *_DECIDED),
                        parent="tick_id",
                    ),
                ),
            ),
        ),
    ),
    Section("items", Item, ("id", "name", "eq_item_id", *_STAMPS)),
    Section(
        "auctions",
        Auction,
        (
            "id",
            "item_id",
            "pool_id",
            "raid_id",
            "quantity",
            "status",
            "opened_by_id",
            "opened_at",
            "closes_at",
            "closed_at",
            "rules",
            "tie_break_seed",
            "outcome",
            "note",
            "discord_channel_id",
            "discord_message_id",
            "discord_post_digest",
            *_STAMPS,
        ),
        children=(
            Section(
                "bids",
                ItemBid,
                ("id", "user_id", "character_name", "amount", "tag", "status", "amount_set_at", "channel", *_STAMPS),
                parent="auction_id",
            ),
            Section(
                "bid_history",
                BidHistory,
                (
                    "id",
                    "bid_id",
                    "user_id",
                    "action",
                    "amount",
                    "reason",
                    "channel",
                    "said_at",
                    "relayed_by_id",
                    "created_at",
                ),
                parent="auction_id",
            ),
        ),
    ),
    Section(
        "loot",
        LootDistribution,
        (
            "id",
            "auction_id",
            "raid_id",
            "pool_id",
            "item_id",
            "user_id",
            "character_name",
            "price",
            "awarded_by_id",
            "awarded_at",
            "is_reversed",
        ),
    ),
    Section(
        "adjustments",
        PointAdjustment,
        ("id", "user_id", "pool_id", "amount", "reason", "created_by_id", *_STAMPS),
    ),
    Section(
        "ledger",
        PointEntry,
        (
            "id",
            "user_id",
            "pool_id",
            "amount",
            "kind",
            "character_name",
            "tick_id",
            "loot_id",
            "adjustment_id",
            "reverses_id",
            "memo",
            "occurred_at",
            "created_at",
            "created_by_id",
        ),
    ),
    Section("questions", ApplicationQuestion, ("id", "text", "required", "position", "is_active")),
    Section(
        "applications",
        GuildApplication,
        (
            "id",
            "applicant_id",
            "character_name",
            "character_class",
            "character_level",
            "answers",
            "status",
            "voting_closes_at",
            "trial_ends_at",
            "decided_by_id",
            "decided_at",
            *_STAMPS,
        ),
        children=(
            Section(
                "stage_changes",
                ApplicationStageChange,
                ("id", "from_status", "to_status", "changed_by_id", "reason", "created_at"),
                parent="application_id",
            ),
            Section(
                "votes",
                ApplicationVote,
                ("id", "voter_id", "choice", "attendance_30", *_STAMPS),
                parent="application_id",
            ),
            Section(
                "comments",
                ApplicationComment,
                ("id", "author_id", "body", "visibility", "edited_at", *_STAMPS),
                parent="application_id",
            ),
        ),
    ),
    Section(
        "imports",
        ImportRun,
        (
            "id",
            "system",
            "source_id",
            "label",
            "counts",
            "known",
            "skipped",
            "differences",
            "differences_accepted",
            "created_by_id",
            "created_at",
        ),
        children=(
            Section(
                "records",
                SourceRecord,
                ("id", "source_id", "kind", "key", "object_id", "amount"),
                parent="run_id",
            ),
            Section(
                "characters",
                ImportedCharacter,
                ("id", "character_id", "main_id", "rank"),
                parent="run_id",
            ),
            Section(
                "pending",
                PendingEntry,
                (
                    "id",
                    "character_id",
                    "pool_id",
                    "kind",
                    "amount",
                    "character_name",
                    "item_name",
                    "eq_item_id",
                    "raid_id",
                    "occurred_at",
                    "memo",
                    "source_key",
                    "applied_at",
                    "applied_to_id",
                ),
                parent="run_id",
            ),
        ),
    ),
    Section("audit_log", AuditEntry, ("id", "actor_id", "action", "target", "changes", "created_at"), keeps_ids=False),
)

# Columns a section leaves out on purpose; any other column of its model is in the document
# (a test holds it so: a field added to a model is exported, or named here with the reason).
LEFT_OUT: dict[type[models.Model], frozenset[str]] = {
    User: frozenset({"password", "last_login", "is_superuser"}),  # a secret, a session's trace, the server's own
}

# EQ DKP's tables that are not sections, and why (docs/export.md, "What is left out"); a test holds
# every other table of dkp to a section, so a new table is exported or named here.
NOT_SECTIONS: dict[str, str] = {
    "core.GuildSettings": "the document's guild object",
    "accounts.ApiKey": "secrets; members make new keys",
    "points.UserPointsSummary": "the ledger's sums, rebuilt on restore",
    "raids.MemberAttendanceSummary": "worked out from attendance, refreshed on restore",
    "discord_sync.DiscordSyncLog": "the server's log of talking to Discord",
    "discord_sync.DiscordOutbox": "messages to Discord; restored, old news would be posted again",
    "core.IdempotentRequest": "answers kept a day for tools that repeat a request",
}

# The guild's settings: one object, every setting (the row's id is always 1 and is left out).
SETTINGS_KEYS: tuple[str, ...] = tuple(f.attname for f in GuildSettings._meta.concrete_fields if not f.primary_key)


def all_sections() -> list[tuple[str, Section]]:
    """Every section with its path, parents before their children."""
    return [pair for section in SECTIONS for pair in section.walk()]


def utc_text(value: dt.datetime) -> str:
    """A date-time as ISO 8601 in UTC, ``Z`` for the zone: ``2026-03-01T02:30:00Z``."""
    text = value.astimezone(dt.UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(section: Section, values: tuple[Any, ...]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in zip(section.keys, values, strict=False)}


def _section_rows(section: Section) -> list[dict[str, Any]]:
    """A top section's rows in id order, each with the lists inside it."""
    rows = [_row(section, values) for values in section.model._base_manager.order_by("pk").values_list(*section.keys)]
    _fill(section, rows)
    return rows


def _fill(section: Section, rows: list[dict[str, Any]]) -> None:
    for child in section.children:
        by_parent: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for values in child.model._base_manager.order_by("pk").values_list(*child.keys, child.parent):
            by_parent[values[-1]].append(_row(child, values))
        every_child: list[dict[str, Any]] = []
        for row in rows:
            row[child.key] = by_parent.get(row["id"], [])
            every_child.extend(row[child.key])
        _fill(child, every_child)


@contextmanager
def _one_moment() -> Iterator[None]:
    """Every section read as the database was at one moment, so no row points at a row added later.

    Inside a caller's transaction (a test's) that transaction decides what is seen.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite's transaction reads one moment already
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def export_guild_document(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The whole guild as the document's plain data (strings, numbers, lists and objects)."""
    with _one_moment():
        settings = GuildSettings.objects.filter(pk=1).first() or GuildSettings()  # never written here
        document: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": utc_text(now or timezone.now()),
            "guild": {key: _plain(getattr(settings, key)) for key in SETTINGS_KEYS},
        }
        for section in SECTIONS:
            document[section.key] = _section_rows(section)
    return document


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


def write_guild_document(stream: Writable, *, now: dt.datetime | None = None) -> None:
    """Write the document as JSON text: a line for each row of a section, every write a whole line."""
    document = export_guild_document(now=now)
    stream.write("{\n")
    keys = list(document)
    for number, key in enumerate(keys):
        comma = "," if number < len(keys) - 1 else ""
        value = document[key]
        if isinstance(value, list) and value:
            stream.write(f"{json.dumps(key)}: [\n")
            for index, row in enumerate(value):
                stream.write(json.dumps(row, ensure_ascii=False) + (",\n" if index < len(value) - 1 else "\n"))
            stream.write(f"]{comma}\n")
        else:
            stream.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}\n")
    stream.write("}\n")


def document_counts(document: dict[str, Any]) -> dict[str, int]:
    """How many rows each section of a document holds (``raids.ticks``: every raid's ticks), unchecked."""
    counts: dict[str, int] = {}

    def count(section: Section, path: str, rows: Any) -> None:
        rows = rows if isinstance(rows, list) else []
        counts[path] = counts.get(path, 0) + len(rows)
        for child in section.children:
            inner = [row.get(child.key) for row in rows if isinstance(row, dict)]
            flat = [item for group in inner if isinstance(group, list) for item in group]
            count(child, f"{path}.{child.key}", flat)

    for section in SECTIONS:
        count(section, section.key, document.get(section.key))
    return counts
