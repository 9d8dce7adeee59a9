"""The companion's settings: the command line, then DKP_URL/DKP_API_KEY, then the TOML file; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from dkp.companion.cli import SettingsError, main, settings
from dkp.companion.commands import Words


@pytest.fixture(autouse=True)
def _own_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No settings file or state of this machine's user leaks in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def eq_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "EverQuest"
    (folder / "Logs").mkdir(parents=True)
    (folder / "Logs" / "eqlog_Olwenna_xegony.txt").write_bytes(b"[Thu Dec 03 20:00:00 2026] Welcome!\r\n")
    return folder


def test_the_command_line_wins_then_the_environment_then_the_file(tmp_path: Path) -> None:
    folder = eq_folder(tmp_path)
    config = tmp_path / "companion.toml"
    config.write_text(
        f'url = "https://file.example"\napi_key = "dkp_file"\neq_folder = "{folder.as_posix()}"\nraid = 7\n'
        '[words]\nprefix = "!loot"\nopen = ["start", "open"]\nclose = "end"\n',
        encoding="utf-8",
    )
    env = {"DKP_URL": "https://env.example"}

    chosen = settings(["--config", str(config), "--api-key", "dkp_line", "--no-ui"], env)

    assert (chosen.url, chosen.api_key, chosen.raid, chosen.ui) == ("https://env.example", "dkp_line", 7, False)
    assert chosen.log == folder / "Logs" / "eqlog_Olwenna_xegony.txt"
    assert chosen.words == Words(prefix="!loot", open=("start", "open"), close=("end",), cancel=("cancel",))
    assert chosen.state.name == "eqlog_Olwenna_xegony.state.json"


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {}, "Say where EQ DKP is: --url https://… (or DKP_URL, or url in the settings file)."),
        (
            ["--url", "dkp.example"],
            {},
            "Say where EQ DKP is: --url https://… (or DKP_URL, or url in the settings file).",
        ),
        (["--url", "https://dkp.example"], {}, "Give an officer's API key with the write scope"),
        (["--url", "https://dkp.example"], {"DKP_API_KEY": "k"}, "Say where EverQuest is (--eq-folder)"),
        (["--url", "https://dkp.example", "--character", "Zelroso"], {"DKP_API_KEY": "k"}, "No log for Zelroso in"),
        (["--url", "https://dkp.example", "--poll", "0"], {"DKP_API_KEY": "k"}, "poll is a number of seconds"),
    ],
)
def test_a_missing_or_wrong_setting_says_which(
    tmp_path: Path, argv: list[str], env: dict[str, str], message: str
) -> None:
    folder = eq_folder(tmp_path)
    if "--character" in argv or "--poll" in argv:
        argv = [*argv, "--eq-folder", str(folder)]
    with pytest.raises(SettingsError) as refused:
        settings(argv, env)
    assert str(refused.value).startswith(message)


def test_main_prints_the_setting_that_is_missing_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DKP_URL", raising=False)
    assert main([]) == 2
    assert capsys.readouterr().err.startswith("dkp-companion: Say where EQ DKP is")


def test_a_settings_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    config = tmp_path / "companion.toml"
    config.write_text("url = ", encoding="utf-8")
    with pytest.raises(SettingsError, match="is not valid TOML"):
        settings(["--config", str(config)], {})
