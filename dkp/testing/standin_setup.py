"""The stand-in Discord as the bot sees it: ids and settings shared by the role push, outbox and recruitment tests."""

from __future__ import annotations

from django.test import override_settings

from dkp.accounts.models import User
from dkp.discord.standin import DiscordStandin

CLIENT_ID = "424242"
CLIENT_SECRET = "standin-secret"
GUILD_ID = "900"
BOT_TOKEN = "standin-bot-token-for-tests"
ANNOUNCE_CHANNEL = "7001"
OFFICER, RECRUITER, DEVELOPER, MEMBER, APPLICANT = "111", "222", "333", "444", "555"
UNMANAGED = "999"  # e.g. a "Raid Leader" or "Bard Choir" role the guild manages by hand
ROLE_IDS = f"officer:{OFFICER},recruiter:{RECRUITER},developer:{DEVELOPER},member:{MEMBER},applicant:{APPLICANT}"


def start_standin() -> DiscordStandin:
    return DiscordStandin(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, guild_id=GUILD_ID, bot_token=BOT_TOKEN)


def discord_settings(standin: DiscordStandin, **overrides: object) -> override_settings:
    """The DISCORD_* settings of a guild whose Discord is the stand-in; ``overrides`` replace any of them."""
    values: dict[str, object] = {
        "DISCORD_API_BASE_URL": standin.api_base_url,
        "DISCORD_OAUTH_BASE_URL": standin.oauth_base_url,
        "DISCORD_BOT_TOKEN": BOT_TOKEN,
        "DISCORD_GUILD_ID": GUILD_ID,
        "DISCORD_ROLE_IDS": ROLE_IDS,
        "SOCIALACCOUNT_REQUESTS_TIMEOUT": 2,
    }
    values.update(overrides)
    return override_settings(**values)


def roles_in_discord(standin: DiscordStandin, user: User) -> list[str]:
    """The role ids the user's Discord account holds in the stand-in's server now."""
    assert user.discord_id, f"{user} has no Discord account"
    return standin.member_roles(user.discord_id)
