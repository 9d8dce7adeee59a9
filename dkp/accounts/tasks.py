"""Background work of role sync: pushes queued after a change commits, and the periodic reconcile.

The task names keep the ``discord.`` prefix they were scheduled under, so queued work and beat's
schedule survive the move from the Discord package.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from celery import shared_task
from django.db import transaction

from dkp.accounts import role_sync
from dkp.discord.client import DiscordError, DiscordNotConfigured

if TYPE_CHECKING:
    from dkp.accounts.models import User

log = logging.getLogger(__name__)


def push_role_group_after_commit(*, user: User) -> None:
    """Queue a push of ``user.role_group`` to Discord once the current transaction commits."""
    user_id = user.pk
    transaction.on_commit(lambda: push_role_group.delay(user_id))


@shared_task(name="discord.push_role_group", ignore_result=True)
def push_role_group(user_id: int) -> None:
    """Bring the user's managed Discord roles in step with their role group; outcomes go to the sync log."""
    role_sync.push_role_group(user_id=user_id)


@shared_task(name="discord.reconcile_roles", ignore_result=True)
def reconcile_roles() -> None:
    """Settle every linked user's role group with their Discord roles; outcomes go to the sync log."""
    try:
        report = role_sync.reconcile_roles(dry_run=False)
    except DiscordNotConfigured as exc:
        # A guild without the bot (or a development machine) has nothing to reconcile.
        log.info("%s", exc.message)
        return
    except DiscordError as exc:
        log.warning("Discord roles not reconciled (see the Discord sync log): %s", exc.message)
        return
    log.info("Discord roles reconciled: %s", report.summary())
