"""Tests: the suite runs on SQLite by default and on PostgreSQL when DATABASE_URL names one."""

import atexit
import os
import tempfile
from pathlib import Path

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES, SQLITE_ENGINES

DEBUG = False
DKP_DEMO = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The SQLite test database is a file rather than Django's in-memory default, so that another
# process (the Celery worker of dkp/raids/tests/test_attendance_celery.py) can open it. It is named
# after this process, so two test runs in one checkout never share (or delete) each other's
# database. PostgreSQL's test database (test_<name> on the same server) needs nothing of the sort.
if DATABASES["default"]["ENGINE"] in SQLITE_ENGINES:
    _test_db = Path(tempfile.gettempdir()) / f"dkp-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}
    # Throwaway data: no waiting for the disk on commits and checkpoints.
    DATABASES["default"]["OPTIONS"]["init_command"] = DATABASES["default"]["OPTIONS"]["init_command"].replace(
        "synchronous=NORMAL", "synchronous=OFF"
    )

    def _remove_test_db_leftovers() -> None:
        # Django deletes the database file itself; SQLite's -wal and -shm files stay behind when a
        # connection was still open at that moment (xdist workers add a suffix to the name).
        for leftover in _test_db.parent.glob(f"{_test_db.name}*"):
            leftover.unlink(missing_ok=True)

    atexit.register(_remove_test_db_leftovers)
