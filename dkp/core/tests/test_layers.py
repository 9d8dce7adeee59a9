"""The layer contract in pyproject.toml fails when a lower layer imports a higher one.

``make lint`` runs ``lint-imports`` over the real tree. These tests run it over a copy of the tree
with one deliberate violation added, so a contract that had quietly stopped checking (a renamed
package, a layer left out, an ignore that swallows everything) would show here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _copy_tree(target: Path) -> None:
    for package in ("dkp", "config"):
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.js", "*.css", "*.txt", "static", "templates"),
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"lint-imports is not installed beside {sys.executable}; make install puts it there")
    target = tmp_path_factory.mktemp("layers")
    _copy_tree(target)
    return target


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        # An import inside a function counts: core may not reach a domain even lazily.
        ("dkp/core/roles.py", "def f():\n    from dkp.loot import services\n", "dkp.core.roles -> dkp.loot.services"),
        # The ledger knows nothing of raids.
        (
            "dkp/points/services.py",
            "from dkp.raids.models import RaidTick\n",
            "dkp.points.services -> dkp.raids.models",
        ),
        # A domain below the Discord bot may not call it.
        ("dkp/recruitment/services.py", "import dkp.bot.core\n", "dkp.recruitment.services -> dkp.bot.core"),
        # Inside a domain, a read may not call a write.
        ("dkp/loot/selectors.py", "from dkp.loot import services\n", "dkp.loot.selectors -> dkp.loot.services"),
    ],
)
def test_a_lower_layer_importing_a_higher_one_breaks_the_contract(
    tree: Path, module: str, line: str, named: str
) -> None:
    path = tree / module
    original = path.read_text()
    path.write_text(original + "\n\n" + line)
    try:
        result = _lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert named in result.stdout


def test_the_tree_as_it_is_keeps_every_contract(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout
