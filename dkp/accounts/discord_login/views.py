"""allauth's OAuth2 login and callback views, driven by our settings-aware Discord adapter."""

from __future__ import annotations

from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView

from dkp.accounts.adapters import GuildDiscordOAuth2Adapter

oauth2_login = OAuth2LoginView.adapter_view(GuildDiscordOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(GuildDiscordOAuth2Adapter)
