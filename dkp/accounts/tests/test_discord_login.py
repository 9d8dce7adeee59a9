"""Discord sign-in end to end: allauth's real flow, over real HTTP, against the stand-in Discord."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from dkp.accounts.models import User
from dkp.core.roles import RoleGroup
from dkp.discord.models import DiscordSyncLog
from dkp.discord.standin import DiscordStandin

CLIENT_ID = "424242"
CLIENT_SECRET = "standin-secret"
GUILD_ID = "900"
OFFICER, RECRUITER, DEVELOPER, MEMBER, APPLICANT = "111", "222", "333", "444", "555"
ROLE_IDS = f"officer:{OFFICER},recruiter:{RECRUITER},developer:{DEVELOPER},member:{MEMBER},applicant:{APPLICANT}"
CALLBACK_PATH = "/accounts/discord/login/callback/"


@pytest.fixture(scope="module")
def running_standin() -> Iterator[DiscordStandin]:
    with DiscordStandin(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, guild_id=GUILD_ID) as standin:
        yield standin


@pytest.fixture
def discord(running_standin: DiscordStandin, settings, db) -> Iterator[DiscordStandin]:
    settings.DISCORD_OAUTH_BASE_URL = running_standin.oauth_base_url
    settings.DISCORD_API_BASE_URL = running_standin.api_base_url
    settings.DISCORD_CLIENT_ID = CLIENT_ID
    settings.DISCORD_CLIENT_SECRET = CLIENT_SECRET
    settings.DISCORD_GUILD_ID = GUILD_ID
    settings.DISCORD_ROLE_IDS = ROLE_IDS
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 2
    settings.SOCIALACCOUNT_PROVIDERS = {
        "discord": {
            "APP": {"client_id": CLIENT_ID, "secret": CLIENT_SECRET, "key": ""},
            "SCOPE": ["identify", "guilds.members.read"],
            "OAUTH_PKCE_ENABLED": True,
        }
    }
    running_standin.reset()
    yield running_standin
    running_standin.reset()


def start_sign_in(client: Client, discord: DiscordStandin) -> str:
    """Press "Sign in with Discord" and let the stand-in answer; returns the callback URL it sends back."""
    start = client.post("/accounts/discord/login/")
    assert start.status_code == 302
    authorize_url = start["Location"]
    assert authorize_url.startswith(f"{discord.oauth_base_url}/oauth2/authorize?")
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"]
    back = httpx.get(authorize_url, follow_redirects=False)
    assert back.status_code == 302, back.text
    location = urlsplit(back.headers["location"])
    assert location.path == CALLBACK_PATH
    return f"{location.path}?{location.query}"


def finish_sign_in(client: Client, callback_url: str):
    path, _, query = callback_url.partition("?")
    return client.get(path, dict(parse_qsl(query)))


def sign_in(client: Client, discord: DiscordStandin):
    return finish_sign_in(client, start_sign_in(client, discord))


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def assert_error_page(response, *, status: int, says: str) -> None:
    assert response.status_code == status
    text = response.content.decode()
    assert says in text
    assert "Back to sign-in" in text


# -- signing in -------------------------------------------------------------------------------


def test_new_officer_signs_in_with_names_avatar_and_officer_role(discord: DiscordStandin) -> None:
    discord.signed_in_as = discord.add_user(
        id="1001", username="olwen", global_name="Olwen of Norrath", avatar="a1b2c3", roles=[OFFICER, MEMBER]
    )
    client = Client()

    response = sign_in(client, discord)

    assert response.status_code == 302
    user = User.objects.get(discord_id="1001")
    assert signed_in_user(client) == user
    assert (user.username, user.discord_username, user.display_name, user.avatar) == (
        "olwen",
        "olwen",
        "Olwen of Norrath",
        "a1b2c3",
    )
    assert user.role_group == RoleGroup.OFFICER
    assert user.discord_synced_at is not None
    assert SocialAccount.objects.get(provider="discord", uid="1001").user == user
    log = DiscordSyncLog.objects.get(user=user)
    assert log.direction == DiscordSyncLog.Direction.FROM_DISCORD
    assert log.action == DiscordSyncLog.Action.SET_ROLE_GROUP
    assert log.role == "officer"
    assert log.result == DiscordSyncLog.Result.OK
    assert "guest → officer" in log.message


def test_returning_member_promoted_in_discord_becomes_recruiter_on_the_same_user(discord: DiscordStandin) -> None:
    rhea = discord.add_user(id="1002", username="rhea", global_name="Rhea", avatar="old", roles=[MEMBER])
    discord.signed_in_as = rhea
    sign_in(Client(), discord)
    first = User.objects.get(discord_id="1002")
    assert first.role_group == RoleGroup.MEMBER

    rhea.roles = [MEMBER, RECRUITER, "999999"]  # an unmanaged role is ignored
    rhea.username, rhea.global_name, rhea.avatar = "rhea.recruits", "Rhea the Recruiter", "new"
    client = Client()
    response = sign_in(client, discord)

    assert response.status_code == 302
    user = User.objects.get(discord_id="1002")
    assert user.pk == first.pk
    assert signed_in_user(client) == user
    assert user.role_group == RoleGroup.RECRUITER
    assert (user.discord_username, user.display_name, user.avatar) == ("rhea.recruits", "Rhea the Recruiter", "new")
    assert User.objects.filter(discord_id="1002").count() == 1
    assert SocialAccount.objects.filter(uid="1002").count() == 1
    messages = list(
        DiscordSyncLog.objects.filter(user=user).order_by("created_at", "id").values_list("message", flat=True)
    )
    assert [m.split(" (")[0] for m in messages] == ["guest → member", "member → recruiter"]


def test_an_officers_change_discord_has_not_got_yet_survives_sign_in_and_is_pushed_again(
    discord: DiscordStandin, django_capture_on_commit_callbacks
) -> None:
    """An officer promoted Gwen but the push to Discord failed: signing in must not take it back."""
    gwen = discord.add_user(id="1003", username="gwen", global_name="Gwen", roles=[MEMBER])
    discord.signed_in_as = gwen
    sign_in(Client(), discord)
    olwen = User.objects.create(username="olwen", role_group=RoleGroup.OFFICER)
    user = User.objects.get(discord_id="1003")
    from dkp.accounts.keys import set_role_group

    set_role_group(user=user, role_group=RoleGroup.OFFICER, actor=olwen)  # its push never reached Discord

    with django_capture_on_commit_callbacks() as pushes:
        sign_in(Client(), discord)

    user.refresh_from_db()
    assert user.role_group == RoleGroup.OFFICER
    assert len(pushes) == 1  # the officer's change goes to Discord again


def test_a_developer_the_discord_server_has_no_role_for_stays_a_developer_at_sign_in(
    discord: DiscordStandin, settings
) -> None:
    settings.DISCORD_ROLE_IDS = f"officer:{OFFICER},member:{MEMBER}"  # no developer role in this server
    dev = discord.add_user(id="1004", username="dev", global_name="Dev", roles=[MEMBER])
    discord.signed_in_as = dev
    User.objects.create(username="dev", discord_id="1004", role_group=RoleGroup.DEVELOPER)

    sign_in(Client(), discord)
    assert User.objects.get(discord_id="1004").role_group == RoleGroup.DEVELOPER

    dev.roles = [MEMBER, OFFICER]  # promoted in Discord: that is shown, so it is taken
    sign_in(Client(), discord)
    assert User.objects.get(discord_id="1004").role_group == RoleGroup.OFFICER


def test_someone_not_in_the_guild_server_signs_in_as_guest(discord: DiscordStandin) -> None:
    discord.signed_in_as = discord.add_user(id="1003", username="gus", roles=[OFFICER], in_guild=False)
    client = Client()

    response = sign_in(client, discord)

    assert response.status_code == 302
    user = User.objects.get(discord_id="1003")
    assert signed_in_user(client) == user
    assert user.role_group == RoleGroup.GUEST
    assert not DiscordSyncLog.objects.filter(action=DiscordSyncLog.Action.SET_ROLE_GROUP).exists()


def test_user_known_by_discord_id_but_never_signed_in_is_linked_not_duplicated(discord: DiscordStandin) -> None:
    known = User.objects.create_user("abe-from-bot", discord_id="1004", role_group=RoleGroup.APPLICANT)
    discord.signed_in_as = discord.add_user(id="1004", username="abe", roles=[APPLICANT])

    sign_in(Client(), discord)

    assert User.objects.filter(discord_id="1004").get().pk == known.pk
    assert SocialAccount.objects.get(uid="1004").user_id == known.pk


def test_discord_username_taken_by_a_local_account_gets_a_distinct_handle(discord: DiscordStandin) -> None:
    User.objects.create_user("gwen")
    discord.signed_in_as = discord.add_user(id="1005", username="gwen", roles=[MEMBER])

    sign_in(Client(), discord)

    assert User.objects.get(discord_id="1005").username == "gwen-1005"


# -- what a person can meet when it goes wrong ------------------------------------------------


def test_cancelling_at_discord_shows_a_clear_page_and_creates_no_one(discord: DiscordStandin) -> None:
    discord.signed_in_as = discord.add_user(id="2001", username="shy", roles=[MEMBER])
    discord.cancel = True
    client = Client()

    response = sign_in(client, discord)

    assert_error_page(response, status=400, says="You cancelled signing in with Discord")
    assert signed_in_user(client) is None
    assert not User.objects.exists()


def test_replayed_callback_is_refused(discord: DiscordStandin) -> None:
    discord.signed_in_as = discord.add_user(id="2002", username="pip", roles=[MEMBER])
    client = Client()
    callback_url = start_sign_in(client, discord)
    assert finish_sign_in(client, callback_url).status_code == 302

    again = finish_sign_in(client, callback_url)
    elsewhere = finish_sign_in(Client(), callback_url)

    assert_error_page(again, status=400, says="already used, has expired")
    assert_error_page(elsewhere, status=400, says="already used, has expired")
    assert User.objects.count() == 1


def test_tampered_state_is_refused_and_creates_no_one(discord: DiscordStandin) -> None:
    discord.signed_in_as = discord.add_user(id="2003", username="mallory", roles=[OFFICER])
    client = Client()
    callback_url = start_sign_in(client, discord)
    path, _, query = callback_url.partition("?")
    params = dict(parse_qsl(query))
    params["state"] = "forged-state"

    response = client.get(path, params)

    assert_error_page(response, status=400, says="already used, has expired")
    assert not User.objects.exists()


def test_slow_discord_token_endpoint_times_out_with_a_clear_page(discord: DiscordStandin, settings) -> None:
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0.3
    discord.signed_in_as = discord.add_user(id="2004", username="slowpoke", roles=[MEMBER])
    discord.slow("token", seconds=1.0)
    client = Client()

    response = sign_in(client, discord)

    assert_error_page(response, status=502, says="Discord did not answer in time")
    assert signed_in_user(client) is None
    assert not User.objects.exists()


def test_slow_member_endpoint_times_out_with_a_clear_page(discord: DiscordStandin, settings) -> None:
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 0.3
    discord.signed_in_as = discord.add_user(id="2005", username="laggy", roles=[MEMBER])
    discord.slow("member", seconds=1.0)

    response = sign_in(Client(), discord)

    assert_error_page(response, status=502, says="did not answer within")
    assert not User.objects.exists()


def test_refused_token_exchange_shows_a_clear_page(discord: DiscordStandin) -> None:
    discord.signed_in_as = discord.add_user(id="2006", username="refused", roles=[MEMBER])
    discord.fail("token", status=401)

    response = sign_in(Client(), discord)

    assert_error_page(response, status=502, says="Discord did not accept this sign-in")
    assert not User.objects.exists()


def test_wrong_client_secret_is_refused_by_discord(discord: DiscordStandin, settings) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "discord": {
            "APP": {"client_id": CLIENT_ID, "secret": "wrong", "key": ""},
            "SCOPE": ["identify", "guilds.members.read"],
            "OAUTH_PKCE_ENABLED": True,
        }
    }
    discord.signed_in_as = discord.add_user(id="2007", username="misconfigured", roles=[MEMBER])

    response = sign_in(Client(), discord)

    assert_error_page(response, status=502, says="Discord did not accept this sign-in")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("status", "page_status", "says"),
    [
        (401, 403, "Discord did not let us read your guild membership (HTTP 401)"),
        (403, 403, "Discord did not let us read your guild membership (HTTP 403)"),
        (429, 429, "Please try again in 7 seconds"),
        (500, 502, "Discord is having trouble right now"),
    ],
)
def test_member_endpoint_failure_shows_a_clear_page_and_creates_no_one(
    discord: DiscordStandin, status: int, page_status: int, says: str
) -> None:
    discord.signed_in_as = discord.add_user(id="2008", username="unlucky", roles=[OFFICER])
    discord.fail("member", status=status, retry_after=7 if status == 429 else None)
    client = Client()

    response = sign_in(client, discord)

    assert_error_page(response, status=page_status, says=says)
    assert signed_in_user(client) is None
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    failure = DiscordSyncLog.objects.get()
    assert (failure.action, failure.result, failure.discord_id) == (
        DiscordSyncLog.Action.READ_MEMBER,
        DiscordSyncLog.Result.FAILED,
        "2008",
    )
    assert f"HTTP {status}" in failure.message


def test_profile_endpoint_failure_shows_a_clear_page(discord: DiscordStandin) -> None:
    discord.signed_in_as = discord.add_user(id="2009", username="ghost", roles=[MEMBER])
    discord.fail("me", status=503)

    response = sign_in(Client(), discord)

    assert_error_page(response, status=502, says="We could not read your Discord profile")
    assert not User.objects.exists()


def test_existing_users_role_is_kept_when_discord_refuses_the_member_read(discord: DiscordStandin) -> None:
    olwen = discord.add_user(id="2010", username="olwen", roles=[OFFICER])
    discord.signed_in_as = olwen
    sign_in(Client(), discord)
    discord.fail("member", status=403)
    client = Client()

    response = sign_in(client, discord)

    assert response.status_code == 403
    assert signed_in_user(client) is None
    assert User.objects.get(discord_id="2010").role_group == RoleGroup.OFFICER


def test_following_the_sign_in_link_asks_to_continue_before_leaving_for_discord(discord: DiscordStandin) -> None:
    response = Client().get("/accounts/discord/login/")

    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert discord.requests == []
