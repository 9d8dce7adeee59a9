"""How allauth's Discord sign-in fits the guild: endpoints from settings, people kept in step.

- ``GuildDiscordOAuth2Adapter`` reads the Discord URLs from settings on every request (so the
  stand-in works), and after the token exchange reads the person's guild membership.
- ``DiscordSocialAccountAdapter`` finds or creates the User by Discord id and refreshes names,
  avatar and role group through ``sync_user_from_discord``; every failure a person can meet is
  answered with one clear page and nothing half-created.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin, SocialToken
from allauth.socialaccount.providers.base import AuthError, ProviderException
from allauth.socialaccount.providers.discord.views import DiscordOAuth2Adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from requests import RequestException

from dkp.accounts.services import record_member_read_failure, sync_user_from_discord
from dkp.discord.client import (
    DiscordClient,
    DiscordError,
    DiscordNotFound,
    DiscordRateLimited,
    DiscordUnavailable,
    GuildMember,
)

GUILD_MEMBER_KEY = "guild_member"


class DiscordSignInError(ProviderException):
    """Discord failed us after the token exchange; carries the ``DiscordError`` and the step."""

    def __init__(self, error: DiscordError, *, step: str) -> None:
        super().__init__(error.message)
        self.error = error
        self.step = step


class GuildDiscordOAuth2Adapter(DiscordOAuth2Adapter):
    @property
    def authorize_url(self) -> str:
        return f"{settings.DISCORD_OAUTH_BASE_URL.rstrip('/')}/oauth2/authorize"

    @property
    def access_token_url(self) -> str:
        return f"{settings.DISCORD_API_BASE_URL.rstrip('/')}/oauth2/token"

    @property
    def profile_url(self) -> str:
        return f"{settings.DISCORD_API_BASE_URL.rstrip('/')}/users/@me"

    def complete_login(self, request: HttpRequest, app: Any, token: SocialToken, **kwargs: Any) -> SocialLogin:
        client = DiscordClient.from_settings()
        try:
            profile = client.current_user(access_token=token.token)
        except DiscordError as exc:
            raise DiscordSignInError(exc, step="profile") from exc
        member: GuildMember | None = None
        if settings.DISCORD_GUILD_ID:
            try:
                member = client.guild_member(access_token=token.token, guild_id=settings.DISCORD_GUILD_ID)
            except DiscordNotFound:
                member = None  # not in the guild's server: signs in as a guest
            except DiscordError as exc:
                record_member_read_failure(discord_id=profile["id"], error=exc)
                raise DiscordSignInError(exc, step="member") from exc
        extra_data: dict[str, Any] = {**profile, GUILD_MEMBER_KEY: member}
        return self.get_provider().sociallogin_from_response(request, extra_data)


class AccountAdapter(DefaultAccountAdapter):
    """No local sign-up form: people arrive through Discord (or the demo sign-in)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class DiscordSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Create or refresh our User before allauth logs them in, so allauth never signs anyone up.

        The User and its link to the Discord account are made in one transaction.
        """
        extra_data = dict(sociallogin.account.extra_data)
        member = extra_data.pop(GUILD_MEMBER_KEY, None)
        with transaction.atomic():
            user = sync_user_from_discord(
                user=sociallogin.user if sociallogin.is_existing else None,
                discord_id=str(sociallogin.account.uid),
                profile=extra_data,  # type: ignore[arg-type]  # allauth's dict; the profile was validated by the client
                member=member,
            )
            if sociallogin.is_existing:
                sociallogin.user = user
            else:
                sociallogin.connect(request, user)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: str | None = None,
        exception: BaseException | None = None,
        extra_context: dict[str, Any] | None = None,
    ) -> None:
        title, message, status = explain_sign_in_error(
            error=error, exception=exception, extra_context=extra_context or {}
        )
        response = render(
            request,
            "accounts/discord_sign_in_error.html",
            {"title": title, "message": message},
            status=status,
        )
        raise ImmediateHttpResponse(response)


def explain_sign_in_error(
    *, error: str | None, exception: BaseException | None, extra_context: dict[str, Any]
) -> tuple[str, str, int]:
    """What to tell the person, and the HTTP status, for each way a Discord sign-in can fail."""
    if error == AuthError.CANCELLED:
        return (
            "Sign-in cancelled",
            "You cancelled signing in with Discord, so you are not signed in. Nothing was changed.",
            400,
        )
    if exception is None and "state" not in extra_context:
        return (
            "This sign-in link has expired",
            "This sign-in attempt was already used, has expired or was not started from this browser. "
            "Please start again from the sign-in page.",
            400,
        )
    if isinstance(exception, DiscordSignInError):
        return _explain_discord_error(exception)
    if isinstance(exception, RequestException):
        return (
            "Discord did not answer",
            "Discord did not answer in time or could not be reached. Please try again in a minute.",
            502,
        )
    if isinstance(exception, OAuth2Error):
        return (
            "Discord refused the sign-in",
            "Discord did not accept this sign-in (the login code was refused). Please start again; if it keeps "
            "happening, an officer should check the Discord application's client id, secret and redirect URL.",
            502,
        )
    return (
        "Discord sign-in failed",
        "Discord reported a problem with this sign-in. Please start again from the sign-in page.",
        400,
    )


def _explain_discord_error(exception: DiscordSignInError) -> tuple[str, str, int]:
    error = exception.error
    what = "your guild membership" if exception.step == "member" else "your Discord profile"
    if isinstance(error, DiscordRateLimited):
        wait = f"in {error.retry_after:g} seconds" if error.retry_after is not None else "shortly"
        return ("Discord is busy", f"Discord is limiting how often we may ask. Please try again {wait}.", 429)
    if isinstance(error, DiscordUnavailable):
        return ("Discord did not answer", f"We could not read {what}: {error.message} Please try again.", 502)
    if error.status in (401, 403):
        return (
            "Discord would not share your details",
            f"Discord did not let us read {what} (HTTP {error.status}), so you are not signed in. "
            "Please sign in again and allow the requested permissions.",
            403,
        )
    return ("Discord sign-in failed", f"We could not read {what}: {error.message}", 502)
