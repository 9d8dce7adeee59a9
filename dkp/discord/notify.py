"""Announcements to the guild's Discord channel, written to the outbox inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from dkp.discord.models import DiscordOutbox
from dkp.discord.tasks import deliver_outbox_message


def announce_after_commit(*, kind: str, content: str, payload: dict[str, Any] | None = None) -> DiscordOutbox:
    """Record an announcement now; it is posted only if the surrounding transaction commits."""
    message = DiscordOutbox.objects.create(kind=kind, content=content[:2000], payload=payload or {})

    def deliver() -> None:
        deliver_outbox_message.delay(message.pk)

    transaction.on_commit(deliver)
    return message
