"""``dkp-companion``: the command line, the settings and the plain (``--no-ui``) loop.

Settings come from the command line, then the environment (``DKP_URL``, ``DKP_API_KEY``), then a
TOML file (``--config``, by default ``config.toml`` in the user's config folder); see
docs/companion.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import platformdirs

from dkp.companion.api import Api
from dkp.companion.clipboard import Clipboard, SystemClipboard
from dkp.companion.commands import Words
from dkp.companion.engine import Engine, Message
from dkp.companion.state import StateFile

APP_NAME = "dkp-companion"


class SettingsError(Exception):
    """A setting missing or wrong: the sentence says which and how to give it."""


@dataclass(frozen=True)
class Settings:
    url: str
    api_key: str
    log: Path
    eq_folder: Path | None
    raid: int | None
    state: Path
    words: Words
    poll: float
    ui: bool


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=APP_NAME,
        description="The loot master's companion: EverQuest's log and folder as a door to EQ DKP.",
    )
    p.add_argument("--url", help="EQ DKP's address, e.g. https://dkp.example.org (or DKP_URL)")
    p.add_argument("--api-key", help="an officer's API key with the write scope (or DKP_API_KEY)")
    p.add_argument("--eq-folder", type=Path, help="the EverQuest folder: raid dumps, guild dumps and Logs/")
    p.add_argument("--log", type=Path, help="the log to follow (default: the newest eqlog_*.txt in Logs/)")
    p.add_argument("--character", help="follow this character's log in Logs/ (eqlog_<character>_<server>.txt)")
    p.add_argument("--raid", type=int, help="the raid night's id (default: the newest started in the last 16 hours)")
    p.add_argument("--state", type=Path, help="where the companion remembers how far it read")
    p.add_argument("--config", type=Path, help="a TOML settings file")
    p.add_argument("--poll", type=float, help="seconds between looks at the log and the folder (default 1)")
    p.add_argument("--no-ui", action="store_true", help="print what happens instead of the terminal view")
    return p


def default_config() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


def _config(path: Path | None) -> dict[str, Any]:
    chosen = path or default_config()
    try:
        with chosen.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        if path is not None:
            raise SettingsError(f"The settings file {path} does not exist.") from None
        return {}
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"The settings file {chosen} is not valid TOML: {error}.") from None


def _words(table: object) -> Words:
    if table is None:
        return Words()
    if not isinstance(table, dict):
        raise SettingsError("[words] in the settings file is a table: prefix, open, close, cancel.")
    default = Words()

    def listed(name: str, fallback: tuple[str, ...]) -> tuple[str, ...]:
        value = table.get(name)
        if value is None:
            return fallback
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            raise SettingsError(f"words.{name} is a word or a list of words.")
        return tuple(v.strip().lower() for v in values)

    prefix = table.get("prefix", default.prefix)
    if not isinstance(prefix, str) or not prefix.strip() or " " in prefix.strip():
        raise SettingsError("words.prefix is one word, like !bids.")
    return Words(
        prefix=prefix.strip(),
        open=listed("open", default.open),
        close=listed("close", default.close),
        cancel=listed("cancel", default.cancel),
    )


def find_log(eq_folder: Path | None, character: str | None) -> Path:
    if eq_folder is None:
        raise SettingsError("Say where EverQuest is (--eq-folder) or which log to follow (--log).")
    logs = eq_folder / "Logs"
    pattern = f"eqlog_{character}_*.txt" if character else "eqlog_*_*.txt"
    found = sorted(logs.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True) if logs.is_dir() else []
    if not found:
        who = f" for {character}" if character else ""
        raise SettingsError(
            f"No log{who} in {logs}. Turn logging on in EverQuest (/log on) or name the file with --log."
        )
    return found[0]


def settings(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> Settings:
    args = parser().parse_args(argv)
    env = os.environ if environ is None else environ
    config = _config(args.config)
    url = args.url or env.get("DKP_URL") or config.get("url")
    api_key = args.api_key or env.get("DKP_API_KEY") or config.get("api_key")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise SettingsError("Say where EQ DKP is: --url https://… (or DKP_URL, or url in the settings file).")
    if not isinstance(api_key, str) or not api_key.strip():
        raise SettingsError(
            "Give an officer's API key with the write scope: --api-key (or DKP_API_KEY, or api_key in the "
            "settings file). Make one on EQ DKP under API keys."
        )
    folder = args.eq_folder or (Path(config["eq_folder"]) if isinstance(config.get("eq_folder"), str) else None)
    log = args.log or (Path(config["log"]) if isinstance(config.get("log"), str) else None)
    if log is None:
        log = find_log(folder, args.character or config.get("character"))
    elif not log.is_file():
        raise SettingsError(f"The log {log} does not exist.")
    if folder is not None and not folder.is_dir():
        raise SettingsError(f"The EverQuest folder {folder} does not exist.")
    raid = args.raid if args.raid is not None else config.get("raid")
    if raid is not None and (not isinstance(raid, int) or raid < 1):
        raise SettingsError("raid is the raid night's id, a whole number.")
    poll = args.poll if args.poll is not None else config.get("poll", 1.0)
    if not isinstance(poll, int | float) or not 0.05 <= poll <= 60:
        raise SettingsError("poll is a number of seconds from 0.05 to 60.")
    state = args.state or Path(platformdirs.user_state_dir(APP_NAME, appauthor=False)) / f"{log.stem}.state.json"
    return Settings(
        url=url,
        api_key=api_key.strip(),
        log=log,
        eq_folder=folder,
        raid=raid,
        state=state,
        words=_words(config.get("words")),
        poll=float(poll),
        ui=not args.no_ui,
    )


def engine_for(chosen: Settings, clipboard: Clipboard | None = None) -> Engine:
    return Engine(
        api=Api(chosen.url, chosen.api_key),
        clipboard=clipboard or SystemClipboard(),
        state_file=StateFile(chosen.state),
        log_path=chosen.log,
        eq_folder=chosen.eq_folder,
        words=chosen.words,
        raid_id=chosen.raid,
    )


def line_of(message: Message) -> str:
    mark = {"warning": "!", "refusal": "x", "chat": "."}.get(message.level, "-")
    copied = f"\n    clipboard: {message.copied}" if message.copied else ""
    return f"{message.at:%H:%M:%S} {mark} {message.text}{copied}"


def run_plain(engine: Engine, stop: threading.Event, out: TextIO, poll: float = 1.0) -> None:
    """Follow and print until ``stop`` is set; a line typed on stdin acts (t, c ID, x ID, y)."""
    printed = 0

    def flush() -> None:
        nonlocal printed
        with engine.lock:
            fresh = engine.messages[printed:]
            printed = len(engine.messages)
        for message in fresh:
            print(line_of(message), file=out, flush=True)

    engine.start()
    flush()
    while not stop.is_set():
        engine.step()
        flush()
        stop.wait(poll)
    flush()


def _keys(engine: Engine, stop: threading.Event) -> None:
    for typed in sys.stdin:
        word, _, rest = typed.strip().partition(" ")
        if word == "q":
            stop.set()
            return
        if word == "t":
            engine.confirm_tick()
        elif word == "y":
            engine.copy_again()
        elif word in ("c", "x") and rest.strip().isdigit():
            (engine.close_auction if word == "c" else engine.cancel_auction)(int(rest))
        else:
            engine.say("warning", "Type t (confirm the tick), c ID (close), x ID (cancel), y (copy again) or q.")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        chosen = settings(argv)
    except SettingsError as error:
        print(f"{APP_NAME}: {error}", file=sys.stderr)
        return 2
    if chosen.ui:
        from dkp.companion.app import CompanionApp

        CompanionApp(chosen).run()
        return 0
    engine = engine_for(chosen)
    stop = threading.Event()
    threading.Thread(target=_keys, args=(engine, stop), daemon=True).start()
    try:
        run_plain(engine, stop, sys.stdout, chosen.poll)
    except KeyboardInterrupt:
        pass
    finally:
        engine.api.close()
    return 0
