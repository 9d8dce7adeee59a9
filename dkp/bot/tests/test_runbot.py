"""`manage.py runbot` says what is missing instead of starting a bot that cannot work."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings


@override_settings(DISCORD_BOT_TOKEN="", DISCORD_GUILD_ID="900")
def test_runbot_without_a_token_says_so() -> None:
    with pytest.raises(CommandError, match="DISCORD_BOT_TOKEN is not set"):
        call_command("runbot")


@override_settings(DISCORD_BOT_TOKEN="token", DISCORD_GUILD_ID="")
def test_runbot_without_a_server_says_so() -> None:
    with pytest.raises(CommandError, match="DISCORD_GUILD_ID must be the id"):
        call_command("runbot", "--register-only")
