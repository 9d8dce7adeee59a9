"""What the companion must remember across restarts, in one JSON file written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class State:
    log_path: str = ""
    fingerprint: str = ""  # of the log's first bytes: another file under the same name starts again at 0
    offset: int = -1  # byte offset of the first line not yet handled; -1: never read (start at the end)
    announced: list[int] = field(default_factory=list)  # auctions whose end is already on the clipboard
    awaiting_loot: dict[str, list[str]] = field(default_factory=dict)  # item (lower case) -> winners
    dumps_seen: dict[str, float] = field(default_factory=dict)  # dump file name -> modification time handled
    opened: dict[str, int] = field(default_factory=dict)  # a raid chat line's key -> the auction it opened


class StateFile:
    """``State`` kept in a file: a crash leaves either the old file or the new, never half of one."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> State:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return State()
        except (OSError, ValueError):
            # Unreadable (a disk fault, a hand edit): start as on a first run rather than guess.
            return State()
        known = State.__dataclass_fields__
        return State(**{key: value for key, value in data.items() if key in known})

    def save(self, state: State) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".state-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(asdict(state), out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
