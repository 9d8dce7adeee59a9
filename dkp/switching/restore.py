"""A guild document (``document``) written back into an empty instance, ids and all.

Everything is read and checked before anything is written: a value of the wrong kind, a choice
that does not exist, a row pointing at a row the document lacks, each is named by its path
(``raids[3].ticks[0].value``) and nothing is restored. Rows keep their ids, so every link between
them survives; the database's id counters are moved past them afterwards. The people already here
(the officer restoring and the superusers, who may be there in an empty instance) stay: a member of
the document with their Discord id or username becomes them, and the rest of the document follows.
The summaries are rebuilt from the ledger and the attendance percentages after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from dkp.accounts.models import User
from dkp.core.audit import record_audit
from dkp.core.errors import InvalidInput
from dkp.core.models import AuditEntry, GuildSettings
from dkp.core.roles import Capability, require
from dkp.points.services import repair_summaries
from dkp.raids.tasks import refresh_attendance_after_commit
from dkp.switching.document import FORMAT, SETTINGS_KEYS, VERSION, Section, all_sections

# How many problems a refusal lists; the rest are counted.
SHOWN_PROBLEMS = 10


def restore_guild_document(data: Any, *, actor: User | None) -> dict[str, int]:
    """Write the document into this empty instance; returns how many rows each section brought.

    Refused with ``InvalidInput``, and nothing written: another format or a newer version, an
    instance that already has a guild (``not_empty``), or any malformed value (``invalid_document``,
    naming its path).
    """
    if actor is not None:
        require(actor, Capability.MANAGE_GUILD)
    check_format(data)
    try:
        with transaction.atomic():
            counts = _restore(data, actor)
    except IntegrityError as error:
        raise InvalidInput(
            f"The document breaks a rule of the database ({error}); nothing was restored.", code="invalid_document"
        ) from None
    return counts


def check_format(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        said = f" (its format is {found!r})" if isinstance(found, str) else ""
        raise InvalidInput(
            f'This is not an EQ DKP guild document{said}: its "format" must be {FORMAT!r}.', code="unknown_format"
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidInput(
            f"version: {version!r} is not a version number; an EQ DKP guild document says 1 or later.",
            code="invalid_document",
        )
    if version > VERSION:
        raise InvalidInput(
            f"This document is version {version}, written by a newer EQ DKP; this one reads version "
            f"{VERSION}. Update EQ DKP, then restore it.",
            code="newer_version",
        )


def _restore(data: Mapping[str, Any], actor: User | None) -> dict[str, int]:
    check_empty(actor)
    reader = _Reader(actor)
    reader.read(data)
    if reader.problems:
        shown = "; ".join(reader.problems[:SHOWN_PROBLEMS])
        more = len(reader.problems) - SHOWN_PROBLEMS
        raise InvalidInput(
            f"The document cannot be restored: {shown}{f'; and {more} more' if more > 0 else ''}. "
            "Nothing was restored.",
            code="invalid_document",
        )
    counts = reader.write()
    repair_summaries()
    record_audit(
        actor=actor,
        action="guild.restore",
        target=reader.settings.get("guild_name", "") or "the guild",
        changes={path: [0, count] for path, count in counts.items() if count},
    )
    refresh_attendance_after_commit()
    return counts


def check_empty(actor: User | None) -> None:
    """Refuse (``not_empty``) when the instance has any of a guild's rows, naming what it has."""
    found = []
    for _path, section in all_sections():
        if section.model in (User, AuditEntry):
            continue
        count = section.model._base_manager.count()
        if count:
            found.append(f"{count} {_plural(section.model, count)}")
    others = User.objects.exclude(is_superuser=True)
    if actor is not None:
        others = others.exclude(pk=actor.pk)
    if (people := others.count()) != 0:
        found.append(f"{people} member{'s' if people != 1 else ''} besides the superusers")
    if found:
        listed = ", ".join(found[:-1]) + (" and " if len(found) > 1 else "") + found[-1]
        raise InvalidInput(
            f"This instance is not empty: it has {listed}. A guild document is restored only into an empty "
            "instance; nothing was restored.",
            code="not_empty",
        )


def _plural(model: type[models.Model], count: int) -> str:
    return str(model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural)


