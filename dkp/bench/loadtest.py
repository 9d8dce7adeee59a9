"""The raid-night load test: a real gunicorn server on loopback, members browsing, bursts of bids.

``run_load_test()`` starts ``gunicorn config.wsgi`` (gthread workers, production settings, DEBUG
off) on a free port of 127.0.0.1 against the database Django is configured with, and for about
two minutes plays a raid night on it:

- 60 members browse the standings page, the standings API and profiles (their own and others'),
  pausing 3 to 10 seconds between pages. They are signed in by session cookies made here,
  server-side, exactly as a sign-in makes them;
- an officer opens 10 auctions through the API; each closes at its own time, spread over the
  run, and in the last 15 seconds before that time bids arrive in three bursts of 6-14 members at
  once (through the API, with bid-scoped API keys), some of them over the bidder's balance on
  purpose (refused with 409: an expected answer, counted apart from errors);
- a second officer watches the open auctions and closes each at its time (POST .../close/);
- after the night, a bid storm: 50 members raise their bids 10 times each, all at once, on 5
  fresh auctions (the in-process bid measurement again, but through gunicorn's workers).

It is bounded by time (``seconds``) and by a request budget. Every request is timed from the
client's side (connect to last byte, a new connection each time). An error is a 5xx, a refused or
broken connection or a timeout: there must be none. Afterwards the server is stopped, and the
ledger is reconciled against the summaries. No Celery worker runs: the tasks the app queues go to
an in-memory broker and are dropped; the officers close the auctions themselves.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.utils import timezone

from dkp.accounts import keys
from dkp.accounts.models import User
from dkp.bench.measure import BenchError, database_version, find_guild, first_bid, percentile
from dkp.core.roles import GUILD_MEMBERS, RoleGroup
from dkp.loot.models import Auction, AuctionStatus, BidAction, BidHistory
from dkp.points.models import DkpPool, UserPointsSummary
from dkp.points.selectors import summary_differences

HOST = "127.0.0.1"
BURST_OFFSETS = (15.0, 8.0, 2.5)  # seconds before an auction's close when a burst of bids arrives
FIRST_CLOSE = 20.0  # seconds after the auctions open that the first one closes
OVER_BALANCE_SHARE = 0.06  # bids sent above the bidder's balance on purpose
THINK_SECONDS = (3.0, 10.0)  # a member's pause between two pages: 60 members load about 9 pages a second


@dataclass(frozen=True)
class Member:
    username: str
    session: str  # the session cookie's value
    api_key: str  # scope "bid"
    balance: int


@dataclass(frozen=True)
class Officer:
    username: str
    api_key: str  # scope "write"


@dataclass(frozen=True)
class Sample:
    kind: str
    status: int  # 0 when no answer came (connection refused, reset, timeout)
    ms: float
    code: str = ""  # the API's error code of a refusal, or the exception of a failure


def _session_for(user: User) -> str:
    """A signed-in session for ``user``, stored the way ``django.contrib.auth.login`` stores one."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def cast(pool: DkpPool, *, members: int, officers: int, seed: int) -> tuple[list[Member], list[Officer]]:
    """Pick the members and officers of the night and give them sessions and API keys."""
    rng = random.Random(seed)
    summaries = list(
        UserPointsSummary.objects.filter(
            pool=pool,
            balance__gt=0,
            user__is_active=True,
            user__role_group__in=GUILD_MEMBERS - {RoleGroup.OFFICER},
        )
        .select_related("user")
        .order_by("user_id")
    )
    if len(summaries) < members:
        raise BenchError(f"The pool has {len(summaries)} members with points; the load test wants {members}.")
    night = []
    for summary in rng.sample(summaries, members):
        user = summary.user
        _, secret = keys.create_api_key(owner=user, name="load test", scopes=["bid"], expires_at=None, actor=user)
        night.append(Member(user.username, _session_for(user), secret, summary.balance))
    staff = []
    for user in User.objects.filter(is_active=True, role_group=RoleGroup.OFFICER).order_by("pk")[:officers]:
        _, secret = keys.create_api_key(owner=user, name="load test", scopes=["write"], expires_at=None, actor=user)
        staff.append(Officer(user.username, secret))
    if not staff:
        raise BenchError("The guild has no active officer to run the auctions.")
    return night, staff


