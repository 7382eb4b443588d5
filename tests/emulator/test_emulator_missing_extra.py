"""Without the `emulator` extra, one clear line with the fix, never an ImportError traceback.

Each case runs in a fresh interpreter in which the extra's modules cannot be imported:
`sitecustomize` (found first on PYTHONPATH) sets their `sys.modules` entries to None, as
if plain `koodrive-sdk` had been installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PYTHON = sys.executable
COMMAND = str(Path(PYTHON).with_name("koodrive-emulator"))
EXTRA = [
    "starlette",
    "uvicorn",
    "httptools",
    "yaml",
    "jinja2",
    "markdown_it",
    "jsonschema",
    "jsonschema_rs",
]
FIX = 'pip install "koodrive-sdk[emulator]"'


def run_without(
    modules: list[str], argv: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(
        f"import sys\nsys.modules.update(dict.fromkeys({modules!r}))\n", encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.mark.parametrize(
    "argv",
    [
        [COMMAND, "--port", "0"],
        [PYTHON, "-m", "koodrive_emulator.cli"],
        [PYTHON, "-c", "import koodrive_emulator"],
        [PYTHON, "-c", "from koodrive_emulator.testing import running_emulator"],
    ],
    ids=["koodrive-emulator", "python -m", "import", "import a submodule"],
)
def test_one_line_names_the_missing_extra_and_the_command(argv: list[str], tmp_path: Path) -> None:
    result = run_without(EXTRA, argv, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        "koodrive-emulator: the emulator needs the `emulator` extra, which is not installed "
        "(missing: starlette, uvicorn, httptools, pyyaml, jinja2, markdown-it-py, "
        "jsonschema, jsonschema-rs); "
        f"install it with: {FIX}\n"
    )


def test_one_missing_module_is_enough_and_named(tmp_path: Path) -> None:
    result = run_without(["markdown_it"], [COMMAND, "--port", "0"], tmp_path)
    assert result.returncode == 1
    assert "(missing: markdown-it-py)" in result.stderr
    assert FIX in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_code_that_catches_import_error_still_can(tmp_path: Path) -> None:
    probe = (
        "try:\n"
        "    import koodrive_emulator\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, error.name)\n"
        "raise SystemExit(0)\n"
    )
    result = run_without(EXTRA, [PYTHON, "-c", probe], tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "MissingExtraError starlette\n",
        "",
    )


def test_other_errors_keep_their_traceback(tmp_path: Path) -> None:
    """The one-line report is for the missing extra only, not every later error."""
    probe = (
        "try:\n"
        "    import koodrive_emulator\n"
        "except ImportError:\n"
        "    pass\n"
        "raise RuntimeError('something else')\n"
    )
    result = run_without(EXTRA, [PYTHON, "-c", probe], tmp_path)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert "RuntimeError: something else" in result.stderr


def test_with_the_extra_the_sitecustomize_changes_nothing(tmp_path: Path) -> None:
    """The harness itself: with nothing hidden, the same command works."""
    result = run_without([], [PYTHON, "-c", "import koodrive_emulator"], tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
