from __future__ import annotations

from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from dkp.accounts.provider import GuildDiscordProvider

urlpatterns = default_urlpatterns(GuildDiscordProvider)