# --- The server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (name) state ppid ...": the name may hold spaces, so read after its closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) of one process, in MB (10^6 bytes)."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                values[name] = round(int(rest.split()[0]) * 1024 / 1e6, 1)
    except OSError:
        pass
    return values


class Server:
    """``gunicorn config.wsgi`` with gthread workers on a free loopback port, started and stopped here.

    ``embedded=True``: the embedded default's web server instead, ``manage.py runserver`` as
    ``make run`` starts it (one process, a thread per request), without its file watcher.
    """

    def __init__(
        self, *, workers: int, threads: int, log_path: Path, env: dict[str, str], embedded: bool = False
    ) -> None:
        self.workers, self.threads, self.log_path, self.env = workers, threads, log_path, env
        self.embedded = embedded
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.peak_rss: dict[int, float] = {}

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _command(self) -> list[str]:
        if self.embedded:
            return [sys.executable, "manage.py", "runserver", f"{HOST}:{self.port}", "--noreload"]
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            f"--bind={HOST}:{self.port}",
            "--worker-class=gthread",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--timeout=60",
            "--graceful-timeout=10",
            "--log-level=warning",
        ]

    def start(self) -> None:
        command = self._command()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{command[2]} stopped at start (exit {self.process.returncode}); see {self.log_path}")
            status, _, _ = request("GET", self.port, "/sign-in/", timeout=5)
            if status == 200 and (self.embedded or len(_children(self.process.pid)) >= self.workers):
                return
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"{command[2]} did not answer within 60 s; see {self.log_path}")

    def workers_memory(self) -> dict[int, dict[str, float]]:
        assert self.process is not None
        if self.embedded:  # one process serves every request
            return {self.process.pid: _memory_mb(self.process.pid)}
        return {pid: _memory_mb(pid) for pid in _children(self.process.pid)}

    def watch_memory(self, stop: threading.Event) -> None:
        while not stop.wait(1.0):
            for pid, memory in self.workers_memory().items():
                self.peak_rss[pid] = max(self.peak_rss.get(pid, 0.0), memory.get("VmHWM", 0.0))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def request(
    method: str, port: int, path: str, *, headers: dict[str, str] | None = None, body: Any = None, timeout: float = 30
) -> tuple[int, float, bytes]:
    """One request on a new connection: (status, milliseconds, body); status 0 when no answer came."""
    started = time.perf_counter()
    link = http.client.HTTPConnection(HOST, port, timeout=timeout)
    # As the proxy in front of production passes every request on (deploy/Caddyfile): said to have come
    # by HTTPS, which the production settings' SSL redirect and secure cookies expect.
    sent = {"Host": HOST, "Connection": "close", "X-Forwarded-Proto": "https", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    try:
        link.request(method, path, body=payload, headers=sent)
        response = link.getresponse()
        content = response.read()
        return response.status, (time.perf_counter() - started) * 1000, content
    except (OSError, http.client.HTTPException) as failure:
        return 0, (time.perf_counter() - started) * 1000, f"{type(failure).__name__}: {failure}".encode()
    finally:
        link.close()


# --- The night --------------------------------------------------------------------------------------


@dataclass
class Night:
    port: int
    pool_id: int
    members: list[Member]
    officers: list[Officer]
    seconds: float
    max_requests: int
    auctions: int
    seed: int
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: int = 0
    auction_ids: list[int] = field(default_factory=list)
    closed_by_officers: int = 0

    def budget_left(self) -> bool:
        with self.lock:
            if self.sent >= self.max_requests:
                return False
            self.sent += 1
            return True

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        session: str = "",
        api_key: str = "",
        body: Any = None,
        force: bool = False,
    ) -> tuple[int, bytes]:
        """Send one request and record it; ``force`` spends no budget (the officers' opens and closes)."""
        if not force and not self.budget_left():
            return -1, b""
        headers = {"Accept": "application/json" if path.startswith("/api/") else "text/html"}
        if session:
            headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        status, ms, content = request(method, self.port, path, headers=headers, body=body)
        code = ""
        if status == 0:
            code = content.decode(errors="replace")[:200]
        elif 400 <= status < 500 and path.startswith("/api/"):
            try:
                code = str(json.loads(content).get("error", ""))
            except ValueError:
                code = "not json"
        elif status >= 500:
            code = content[:200].decode(errors="replace")
        with self.lock:
            self.samples.append(Sample(kind, status, ms, code))
        return status, content


