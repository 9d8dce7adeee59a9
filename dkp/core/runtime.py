"""The folders the embedded setup writes to, made when the app starts.

A fresh clone has no ``var/``: the SQLite database, the filesystem broker (its ``in``, ``processed``
and ``control`` folders) and beat's schedule file all live there. Every process (``manage.py``
commands, the web server, the worker) makes what its settings name before it opens any of them, so
``manage.py migrate`` or ``load_demo`` works as the first command run, with or without ``make``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def runtime_folders() -> list[Path]:
    """The folders the settings say this process will write to: SQLite's, the filesystem broker's, beat's."""
    folders: list[Path] = []
    for database in settings.DATABASES.values():
        name = str(database.get("NAME") or "")
        if database.get("ENGINE") in settings.SQLITE_ENGINES and name and not _in_memory(name):
            folders.append(Path(name).parent)
    if str(getattr(settings, "CELERY_BROKER_URL", "")).startswith("filesystem://"):
        options: dict[str, Any] = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
        folders.extend(Path(options[key]) for key in _BROKER_FOLDERS if options.get(key))
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE_FILENAME", "")
    if schedule:
        folders.append(Path(schedule).parent)
    return list(dict.fromkeys(folders))


def _in_memory(name: str) -> bool:
    return name == ":memory:" or (name.startswith("file:") and "mode=memory" in name)


def make_runtime_folders() -> None:
    """Make each runtime folder that is missing. One that cannot be made is logged, not fatal: a
    process that never writes there (a web server on PostgreSQL and Redis) must still start."""
    for folder in runtime_folders():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            log.warning("Could not make the folder %s (%s); set DKP_VAR_DIR to one this user may write.", folder, error)
