"""A newcomer's commands on a fresh clone: each works first, with nothing made beforehand.

The commands run as separate processes with the development settings, as a person types them, with
``DKP_VAR_DIR`` pointing at an empty temporary folder (so no ``var/`` exists) and every variable that
could lead elsewhere (a ``.env``'s database or broker) set empty, which the settings read as unset.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

COMMAND_SECONDS = 180


def _fresh_env(var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DKP_VAR_DIR": str(var_dir),
        "DATABASE_URL": "",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "DISCORD_BOT_TOKEN": "",
    }


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str] | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode(errors="replace")
    except OSError:
        return None


def test_migrate_then_load_demo_work_first_on_a_fresh_clone_and_the_procfile_serves_on_port(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    env = _fresh_env(var_dir)

    migrated = _manage(env, "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    assert "unable to open database file" not in migrated.stderr
    assert (var_dir / "dkp.sqlite3").is_file()
    for folder in ("in", "processed", "control"):
        assert (var_dir / "broker" / folder).is_dir()

    loaded = _manage(env, "load_demo")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "Loaded the demo guild" in loaded.stdout
    assert "Traceback" not in loaded.stderr
    again = _manage(env, "load_demo", "--if-empty")
    assert again.returncode == 0
    assert "leaves it alone" in again.stdout

    # The Procfile's web process, started by honcho as `make run PORT=…` does, answers on that port.
    port = _free_loopback_port()
    honcho = Path(sys.executable).with_name("honcho")
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        web = subprocess.Popen(
            [str(honcho), "start", "-f", "Procfile", "-p", str(port), "web"],
            cwd=settings.BASE_DIR,
            env={**env, "PATH": f"{honcho.parent}{os.pathsep}{env.get('PATH', '')}"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline and web.poll() is None:
            time.sleep(0.3)
            answer = _get(f"http://127.0.0.1:{port}/sign-in/")
        assert answer is not None, log.read_text(errors="replace")
        status, body = answer
        assert status == 200
        assert "zelroso" in body.lower()  # the demo sign-in lists the demo guild's officer
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGTERM)
            try:
                web.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(web.pid, signal.SIGKILL)
                web.wait(timeout=10)


def test_make_run_hands_its_port_to_the_web_process_and_the_address_it_prints() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8100"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DISCORD_BOT_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert dry_run.returncode == 0, dry_run.stderr
    assert "honcho start -f Procfile -p 8100 web worker" in dry_run.stdout
    assert "http://127.0.0.1:8100" in dry_run.stdout
    assert "announce-url.sh 127.0.0.1 8100" in dry_run.stdout
    assert ":8000" not in dry_run.stdout
    # honcho gives the first process that port as $PORT, which the Procfile's web line listens on.
    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    assert "runserver 127.0.0.1:${PORT:-8000}" in procfile


def test_load_demo_says_the_guild_is_loaded_when_only_queuing_work_after_the_commit_fails(
    transactional_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from io import StringIO

    from django.core.management import call_command

    from dkp.demo.guild import demo_guild_exists
    from dkp.loot.tasks import close_auction_task

    def broker_gone(*args: object, **kwargs: object) -> None:
        raise OSError("[Errno 2] No such file or directory: 'var/broker/in'")

    # The demo's open auctions queue their closing after the commit: the first thing the broker is asked.
    monkeypatch.setattr(close_auction_task, "apply_async", broker_gone)
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Loaded the demo guild, but handing its background work to the worker failed" in out.getvalue()
    assert "No such file or directory" in out.getvalue()
    assert demo_guild_exists()
    again = StringIO()
    call_command("load_demo", stdout=again)
    assert "already loaded" in again.getvalue()