def _browse(night: Night, member: Member, rng: random.Random, stop_at: float) -> None:
    """One member reading pages until the night ends: standings, the API's standings, profiles."""
    others = [m.username for m in night.members if m.username != member.username]
    # Members arrive spread over one pause, so the night starts at its steady rate rather than with
    # all 60 first pages in the same second.
    time.sleep(rng.uniform(0, THINK_SECONDS[1]))
    while time.monotonic() < stop_at:
        choice = rng.choices(("page", "api", "own", "other"), weights=(35, 25, 25, 15))[0]
        if choice == "page":
            status, _ = night.call("standings_page", "GET", f"/?pool={night.pool_id}", session=member.session)
        elif choice == "api":
            path = f"/api/v1/pools/{night.pool_id}/standings/?page_size=50"
            status, _ = night.call("standings_api", "GET", path, session=member.session)
        else:
            whose = member.username if choice == "own" else rng.choice(others)
            status, _ = night.call("profile_page", "GET", f"/members/{whose}/", session=member.session)
        if status == -1:
            return  # the request budget is spent
        time.sleep(max(0.0, min(rng.uniform(*THINK_SECONDS), stop_at - time.monotonic())))


def _open_auctions(night: Night, minutes: int) -> None:
    officer = night.officers[0]
    for number in range(night.auctions):
        body = {"item": f"Load test loot {night.seed}-{number + 1}", "pool": night.pool_id, "minutes": minutes}
        status, content = night.call("auction_open", "POST", "/api/v1/auctions/", api_key=officer.api_key, body=body)
        if status != 201:
            raise BenchError(f"The officer could not open an auction: HTTP {status} {content[:200]!r}")
        night.auction_ids.append(int(json.loads(content)["id"]))


def _bid_plan(night: Night, close_times: list[float], rng: random.Random) -> list[tuple[float, int, Member, bool]]:
    """(when, auction, bidder, over balance on purpose) for every bid of the night, in time order."""
    plan = []
    for auction_id, closes in zip(night.auction_ids, close_times, strict=True):
        for offset in BURST_OFFSETS:
            burst_at = closes - offset + rng.uniform(-0.5, 0.5)
            for member in rng.sample(night.members, rng.randint(6, min(14, len(night.members)))):
                plan.append((burst_at + rng.uniform(0, 0.3), auction_id, member, rng.random() < OVER_BALANCE_SHARE))
    plan.sort(key=lambda item: item[0])
    return plan


