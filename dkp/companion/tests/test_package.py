"""dkp-companion installs on its own: its wheel holds the companion and the parsers, nothing of the server.

The wheel is built from a copy of the files it is made of (so the build leaves nothing in the
checkout), then run from where it was unpacked by a Python that finds ``dkp`` only there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(ROOT / "companion", source / "companion", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    (source / "dkp").mkdir()
    shutil.copy(ROOT / "dkp" / "__init__.py", source / "dkp" / "__init__.py")
    for package in ("eqlog", "companion"):
        shutil.copytree(
            ROOT / "dkp" / package, source / "dkp" / package, ignore=shutil.ignore_patterns("tests", "__pycache__")
        )
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "./companion", "-w", "dist"],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (source / "dist").glob("dkp_companion-*.whl")
    return wheel


def test_the_wheel_holds_the_companion_and_the_parsers_and_runs_without_the_server(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
        archive.extractall(tmp_path / "installed")

    packages = sorted({name.rsplit("/", 1)[0] for name in names if name.endswith(".py")})
    assert packages == ["dkp", "dkp/companion", "dkp/eqlog"]
    assert "dkp-companion = dkp.companion.cli:main" in entry_points

    check = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import dkp.companion.app, dkp.companion.cli, dkp.companion.engine; "
        "print(sorted(m for m in ('django', 'rest_framework', 'celery', 'discord') if m in sys.modules)); "
        "import importlib.util; print(importlib.util.find_spec('dkp.loot'))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", check, str(tmp_path / "installed")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.splitlines() == ["[]", "None"]

    helped = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from dkp.companion.cli import main; sys.argv = ['dkp-companion', '--help']; main()",
            str(tmp_path / "installed"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: dkp-companion")
    assert "--eq-folder" in helped.stdout
