"""Our Discord provider for allauth: allauth's own, with endpoints taken from settings.

allauth loads ``<app>.provider`` for every installed app; registered after allauth's Discord
provider, this one replaces it under the same id (``discord``), so the URLs stay
``/accounts/discord/login/`` and ``/accounts/discord/login/callback/``.
"""

from __future__ import annotations

from allauth.socialaccount.providers.discord.provider import DiscordProvider

from dkp.accounts.adapters import GuildDiscordOAuth2Adapter


class GuildDiscordProvider(DiscordProvider):
    package = "dkp.accounts.discord_login"
    oauth2_adapter_class = GuildDiscordOAuth2Adapter


provider_classes = [GuildDiscordProvider]
