"""scripts/lib/bootstrap.sh (what scripts/contract sources first) tells a virtual environment
whose editable install reads another checkout, or one that no longer exists, and installs
again instead of letting the run die on `ModuleNotFoundError: koodrive_emulator`.

Each test makes a bare venv (no pip: a fraction of a second) and runs the script with
KOODRIVE_BOOTSTRAP_DRY_RUN=1, which says what it would do and changes nothing.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "scripts" / "lib" / "bootstrap.sh"


def _venv(where: Path, *, reads: Path) -> Path:
    """A venv installed as bootstrap.sh leaves one (its stamp current), whose editable
    install's .pth puts `reads`/emulator on the path."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=60
    )
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    (where / ".koodrive-installed").write_text(stamp + "\n", encoding="utf-8")
    (site,) = where.glob("lib/python*/site-packages")
    (site / "_koodrive_sdk.pth").write_text(f"{reads / 'emulator'}\n", encoding="utf-8")
    return where


def _bootstrap(venv: Path) -> str:
    env = {**os.environ, "KOODRIVE_VENV": str(venv), "KOODRIVE_BOOTSTRAP_DRY_RUN": "1"}
    done = subprocess.run(
        ["bash", "-c", f"source {BOOTSTRAP}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stderr


def test_a_venv_reading_a_checkout_that_is_gone_is_installed_again(tmp_path: Path) -> None:
    venv = _venv(tmp_path / "venv", reads=tmp_path / "deleted-checkout")

    said = _bootstrap(venv)

    assert said.strip() == (
        f"==> would be reinstalling into {venv}: its editable install reads a checkout that "
        f"no longer exists, not {ROOT}"
    )


def test_a_venv_reading_another_checkout_is_installed_again(tmp_path: Path) -> None:
    other = tmp_path / "other-clone"
    (other / "emulator" / "koodrive_emulator").mkdir(parents=True)
    (other / "emulator" / "koodrive_emulator" / "__init__.py").touch()
    venv = _venv(tmp_path / "venv", reads=other)

    said = _bootstrap(venv)

    assert "would be reinstalling" in said
    assert f"reads {other / 'emulator' / 'koodrive_emulator' / '__init__.py'}" in said


def test_a_venv_reading_this_checkout_is_left_alone(tmp_path: Path) -> None:
    venv = _venv(tmp_path / "venv", reads=ROOT)

    assert _bootstrap(venv).strip() == f"==> {venv} is up to date"


@pytest.mark.parametrize("stamp", ["", "an-older-pyproject"])
def test_a_venv_installed_for_another_pyproject_is_set_up_again(tmp_path: Path, stamp: str) -> None:
    venv = _venv(tmp_path / "venv", reads=ROOT)
    (venv / ".koodrive-installed").write_text(stamp, encoding="utf-8")

    assert "pyproject.toml changed since its last install" in _bootstrap(venv)
