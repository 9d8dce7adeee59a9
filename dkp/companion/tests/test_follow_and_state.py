"""Following a log as the client writes it, and the state that carries the place across restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dkp.companion.follow import LogFollower, fingerprint
from dkp.companion.state import State, StateFile

FIRST = b"[Thu Dec 03 20:00:00 2026] Welcome to EverQuest!\r\n"


def log_at(tmp_path: Path, data: bytes = FIRST) -> Path:
    path = tmp_path / "eqlog_Olwenna_xegony.txt"
    path.write_bytes(data)
    return path


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as log:
        log.write(data)


def test_a_first_run_starts_at_the_end_and_then_reads_each_new_line_once(tmp_path: Path) -> None:
    path = log_at(tmp_path, FIRST + b"[Thu Dec 03 20:00:01 2026] an old tell\r\n")
    follower = LogFollower(path)
    assert follower.read() == []
    append(path, b"[Thu Dec 03 20:01:00 2026] Gwendolyn tells you, 'Cloak of Flames 45'\r\n")

    lines = follower.read()

    assert [line.text for line in lines] == ["[Thu Dec 03 20:01:00 2026] Gwendolyn tells you, 'Cloak of Flames 45'"]
    follower.offset = lines[-1].end
    assert follower.read() == []


def test_a_half_written_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = log_at(tmp_path)
    follower = LogFollower(path, offset=len(FIRST), head=fingerprint(path))
    append(path, b"[Thu Dec 03 20:01:00 2026] Gwendolyn tells you, 'Cloak of")
    assert follower.read() == []
    append(path, b" Flames 45'\r\n")
    assert [line.text for line in follower.read()] == [
        "[Thu Dec 03 20:01:00 2026] Gwendolyn tells you, 'Cloak of Flames 45'"
    ]


def test_the_clients_bytes_read_as_windows_text_and_odd_bytes_do_not_stop_it(tmp_path: Path) -> None:
    path = log_at(tmp_path)
    follower = LogFollower(path, offset=len(FIRST), head=fingerprint(path))
    append(path, b"[Thu Dec 03 20:01:00 2026] Gwendolyn tells you, 'it\x92s mine\xa0now \x81'\n")
    append(path, b"\x00\xff\r\n")

    texts = [line.text for line in follower.read()]

    assert texts[0] == "[Thu Dec 03 20:01:00 2026] Gwendolyn tells you, 'it\u2019s mine\u00a0now \ufffd'"
    assert len(texts) == 2


def test_a_log_shorter_than_the_place_or_with_another_first_line_is_read_from_its_start(tmp_path: Path) -> None:
    path = log_at(tmp_path, FIRST + b"[Thu Dec 03 20:00:01 2026] line two\r\n")
    follower = LogFollower(path, offset=path.stat().st_size, head=fingerprint(path))

    # The client archived the log and began a new one under the same name.
    path.write_bytes(b"[Fri Dec 04 19:00:00 2026] Welcome to EverQuest!\r\n[Fri Dec 04 19:00:05 2026] fresh\r\n")
    rotated = [line.text for line in follower.read()]
    assert rotated[-1] == "[Fri Dec 04 19:00:05 2026] fresh"
    assert rotated[0].endswith("Welcome to EverQuest!")

    path.write_bytes(b"[Fri Dec 04 19:00:00 2026] Welcome to EverQuest!\r\n")  # truncated under the place
    follower.offset = 10_000
    assert [line.offset for line in follower.read()] == [0]


def test_a_restart_goes_on_from_the_saved_place(tmp_path: Path) -> None:
    path = log_at(tmp_path)
    append(path, b"[Thu Dec 03 20:01:00 2026] handled\r\n[Thu Dec 03 20:01:01 2026] not yet\r\n")
    handled = len(FIRST) + len(b"[Thu Dec 03 20:01:00 2026] handled\r\n")
    state_file = StateFile(tmp_path / "state" / "state.json")
    state_file.save(State(log_path=str(path), fingerprint=fingerprint(path), offset=handled))

    saved = state_file.load()
    follower = LogFollower(path, offset=saved.offset, head=saved.fingerprint)

    assert [line.text for line in follower.read()] == ["[Thu Dec 03 20:01:01 2026] not yet"]


def test_the_state_file_is_whole_or_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state_file = StateFile(tmp_path / "state.json")
    state_file.save(State(log_path="a", offset=10, announced=[3]))

    def full_disk(*_: object, **__: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr("dkp.companion.state.os.replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        state_file.save(State(log_path="a", offset=99))

    assert state_file.load() == State(log_path="a", offset=10, announced=[3])
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no half-written file left beside it


def test_an_unreadable_state_starts_as_a_first_run(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json", encoding="utf-8")
    assert StateFile(path).load() == State()
    path.write_text(json.dumps({"offset": 5, "from_a_newer_version": True}), encoding="utf-8")
    assert StateFile(path).load() == State(offset=5)