@contextmanager
def _times_as_given(models_: list[type[models.Model]]) -> Iterator[None]:
    """Let rows keep the creation and change times the document gives (``auto_now`` would stamp now).

    The switch is on the model fields, so for the whole process while it lasts: a restore runs from
    the command, into an instance nobody is using yet.
    """
    stamped = [
        (f, f.auto_now, f.auto_now_add)
        for model in models_
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)
    ]
    for f, _, _ in stamped:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, now_add in stamped:
            f.auto_now, f.auto_now_add = now, now_add


class _Reader:
    """Reads the whole document into rows to write, collecting every problem by its path."""

    def __init__(self, actor: User | None) -> None:
        self.actor = actor
        self.problems: list[str] = []
        self.settings: dict[str, Any] = {}
        # Per section path: (where, values by attname) in document order.
        self.rows: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.ids: dict[type[models.Model], set[int]] = {}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    # Reading

    def read(self, data: Mapping[str, Any]) -> None:
        guild = data.get("guild", {})
        if not isinstance(guild, dict):
            self.problem("guild", "must be an object of the guild's settings")
        else:
            for key in SETTINGS_KEYS:
                field = next(f for f in GuildSettings._meta.concrete_fields if f.attname == key)
                if key in guild:
                    self.settings[key] = self.value(field, guild[key], f"guild.{key}")
        sections = dict(all_sections())
        for path in sections:
            self.rows[path] = []
        for path, section in sections.items():
            if "." in path:
                continue
            listed = data.get(section.key, [])
            if not isinstance(listed, list):
                self.problem(section.key, "must be a list")
                continue
            self.read_rows(section, path, section.key, listed, parent_id=None)
        self.check_references()

    def read_rows(self, section: Section, path: str, where: str, listed: list[Any], parent_id: int | None) -> None:
        ids = self.ids.setdefault(section.model, set())
        fields = section.fields()
        for index, row in enumerate(listed):
            at = f"{where}[{index}]"
            if not isinstance(row, dict):
                self.problem(at, "must be an object")
                continue
            values: dict[str, Any] = {}
            for f in fields:
                if f.attname in row:
                    values[f.attname] = self.value(f, row[f.attname], f"{at}.{f.attname}")
                elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    values[f.attname] = timezone.now()  # a stamp a later version added: now, as a save would
                elif f.primary_key or not (f.has_default() or f.null or f.blank):
                    self.problem(f"{at}.{f.attname}", "is missing")
            if section.parent:
                values[section.parent] = parent_id
            row_id = values.get("id")
            if isinstance(row_id, int):
                if row_id in ids and section.keeps_ids:
                    self.problem(f"{at}.id", f"{row_id} is the id of an earlier row of {section.key}")
                ids.add(row_id)
            self.rows[path].append((at, values))
            for child in section.children:
                inner = row.get(child.key, [])
                if not isinstance(inner, list):
                    self.problem(f"{at}.{child.key}", "must be a list")
                    continue
                self.read_rows(child, f"{path}.{child.key}", f"{at}.{child.key}", inner, row_id)

    def value(self, f: models.Field[Any, Any], value: Any, where: str) -> Any:
        """The value as the field holds it, or None after noting the problem."""
        if value is None:
            if f.null:
                return None
            self.problem(where, "must not be null")
            return None
        try:
            held = _convert(f, value)
            if f.choices and not f.is_relation:
                allowed = [str(choice) for choice, _ in f.flatchoices]
                if held not in allowed and not (f.blank and held == ""):
                    raise ValidationError(f"{value!r} is not one of {', '.join(allowed)}")
            if not f.is_relation:
                f.run_validators(held)
        except ValidationError as refused:
            self.problem(where, " ".join(str(m).rstrip(".") for m in refused.messages))
            return None
        return held

    def check_references(self) -> None:
        for path, section in all_sections():
            relations = [f for f in section.fields() if f.is_relation and f.attname != section.parent]
            for where, values in self.rows[path]:
                for f in relations:
                    target = values.get(f.attname)
                    related = f.related_model
                    assert isinstance(related, type)
                    if target is not None and target not in self.ids.get(related, set()):
                        self.problem(
                            f"{where}.{f.attname}",
                            f"there is no {related._meta.verbose_name} {target} in the document",
                        )

    # Writing

    def write(self) -> dict[str, int]:
        users = self.user_ids()
        counts: dict[str, int] = {}
        written: list[type[models.Model]] = []
        sections = all_sections()
        with _times_as_given([section.model for _, section in sections]):
            for path, section in sections:
                rows = []
                for _, values in self.rows[path]:
                    values = dict(values)
                    for f in section.model._meta.concrete_fields:
                        if f.is_relation and f.related_model is User and values.get(f.attname) is not None:
                            values[f.attname] = users[values[f.attname]]
                    if section.model is User:
                        values["id"] = users[values["id"]]
                    if not section.keeps_ids:
                        values.pop("id", None)
                    rows.append(values)
                if section.model is User:
                    self.write_members(rows)
                else:
                    section.model._base_manager.bulk_create(
                        [section.model(**values) for values in rows], batch_size=1000
                    )
                counts[path] = len(rows)
                written.append(section.model)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), written):
                cursor.execute(statement)
        settings = GuildSettings.load()
        for key, value in self.settings.items():
            setattr(settings, key, value)
        settings.save()
        return counts

    def user_ids(self) -> dict[int, int]:
        """Each member's id here: a person already here by Discord id or username, else the document's id
        (or a new one when a person already here has it)."""
        here = list(User.objects.filter(Q(is_superuser=True) | Q(pk=getattr(self.actor, "pk", None))))
        by_discord = {user.discord_id: user.pk for user in here if user.discord_id}
        by_name = {user.username.lower(): user.pk for user in here}
        taken = {user.pk for user in here}
        members = [values for _, values in self.rows["members"]]
        free = max([*taken, *(values["id"] for values in members), 0]) + 1
        users: dict[int, int] = {}
        for values in members:
            same = by_discord.get(values.get("discord_id") or "") or by_name.get(str(values["username"]).lower())
            if same is not None:
                users[values["id"]] = same
            elif values["id"] in taken:
                users[values["id"]], free = free, free + 1
            else:
                users[values["id"]] = values["id"]
        return users

    def write_members(self, rows: list[dict[str, Any]]) -> None:
        here = {user.pk: user for user in User.objects.filter(pk__in=[values["id"] for values in rows])}
        new = []
        for values in rows:
            user = here.get(values["id"])
            if user is None:
                user = User(**values)
                user.set_unusable_password()
                new.append(user)
                continue
            for key, value in values.items():
                setattr(user, key, value)
            user.save()
        User.objects.bulk_create(new, batch_size=1000)


