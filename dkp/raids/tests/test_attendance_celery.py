"""A real Celery worker, on a real Redis server, refreshes attendance that the test committed.

The suite otherwise runs Celery eagerly; this proves the production shape end to end: a task queued
through Redis is picked up by a separate worker process, which reads and writes the same database
as the test (SQLite's test file or PostgreSQL's test database). Skips without ``redis-server``,
unless ``TEST_REDIS=yes`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.db import connection
from kombu import Connection

from dkp.raids.models import MemberAttendanceSummary
from dkp.raids.tasks import refresh_attendance

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

STARTUP_SECONDS = 30
REFRESH_SECONDS = 30


def _redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("TEST_REDIS", "auto") == "yes":
            pytest.fail("TEST_REDIS=yes but no redis-server in PATH")
        pytest.skip("no redis-server in PATH (CI installs it; apt-get install redis-server)")
    return binary


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started (it leads its own session) and everything it forked."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_for(predicate, *, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    pytest.fail(f"{what} within {seconds} s\n{tail}")


def _test_database_url() -> str:
    """The URL of the database this test is using right now (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    assert connection.vendor == "postgresql", connection.vendor
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    credentials += "@" if credentials else ""
    host = db["HOST"] or ""
    if host.startswith("/"):  # a unix socket directory, as scripts/with-postgres.sh gives
        return f"postgres://{credentials}/{host}/{db['NAME']}"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{db['NAME']}"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    binary = _redis_server_binary()
    log = tmp_path / "redis.log"
    for _attempt in range(3):  # another process may take the free port before the server binds it
        port = _free_loopback_port()
        with log.open("wb") as out:
            server = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    tmp_path,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"redis://127.0.0.1:{port}/0"

        def answers(url: str = url, server: subprocess.Popen[bytes] = server) -> bool:
            if server.poll() is not None:
                return True  # exited: stop waiting, the check below tells
            try:
                with Connection(url, connect_timeout=0.5) as probe:
                    probe.ensure_connection(max_retries=1)
                return True
            except Exception:
                return False

        _wait_for(answers, seconds=STARTUP_SECONDS, what="redis-server did not answer", log=log)
        if server.poll() is None:
            break
    else:
        pytest.fail(f"redis-server would not start:\n{log.read_text(errors='replace')[-3000:]}")
    try:
        yield url
    finally:
        _stop(server)


@dataclass(frozen=True)
class Worker:
    broker_url: str
    log: Path

    def said(self, text: str) -> bool:
        return text in self.log.read_text(errors="replace")


@pytest.fixture
def worker(redis_url: str, tmp_path: Path) -> Iterator[Worker]:
    """A Celery worker process on the Redis broker and this test's database."""
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": "",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"test-{os.getpid()}@%h"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for(
            lambda: process.poll() is not None or " ready." in log.read_text(errors="replace"),
            seconds=STARTUP_SECONDS,
            what="the Celery worker was not ready",
            log=log,
        )
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        yield Worker(broker_url=redis_url, log=log)
    finally:
        _stop(process)


@pytest.fixture
def queued_for_real() -> Iterator[None]:
    """The suite runs tasks eagerly; here they must go through the broker."""
    conf = refresh_attendance.app.conf
    eager = conf.task_always_eager
    conf.task_always_eager = False
    try:
        yield
    finally:
        conf.task_always_eager = eager


def test_worker_on_redis_refreshes_attendance_queued_by_the_app(guild, worker: Worker, queued_for_real: None) -> None:
    assert not MemberAttendanceSummary.objects.exists()

    with Connection(worker.broker_url) as broker:
        queued = refresh_attendance.apply_async(connection=broker)  # .delay(), through this Redis server
    assert not isinstance(queued, EagerResult)

    _wait_for(
        lambda: MemberAttendanceSummary.objects.filter(user=guild.poor_member, pool=None).exists(),
        seconds=REFRESH_SECONDS,
        what="the worker wrote no attendance summaries",
        log=worker.log,
    )
    assert worker.said(f"Task raids.refresh_attendance[{queued.id}] succeeded")
    good = MemberAttendanceSummary.objects.get(user=guild.good_member, pool=guild.pool)
    poor = MemberAttendanceSummary.objects.get(user=guild.poor_member, pool=None)
    assert (good.attended_30, good.held_30, good.percent_30) == (9, 10, Decimal("90.00"))
    assert (poor.attended_30, poor.held_30, poor.percent_30) == (1, 10, Decimal("10.00"))
    # Five people with characters attended: one row per pool plus one overall each.
    assert MemberAttendanceSummary.objects.count() == 10
