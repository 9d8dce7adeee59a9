"""Beat's nightly backup (``CELERY_BEAT_SCHEDULE`` in config/settings/base.py)."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="ops.backup_database", ignore_result=True)
def backup_database() -> str:
    """Write tonight's backup and prune the old ones; returns the new file's path.

    A failure (pg_dump missing, a full disk) is logged as an error and raised, so the worker's log
    and any error tracker show that last night has no backup.
    """
    from dkp.ops.backups import BackupError
    from dkp.ops.backups import backup_database as backup

    try:
        result = backup()
    except BackupError:
        logger.exception("The nightly backup failed.")
        raise
    logger.info(
        "Backed up the database to %s (%s bytes); removed %s old backups.",
        result.path,
        result.size,
        len(result.pruned),
    )
    return str(result.path)