def _convert(f: models.Field[Any, Any], value: Any) -> Any:
    """The JSON value as the field's Python value; ``ValidationError`` saying what was expected."""
    if isinstance(f, models.JSONField):
        return value
    if f.is_relation or isinstance(f, models.AutoField | models.BigAutoField | models.IntegerField):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(f"{value!r} is not a whole number")
        if (f.is_relation or f.primary_key) and value < 1:
            raise ValidationError(f"{value} is not an id (ids are 1 or more)")
        return value
    if isinstance(f, models.BooleanField):
        if not isinstance(value, bool):
            raise ValidationError(f"{value!r} is not true or false")
        return value
    if isinstance(f, models.DateTimeField):
        if not isinstance(value, str):
            raise ValidationError(f"{value!r} is not a date and time such as 2026-03-01T02:30:00Z")
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"{value!r} is not a date and time such as 2026-03-01T02:30:00Z") from None
        if moment.tzinfo is None:
            raise ValidationError(f"{value!r} has no time zone; write it in UTC, ending in Z")
        return moment.astimezone(dt.UTC)
    if isinstance(f, models.DateField):
        if not isinstance(value, str):
            raise ValidationError(f"{value!r} is not a date such as 2026-03-01")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(f"{value!r} is not a date such as 2026-03-01") from None
    if isinstance(f, models.DecimalField):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(f'{value!r} is not a number written as text, such as "93.33"')
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f'{value!r} is not a number such as "93.33"') from None
        if not number.is_finite():
            raise ValidationError(f'{value!r} is not a number such as "93.33"')
        return number
    if isinstance(f, models.CharField | models.TextField):
        if not isinstance(value, str):
            raise ValidationError(f"{value!r} is not text")
        return value
    raise ValidationError(f"{f.name} cannot be read from a document")  # a field kind this module does not know
