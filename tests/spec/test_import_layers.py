"""The import layers of pyproject.toml's [tool.importlinter], as `scripts/test` runs them:
kept by the project as it is, and broken, naming the contract and the import, by a copy of
the project with one import that runs up a layer or closes a circle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each folder holds one of the root packages the contracts name.
PACKAGE_FOLDERS = ("overlays", "generated", "spec", "emulator", "proxy")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the project at `root`, its packages found there before any other."""
    path = os.pathsep.join([str(root), *(str(root / folder) for folder in PACKAGE_FOLDERS)])
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache", "--no-logo"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in (*PACKAGE_FOLDERS, "contract_tests"):
        shutil.copytree(ROOT / folder, tmp_path / folder, symlinks=True, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, statement: str) -> None:
    """Append `statement` to `module`, as a change under review would."""
    module.write_text(module.read_text(encoding="utf-8") + f"\n{statement}\n", encoding="utf-8")


def test_the_project_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout
    assert "4 kept, 0 broken" in result.stdout


def test_the_spec_layer_importing_the_emulator_breaks_the_layers(project_copy: Path) -> None:
    add_import(project_copy / "spec/koodrive_spec/reader.py", "import koodrive_emulator.state")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "Layers: the suite and the proxy, over the emulator" in result.stdout
    assert "koodrive_spec.reader -> koodrive_emulator.state" in result.stdout


def test_the_sdk_importing_the_proxy_breaks_the_layers(project_copy: Path) -> None:
    add_import(project_copy / "overlays/koodrive/errors.py", "import koodrive_proxy.capture")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "koodrive.errors -> koodrive_proxy.capture" in result.stdout


def test_the_sdk_reading_the_spec_breaks_its_contract(project_copy: Path) -> None:
    add_import(project_copy / "overlays/koodrive/config.py", "import koodrive_spec.reader")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "The SDK reads no spec at run time" in result.stdout
    assert "koodrive.config -> koodrive_spec.reader" in result.stdout


def test_the_suite_reading_the_spec_through_the_emulator_breaks_its_contract(
    project_copy: Path,
) -> None:
    add_import(project_copy / "contract_tests/checks.py", "import koodrive_emulator.spec")
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "never the emulator's re-exports BROKEN" in result.stdout


def test_an_import_closing_a_circle_breaks_the_acyclic_contract(project_copy: Path) -> None:
    # handlers reads the state; the state reading the handlers back closes a circle.
    add_import(
        project_copy / "emulator/koodrive_emulator/state.py", "import koodrive_emulator.handlers"
    )
    result = lint_imports(project_copy)
    assert result.returncode == 1
    assert "No import circles inside any package BROKEN" in result.stdout
    assert "No cycles are allowed in koodrive_emulator" in result.stdout
