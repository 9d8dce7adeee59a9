"""Officers changing the guild's settings (``GuildSettings``): every rule of a setting, and its audit row.

The officer settings page calls ``update_guild_settings``; so does the admin. One transaction; a
refused value changes nothing and says which setting is wrong and why.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.db import transaction

from dkp.core.audit import field_changes, record_audit
from dkp.core.errors import InvalidInput
from dkp.core.models import GuildSettings
from dkp.core.numbers import WholeNumber
from dkp.core.roles import Capability, require

if TYPE_CHECKING:
    from dkp.accounts.models import User

# The settings officers may change, in the order the settings page shows them.
SETTINGS_FIELDS = (
    "guild_name",
    "server_name",
    "time_zone",
    "standings_public",
    "vote_threshold_percent",
    "uses_trials",
    "item_link_template",
    "discord_announce_channel_id",
    "discord_auction_channel_id",
    "auction_minutes",
    "separation_of_duties",
)

VOTE_THRESHOLD = WholeNumber("The vote threshold", 0, 100, code="invalid_setting")
# The same range as an auction's own minutes (``dkp.loot.services.MINUTES``, a layer above; a test
# holds the two equal), since every auction opened without a length takes this one.
AUCTION_MINUTES = WholeNumber("The auction length in minutes", 1, 24 * 60, code="invalid_setting")
SETTINGS_NUMBERS = {"vote_threshold_percent": VOTE_THRESHOLD, "auction_minutes": AUCTION_MINUTES}
SETTINGS_FLAGS = ("standings_public", "uses_trials")

_SNOWFLAKE = re.compile(r"[0-9]{17,20}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
ITEM_LINK_PLACEHOLDERS = frozenset({"id", "name"})


def check_time_zone(value: str) -> str:
    if value not in zoneinfo.available_timezones():
        raise InvalidInput(
            f"{value!r} is not a time zone name; use one such as America/New_York or Europe/London.",
            code="invalid_time_zone",
        )
    return value


def check_item_link_template(value: str) -> str:
    """A web address with ``{id}`` (the EverQuest item id) or ``{name}`` (the item name) in it."""
    if not value.startswith(("https://", "http://")):
        raise InvalidInput("The item link must be a web address starting with https://.", code="invalid_item_link")
    names = set(_PLACEHOLDER.findall(value))
    unknown = sorted(names - ITEM_LINK_PLACEHOLDERS)
    if unknown:
        raise InvalidInput(
            f"The item link may only use {{id}} and {{name}}, not {', '.join('{' + n + '}' for n in unknown)}.",
            code="invalid_item_link",
        )
    if not names:
        raise InvalidInput(
            "The item link needs {id} (the EverQuest item id) or {name} (the item name) where the item goes.",
            code="invalid_item_link",
        )
    if len(value) > 300:
        raise InvalidInput("The item link must be at most 300 characters.", code="invalid_item_link")
    return value


def check_channel_id(value: str, *, label: str) -> str:
    """Empty, or a Discord channel id: 17 to 20 digits (Copy Channel ID in Discord's Developer Mode)."""
    if value and not _SNOWFLAKE.fullmatch(value):
        raise InvalidInput(
            f"{label} must be a Discord channel id (17 to 20 digits, from Copy Channel ID), or empty.",
            code="invalid_channel_id",
        )
    return value


def _text(changes: dict[str, Any], field: str, *, label: str, longest: int, required: bool = True) -> None:
    value = str(changes[field]).strip()
    if required and not value:
        raise InvalidInput(f"{label} cannot be empty.", code="invalid_setting")
    if len(value) > longest:
        raise InvalidInput(f"{label} must be at most {longest} characters.", code="invalid_setting")
    changes[field] = value


def _check(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(f"The guild has no setting {', '.join(sorted(unknown))}.", code="invalid_field")
    if "guild_name" in changes:
        _text(changes, "guild_name", label="The guild name", longest=100)
    if "server_name" in changes:
        _text(changes, "server_name", label="The server name", longest=50)
        changes["server_name"] = changes["server_name"].lower()  # as it is in dump file names
    if "time_zone" in changes:
        changes["time_zone"] = check_time_zone(str(changes["time_zone"]).strip())
    if "item_link_template" in changes:
        changes["item_link_template"] = check_item_link_template(str(changes["item_link_template"]).strip())
    for field, label in (
        ("discord_announce_channel_id", "The announcement channel"),
        ("discord_auction_channel_id", "The auction channel"),
    ):
        if field in changes:
            changes[field] = check_channel_id(str(changes[field]).strip(), label=label)
    for field in SETTINGS_FLAGS:
        if field in changes and not isinstance(changes[field], bool):
            raise InvalidInput(f"{field} is true or false.", code="invalid_setting")
    for field, rule in SETTINGS_NUMBERS.items():
        if field in changes:
            changes[field] = rule.parse(changes[field])
    if "separation_of_duties" in changes:
        choice = str(changes["separation_of_duties"]).strip().lower()
        if choice not in GuildSettings.Separation.values:
            raise InvalidInput(
                f"Separation of duties is auto, on or off, not {changes['separation_of_duties']!r}.",
                code="invalid_setting",
            )
        changes["separation_of_duties"] = choice


@transaction.atomic
def update_guild_settings(*, actor: User, **changes: Any) -> GuildSettings:
    """Change some of the guild's settings; the audit log keeps each changed value before and after."""
    require(actor, Capability.MANAGE_GUILD)
    _check(changes)
    GuildSettings.load()  # the row exists
    current = GuildSettings.objects.select_for_update().get(pk=1)
    before = {field: getattr(current, field) for field in changes}
    changed = field_changes(before, changes)
    for field in changed:
        setattr(current, field, changes[field])
    if changed:
        current.save(update_fields=list(changed))
        record_audit(actor=actor, action="settings.update", target="Guild settings", changes=changed)
    return current
