"""Background work that reaches Discord: posting the outbox, pushing role groups to roles, and
the periodic reconcile of role groups with the Discord server.

Posts and pushes are queued after commit (``notify.announce_after_commit``,
``role_sync.push_role_group_after_commit``); the reconcile runs from beat. All swallow Discord's
failures into a record (the outbox row, the sync log) instead of raising: a failed post or role
change is something to read and retry, not a worker traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from dkp.discord.client import DiscordClient, DiscordEdgeBlocked, DiscordError
from dkp.discord.components import vote_components
from dkp.discord.models import DiscordOutbox

log = logging.getLogger(__name__)

# An unsent message is retried by ``deliver_unsent_outbox`` until it has failed this many times.
MAX_DELIVERY_ATTEMPTS = 5
# What one delivery came to.
SENT, NOT_SENT, EDGE_BLOCKED = "sent", "not_sent", "edge_blocked"


@shared_task(name="discord.deliver_outbox_message", ignore_result=True)
def deliver_outbox_message(message_id: int) -> bool:
    """Post one outbox message; True when it is (or already was) sent."""
    return deliver(message_id=message_id)


@shared_task(name="discord.deliver_unsent_outbox", ignore_result=True)
def deliver_unsent_outbox() -> int:
    """Try again every unsent message that has not failed too often; returns how many were sent.

    Stops at the first refusal from Discord's edge (a 403 with no Discord code): the rest would be
    refused the same way, and each refusal lengthens a Cloudflare ban. The next run tries again.
    """
    pending = DiscordOutbox.objects.filter(sent_at__isnull=True, attempts__lt=MAX_DELIVERY_ATTEMPTS)
    client = DiscordClient.from_settings()
    sent = 0
    for message_id in pending.order_by("created_at").values_list("pk", flat=True):
        outcome = _deliver(message_id=message_id, client=client)
        if outcome == EDGE_BLOCKED:
            log.warning("Outbox delivery stopped: Discord's edge is refusing the bot's requests (HTTP 403, no code).")
            break
        sent += outcome == SENT
    return sent


def deliver(*, message_id: int, client: DiscordClient | None = None) -> bool:
    """Post an outbox message and record the outcome (``_deliver``); True when it is (or already was) sent."""
    return _deliver(message_id=message_id, client=client) == SENT


def _deliver(*, message_id: int, client: DiscordClient | None = None) -> str:
    """Post an outbox message to its channel (or the guild's announcement channel) and record the outcome.

    On success the row gets ``sent_at``, Discord's message id and the channel it went to (so the
    bot can find and edit the post later).
    Not configured (no bot token, no channel): the row stays unsent with ``last_error`` saying what
    is missing, and no attempt is counted. Otherwise the attempt is claimed with a conditional
    UPDATE, so two workers never post the same message twice. A refusal from Discord's edge (403
    without a Discord code) gives the attempt back: nothing is wrong with the message or the
    server's permissions, so it must not use up the message's tries. A 50013 (Missing
    Permissions) counts, like any other failure, and names the permission in ``last_error``.
    """
    from dkp.core.models import GuildSettings

    message = DiscordOutbox.objects.filter(pk=message_id).first()
    if message is None or message.sent_at is not None:
        return SENT if message is not None else NOT_SENT
    client = client or DiscordClient.from_settings()
    channel_id = message.channel_id or GuildSettings.load().discord_announce_channel_id
    missing = []
    if not client.has_bot_token:
        missing.append("no Discord bot token is configured (DISCORD_BOT_TOKEN)")
    if not channel_id:
        missing.append("no announcement channel is set in the guild settings")
    if missing:
        DiscordOutbox.objects.filter(pk=message.pk, sent_at__isnull=True).update(
            last_error=f"Not sent: {' and '.join(missing)}."
        )
        return NOT_SENT

    claimed = DiscordOutbox.objects.filter(pk=message.pk, sent_at__isnull=True, attempts=message.attempts).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        return NOT_SENT  # another worker is posting it, or has posted it
    try:
        discord_message_id = client.post_message(
            channel_id=channel_id, content=message.content, components=components_for(message)
        )
    except DiscordError as exc:
        last_error = f"HTTP {exc.status or '-'} {exc.kind}" + (f" (code {exc.code})" if exc.code else "")
        if isinstance(exc, DiscordEdgeBlocked):
            DiscordOutbox.objects.filter(pk=message.pk).update(
                attempts=F("attempts") - 1, last_error=f"{last_error}: {exc.message} Not counted as a try."
            )
            return EDGE_BLOCKED
        DiscordOutbox.objects.filter(pk=message.pk).update(last_error=f"{last_error}: {exc.message}")
        return NOT_SENT
    DiscordOutbox.objects.filter(pk=message.pk).update(
        sent_at=timezone.now(), discord_message_id=discord_message_id, channel_id=channel_id, last_error=""
    )
    return SENT


def components_for(message: DiscordOutbox) -> list[dict[str, Any]] | None:
    """The buttons a post carries: "voting is open" gets Yes / No / Abstain, which the bot answers."""
    application_id = message.payload.get("application_id") if isinstance(message.payload, dict) else None
    if message.kind == DiscordOutbox.Kind.VOTING_OPENED and isinstance(application_id, int) and application_id > 0:
        return vote_components(application_id)
    return None