def run_night(night: Night, *, minimum_bid: int, step: int) -> float:
    """Play the night against the server; returns its wall time in seconds."""
    rng = random.Random(night.seed)
    began = time.monotonic()
    stop_at = began + night.seconds
    browsers = [
        threading.Thread(target=_browse, args=(night, member, random.Random(rng.random()), stop_at), daemon=True)
        for member in night.members
    ]
    for thread in browsers:
        thread.start()
    # Auctions stay open (by their own clock) past the end of the night: the officers close them.
    _open_auctions(night, minutes=int(night.seconds // 60) + 3)
    opened = time.monotonic()
    gap = max((night.seconds - 10 - FIRST_CLOSE) / max(night.auctions - 1, 1), 1.0)
    close_times = [opened + FIRST_CLOSE + gap * index for index in range(night.auctions)]
    last_amount: dict[tuple[str, int], int] = {}
    amounts = threading.Lock()

    def bid(auction_id: int, member: Member, over: bool) -> None:
        with amounts:
            previous = last_amount.get((member.username, auction_id), minimum_bid - step)
            amount = member.balance + 50 if over else previous + step * rng.randint(1, 4)
        path = f"/api/v1/auctions/{auction_id}/bid/"
        status, _ = night.call("bid", "POST", path, api_key=member.api_key, body={"amount": amount})
        if status == 201:
            with amounts:
                last_amount[(member.username, auction_id)] = amount

    def close(auction_id: int) -> None:
        path = f"/api/v1/auctions/{auction_id}/close/"
        status, _ = night.call("auction_close", "POST", path, api_key=night.officers[-1].api_key, force=True)
        if status == 200:
            with night.lock:
                night.closed_by_officers += 1

    def watch() -> None:
        night.call("auction_list", "GET", "/api/v1/auctions/?status=open", api_key=night.officers[-1].api_key)

    events: list[tuple[float, Callable[[], None]]] = [
        (when, functools.partial(bid, auction_id, member, over))
        for when, auction_id, member, over in _bid_plan(night, close_times, rng)
    ]
    events += [
        (when, functools.partial(close, auction_id))
        for auction_id, when in zip(night.auction_ids, close_times, strict=True)
    ]
    events += [(opened + 5.0 * tick, watch) for tick in range(int(night.seconds // 5))]
    events.sort(key=lambda event: event[0])
    with ThreadPoolExecutor(max_workers=48) as pool:
        done = []
        for when, action in events:
            delay = when - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            done.append(pool.submit(action))
    for thread in browsers:
        thread.join()
    for future in done:
        future.result()  # a fault of the load test itself surfaces here instead of vanishing
    return time.monotonic() - began


def check_sign_in(night: Night) -> None:
    """Both ways in work before the night starts: a page that sees no session would still answer 200
    (the visitors' welcome), so the session and the API key are each asked who they are."""
    member = night.members[0]
    for how, credentials in (("session", {"session": member.session}), ("API key", {"api_key": member.api_key})):
        status, content = night.call("sign_in_check", "GET", "/api/v1/me/", force=True, **credentials)
        if status != 200 or json.loads(content).get("username") != member.username:
            raise BenchError(f"The server does not take the load test's {how}: HTTP {status} {content[:200]!r}")
    night.samples.clear()


def bid_storm(night: Night, *, bidders: int, bids_each: int, minimum_bid: int, step: int) -> dict[str, Any]:
    """``bidders`` members raising their bids all at once on 5 fresh auctions, through the server.

    The same step as the in-process bid measurement, but against gunicorn's workers: the figure a
    guild sees when a hot item drops. Its requests are recorded as kind ``bid_storm``; the
    auctions are closed by the officer afterwards.
    """
    need = minimum_bid + step * bids_each
    people = [member for member in night.members if member.balance >= need][:bidders]
    officer = night.officers[0]
    auctions = []
    for number in range(5):
        body = {"item": f"Load test storm {night.seed}-{number + 1}", "pool": night.pool_id, "minutes": 30}
        status, content = night.call(
            "auction_open", "POST", "/api/v1/auctions/", api_key=officer.api_key, body=body, force=True
        )
        if status != 201:
            raise BenchError(f"The officer could not open an auction: HTTP {status} {content[:200]!r}")
        auctions.append(int(json.loads(content)["id"]))
    start = threading.Barrier(len(people) + 1)

    def bidder(index: int) -> None:
        member, auction_id = people[index], auctions[index % len(auctions)]
        start.wait()
        for raise_number in range(bids_each):
            body = {"amount": minimum_bid + step * raise_number}
            path = f"/api/v1/auctions/{auction_id}/bid/"
            night.call("bid_storm", "POST", path, api_key=member.api_key, body=body, force=True)

    threads = [threading.Thread(target=bidder, args=(index,), daemon=True) for index in range(len(people))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    for auction_id in auctions:
        path = f"/api/v1/auctions/{auction_id}/close/"
        status, _ = night.call("auction_close", "POST", path, api_key=night.officers[-1].api_key, force=True)
        if status == 200:
            night.closed_by_officers += 1
    night.auction_ids += auctions
    storm = [sample for sample in night.samples if sample.kind == "bid_storm"]
    accepted = sum(1 for sample in storm if sample.status == 201)
    return {
        "bidders": len(people),
        "bids_each": bids_each,
        "auctions": len(auctions),
        "accepted": accepted,
        "refused": sum(1 for sample in storm if 400 <= sample.status < 500),
        "bids_per_second": round(accepted / wall, 1),
        "wall_seconds": round(wall, 3),
    }


def _kind_figures(samples: list[Sample]) -> dict[str, dict[str, Any]]:
    figures: dict[str, dict[str, Any]] = {}
    for kind in sorted({sample.kind for sample in samples}):
        mine = [sample for sample in samples if sample.kind == kind]
        times = [sample.ms for sample in mine]
        figures[kind] = {
            "n": len(mine),
            "p50": round(percentile(times, 50), 1),
            "p95": round(percentile(times, 95), 1),
            "p99": round(percentile(times, 99), 1),
            "max": round(max(times), 1),
            "ok": sum(1 for sample in mine if 200 <= sample.status < 400),
            "refused": sum(1 for sample in mine if 400 <= sample.status < 500),
            "errors": sum(1 for sample in mine if sample.status == 0 or sample.status >= 500),
        }
    return figures


def _server_env(secret_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secret_key,
            "DEBUG": "false",
            "DKP_DEMO": "false",
            "ALLOWED_HOSTS": HOST,
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def run_load_test(
    *,
    seconds: float = 120,
    members: int = 60,
    auctions: int = 10,
    workers: int = 3,
    threads: int = 2,
    max_requests: int = 20_000,
    storm_bidders: int = 50,
    seed: int = 1,
    log_path: Path,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """The raid night against a fresh gunicorn; the figures as a dict (``report`` reads it)."""

    secret_key = settings.SECRET_KEY
    if len(secret_key) < 32 or secret_key == getattr(settings, "PLACEHOLDER_SECRET_KEY", ""):
        # The server's production settings want a real key, and the sessions made here are signed
        # with it: the same random key on both sides.
        secret_key = secrets.token_urlsafe(50)
        settings.SECRET_KEY = secret_key
    guild = find_guild()
    night_members, officers = cast(guild.pool, members=members, officers=2, seed=seed)
    progress(f"  cast: {len(night_members)} members, {len(officers)} officers, pool {guild.pool.name}")
    server = Server(workers=workers, threads=threads, log_path=log_path, env=_server_env(secret_key))
    server.start()
    progress(f"  gunicorn on {server.base}: {workers} gthread workers x {threads} threads, production settings")
    night = Night(
        port=server.port,
        pool_id=guild.pool.pk,
        members=night_members,
        officers=officers,
        seconds=seconds,
        max_requests=max_requests,
        auctions=auctions,
        seed=seed,
    )
    minimum_bid, step = first_bid(guild.pool.auction_rules())
    watching = threading.Event()
    watcher = threading.Thread(target=server.watch_memory, args=(watching,), daemon=True)
    watcher.start()
    try:
        check_sign_in(night)
        wall = run_night(night, minimum_bid=minimum_bid, step=step)
        night_requests = len(night.samples)
        progress(f"  night over after {wall:.0f} s, {night_requests} requests; now {storm_bidders} bidders at once")
        storm = bid_storm(night, bidders=storm_bidders, bids_each=10, minimum_bid=minimum_bid, step=step)
        final_memory = server.workers_memory()
    finally:
        watching.set()
        server.stop()
    for pid, memory in final_memory.items():
        server.peak_rss[pid] = max(server.peak_rss.get(pid, 0.0), memory.get("VmHWM", 0.0))
    samples = night.samples
    errors = [sample for sample in samples if sample.status == 0 or sample.status >= 500]
    refusals: dict[str, int] = {}
    for sample in samples:
        if 400 <= sample.status < 500:
            name = f"{sample.status} {sample.code}".strip()
            refusals[name] = refusals.get(name, 0) + 1
    bids_accepted = sum(1 for sample in samples if sample.kind in ("bid", "bid_storm") and sample.status == 201)
    placed = BidHistory.objects.filter(
        auction_id__in=night.auction_ids, action__in=[BidAction.PLACED, BidAction.RAISED, BidAction.LOWERED]
    ).count()
    statuses = dict.fromkeys(AuctionStatus.values, 0)
    for status in Auction.objects.filter(pk__in=night.auction_ids).values_list("status", flat=True):
        statuses[status] += 1
    differences = summary_differences()
    result = {
        "label": "loadtest",
        "database": {"vendor": connection.vendor, "version": database_version()},
        "finished_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": round(wall, 1),
        "requests": night_requests,
        "requests_per_second": round(night_requests / wall, 1),
        "server": {
            "command": "gunicorn config.wsgi",
            "worker_class": "gthread",
            "workers": workers,
            "threads": threads,
            "settings": "config.settings.production",
        },
        "scenario": {
            "members": len(night_members),
            "officers": len(officers),
            "auctions": auctions,
            "planned_seconds": seconds,
            "think_seconds": list(THINK_SECONDS),
            "max_requests": max_requests,
            "budget_spent": night.sent >= max_requests,
        },
        "kinds": _kind_figures(samples),
        "bid_storm": storm,
        "errors": len(errors),
        "error_samples": [f"{sample.kind}: {sample.status} {sample.code}" for sample in errors[:10]],
        "refusals": dict(sorted(refusals.items())),
        "bids": {
            "sent": sum(1 for sample in samples if sample.kind in ("bid", "bid_storm")),
            "accepted": bids_accepted,
            "accepted_in_history": placed,
        },
        "auctions": {"closed_by_officers": night.closed_by_officers, **statuses},
        "worker_memory_mb": {
            "peak": max(server.peak_rss.values(), default=0.0),
            "per_worker": sorted(server.peak_rss.values()),
        },
        "reconcile_differences": len(differences),
        "reconcile_examples": [str(difference) for difference in differences[:5]],
    }
    return result


def _embedded_env(secret_key: str) -> dict[str, str]:
    """The environment ``make run`` gives its web process: the development settings on this database."""
    env = {name: value for name, value in os.environ.items() if name not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "SECRET_KEY": secret_key,
            "DKP_DEMO": "false",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def run_embedded_storm(
    *, bidders: int = 50, bids_each: int = 10, seed: int = 1, log_path: Path, progress: Callable[[str], None]
) -> dict[str, Any]:
    """The bid storm against the embedded default: ``manage.py runserver`` on this SQLite database.

    ``make run``'s web server and settings (``config.settings.dev``, DEBUG as it leaves it), no
    worker: ``bidders`` members raise their bids ``bids_each`` times each, all at once, on 5 fresh
    auctions, which an officer closes afterwards. Every request is timed from the client's side.
    """
    if connection.vendor != "sqlite":
        raise BenchError("The embedded default runs on SQLite; point DATABASE_URL at a SQLite guild.")
    secret_key = settings.SECRET_KEY
    if len(secret_key) < 32:
        secret_key = secrets.token_urlsafe(50)
        settings.SECRET_KEY = secret_key
    guild = find_guild()
    members, officers = cast(guild.pool, members=bidders + 30, officers=2, seed=seed)  # some lack the points
    server = Server(workers=1, threads=0, log_path=log_path, env=_embedded_env(secret_key), embedded=True)
    server.start()
    progress(f"  runserver on {server.base} (config.settings.dev), SQLite {database_version()}")
    night = Night(
        port=server.port,
        pool_id=guild.pool.pk,
        members=members,
        officers=officers,
        seconds=0,
        max_requests=0,
        auctions=5,
        seed=seed,
    )
    minimum_bid, step = first_bid(guild.pool.auction_rules())
    try:
        check_sign_in(night)
        storm = bid_storm(night, bidders=bidders, bids_each=bids_each, minimum_bid=minimum_bid, step=step)
        memory = server.workers_memory()
    finally:
        server.stop()
    samples = night.samples
    errors = [sample for sample in samples if sample.status == 0 or sample.status >= 500]
    differences = summary_differences()
    return {
        "label": "embedded",
        "database": {"vendor": connection.vendor, "version": database_version()},
        "finished_at": timezone.now().isoformat(timespec="seconds"),
        "server": {"command": "manage.py runserver --noreload", "settings": "config.settings.dev"},
        "kinds": _kind_figures(samples),
        "bid_storm": storm,
        "errors": len(errors),
        "error_samples": [f"{sample.kind}: {sample.status} {sample.code}" for sample in errors[:10]],
        "server_memory_mb": max((values.get("VmHWM", 0.0) for values in memory.values()), default=0.0),
        "reconcile_differences": len(differences),
        "reconcile_examples": [str(difference) for difference in differences[:5]],
    }
