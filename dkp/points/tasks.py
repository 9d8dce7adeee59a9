"""Background work of the points domain: the scheduled decay of every pool that is due."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="points.decay_due_pools", ignore_result=True)
def decay_due_pools() -> int:
    """Decay each active pool whose period has passed since its last decay; returns how many decayed.

    Beat runs this daily; a second run on the same day, or a second worker, finds nothing due.
    """
    from dkp.points.decay import decay_due_pools as decay

    runs = decay()
    for run in runs:
        logger.info(
            "Decayed %s by %s%% (floor %s): %s members lost %s points.",
            run.pool.name,
            run.percent,
            run.floor,
            len(run.lines),
            run.total,
        )
    return len(runs)
