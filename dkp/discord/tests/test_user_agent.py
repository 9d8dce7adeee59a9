"""The User-Agent Discord requires, and the two kinds of 403: Discord's edge, and Missing Permissions."""

from __future__ import annotations

import base64
import hashlib
import logging
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.conf import settings
from django.test import override_settings

from dkp.accounts.role_sync import push_role_group
from dkp.core.models import GuildSettings
from dkp.core.roles import RoleGroup
from dkp.discord.client import DiscordClient, DiscordEdgeBlocked, DiscordMissingPermissions
from dkp.discord.models import DiscordOutbox, DiscordSyncLog
from dkp.discord.standin import USER_AGENT_CHECKED, DiscordStandin
from dkp.discord.tasks import deliver, deliver_unsent_outbox
from dkp.testing.personas import make_user
from dkp.testing.standin_setup import (
    ANNOUNCE_CHANNEL,
    BOT_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    GUILD_ID,
    MEMBER,
    OFFICER,
)

GENERIC_AGENT = f"python-httpx/{httpx.__version__}"


def sign_in_token(discord: DiscordStandin, user_id: str) -> str:
    """A person's OAuth2 access token from the stand-in, the way sign-in gets one (code, then PKCE)."""
    discord.signed_in_as = discord.users[user_id]
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = "http://dkp.test/accounts/discord/login/callback/"
    answer = httpx.get(
        f"{discord.oauth_base_url}/oauth2/authorize",
        params={
            "client_id": CLIENT_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "identify guilds.members.read",
            "state": "s",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    token = httpx.post(
        f"{discord.api_base_url}/oauth2/token",
        auth=(CLIENT_ID, CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
    )
    return str(token.json()["access_token"])


def test_the_user_agent_names_the_site_and_the_version_in_pyproject() -> None:
    pyproject = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())

    expected = f"DiscordBot ({settings.DISCORD_BOT_URL}, {pyproject['project']['version']})"
    configured = settings.DISCORD_USER_AGENT
    assert configured == expected
    assert DiscordClient.from_settings().user_agent == configured


def test_the_standin_refuses_a_request_without_a_discordbot_user_agent_as_discords_edge_does(
    discord: DiscordStandin,
) -> None:
    answer = httpx.post(
        f"{discord.api_base_url}/channels/{ANNOUNCE_CHANNEL}/messages",
        headers={"Authorization": f"Bot {BOT_TOKEN}", "User-Agent": GENERIC_AGENT},
        json={"content": "Raid tonight", "allowed_mentions": {"parse": []}},
    )

    assert answer.status_code == 403
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "cloudflare" in answer.text
    assert discord.messages == []
    assert discord.edge_refusals == [("POST", f"/api/v10/channels/{ANNOUNCE_CHANNEL}/messages", GENERIC_AGENT)]


@pytest.mark.parametrize("agent", ["", "DiscordBot", "DiscordBot (http://dkp.test)", "Mozilla/5.0 DiscordBot (x, 1)"])
def test_the_standin_refuses_a_user_agent_that_is_not_discordbot_url_version(discord: DiscordStandin, agent) -> None:
    answer = httpx.get(
        f"{discord.api_base_url}/guilds/{GUILD_ID}/members?limit=1",
        headers={"Authorization": f"Bot {BOT_TOKEN}", "User-Agent": agent},
    )

    assert answer.status_code == 403
    assert len(discord.edge_refusals) == 1


def test_the_client_sends_the_discordbot_user_agent_on_every_endpoint_it_uses(discord: DiscordStandin) -> None:
    olwen = discord.add_user(id="100", username="olwen", roles=[MEMBER])
    token = sign_in_token(discord, olwen.id)
    discord.user_agents.clear()  # the token exchange is django-allauth's call, not the client's
    client = DiscordClient.from_settings()

    assert client.current_user(access_token=token)["username"] == "olwen"
    assert client.guild_member(access_token=token, guild_id=GUILD_ID)["roles"] == [MEMBER]
    assert client.member(guild_id=GUILD_ID, user_id="100")["roles"] == [MEMBER]
    assert [member["user"]["id"] for member in client.list_members(guild_id=GUILD_ID)] == ["100"]
    client.add_member_role(guild_id=GUILD_ID, user_id="100", role_id=OFFICER, reason="promoted")
    client.remove_member_role(guild_id=GUILD_ID, user_id="100", role_id=MEMBER, reason="promoted")
    client.post_message(channel_id=ANNOUNCE_CHANNEL, content="Olwen is an officer now")

    assert {endpoint for endpoint, _ in discord.user_agents} == USER_AGENT_CHECKED
    assert {agent for _, agent in discord.user_agents} == {settings.DISCORD_USER_AGENT}
    assert discord.edge_refusals == []
    assert discord.member_roles("100") == [OFFICER]


def test_an_edge_403_and_a_missing_permissions_403_are_told_apart_in_the_error_and_the_log(
    discord: DiscordStandin, caplog: pytest.LogCaptureFixture
) -> None:
    discord.add_user(id="100", username="olwen", roles=[MEMBER])
    discord.roles_above_bot = {OFFICER}
    caplog.set_level(logging.WARNING, logger="dkp.discord.client")

    with pytest.raises(DiscordEdgeBlocked) as edge:
        DiscordClient.from_settings(user_agent=GENERIC_AGENT).post_message(channel_id=ANNOUNCE_CHANNEL, content="Hi")
    with pytest.raises(DiscordMissingPermissions) as missing:
        DiscordClient.from_settings().add_member_role(guild_id=GUILD_ID, user_id="100", role_id=OFFICER)

    assert (edge.value.status, edge.value.code) == (403, None)
    assert "No permission in the Discord server changes this" in edge.value.message
    assert (missing.value.status, missing.value.code) == (403, 50013)
    assert "Manage Roles" in missing.value.message
    edge_line, missing_line = (record.getMessage() for record in caplog.records)
    assert edge_line.startswith("Discord's edge refused POST /channels/7001/messages with HTTP 403 and no Discord")
    assert GENERIC_AGENT in edge_line
    assert missing_line.startswith(f"Discord refused PUT /guilds/{GUILD_ID}/members/100/roles/{OFFICER}: Missing")


# -- the outbox ---------------------------------------------------------------------------------


@pytest.fixture
def announce_channel(discord: DiscordStandin) -> str:
    GuildSettings.objects.update_or_create(pk=1, defaults={"discord_announce_channel_id": ANNOUNCE_CHANNEL})
    return ANNOUNCE_CHANNEL


def outbox(content: str) -> DiscordOutbox:
    return DiscordOutbox.objects.create(kind=DiscordOutbox.Kind.OTHER, content=content)


def test_an_edge_refusal_gives_the_attempt_back_and_stops_the_outbox_run(
    discord: DiscordStandin, announce_channel: str
) -> None:
    first, second = outbox("Raid at 8"), outbox("Loot council at 9")

    with override_settings(DISCORD_USER_AGENT=GENERIC_AGENT):
        assert deliver_unsent_outbox.delay().get() == 0

    assert discord.hits("post_message") == 1  # the second is not sent into the same refusal
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.sent_at is None
    assert first.attempts == 0
    assert first.last_error.startswith("HTTP 403 edge_blocked: Discord's edge refused the request")
    assert first.last_error.endswith("Not counted as a try.")
    assert (second.attempts, second.last_error) == (0, "")

    assert deliver_unsent_outbox.delay().get() == 2  # with the right User-Agent, both go
    assert discord.messages_in(announce_channel) == ["Raid at 8", "Loot council at 9"]


def test_a_missing_permissions_refusal_counts_as_a_try_and_names_the_permission(
    discord: DiscordStandin, announce_channel: str
) -> None:
    message = outbox("Raid at 8")
    discord.fail("post_message", status=403, code=50013)

    assert not deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.attempts == 1
    assert message.last_error.startswith("HTTP 403 missing_permissions (code 50013): The bot lacks a permission")


# -- role sync ----------------------------------------------------------------------------------


def demoted_to_guest(discord: DiscordStandin) -> tuple[int, str]:
    """A user whose push removes two managed roles, officer then member."""
    user = make_user("otto", RoleGroup.GUEST)
    assert user.discord_id
    discord.add_user(id=user.discord_id, username="otto", roles=[OFFICER, MEMBER])
    return user.pk, user.discord_id


def removals(user_pk: int) -> list[tuple[str, str, int | None]]:
    rows = DiscordSyncLog.objects.filter(user_id=user_pk, action="remove_role").order_by("pk")
    return [(row.role, row.result, row.error_code) for row in rows]


def test_an_edge_refusal_stops_a_role_push_without_asking_for_the_other_roles(discord: DiscordStandin) -> None:
    user_pk, discord_id = demoted_to_guest(discord)
    discord.fail("remove_role", status=403, edge=True)

    result = push_role_group(user_id=user_pk)

    assert result.edge_blocked
    assert discord.hits("remove_role") == 1
    assert discord.member_roles(discord_id) == [OFFICER, MEMBER]
    assert removals(user_pk) == [("officer", "failed", None)]
    assert "edge_blocked" in DiscordSyncLog.objects.get(user_id=user_pk, action="remove_role").message


def test_a_missing_permissions_refusal_fails_one_role_and_the_push_goes_on(discord: DiscordStandin) -> None:
    user_pk, discord_id = demoted_to_guest(discord)
    discord.roles_above_bot = {OFFICER}

    result = push_role_group(user_id=user_pk)

    assert not result.edge_blocked
    assert result.error_codes == [50013]
    assert discord.hits("remove_role") == 2
    assert discord.member_roles(discord_id) == [OFFICER]
    assert removals(user_pk) == [("officer", "failed", 50013), ("member", "ok", None)]
