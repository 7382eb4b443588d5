"""scripts/api-diff: the wheel's public Python API against the last release, with griffe.

Each case clones this repository, tags its HEAD as the release, changes the clone, and runs
the real gate: two wheels built, both loaded by griffe.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import api_diff
import pytest

ROOT = Path(__file__).resolve().parents[2]
VERSION = re.compile(r"(?m)^  version: (\S+)$")


def git(repository: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *arguments],
        cwd=repository,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A clone of this repository whose HEAD is tagged as its release."""
    clone = tmp_path / "clone"
    git(ROOT, "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone))
    version = VERSION.search((clone / "openapi.yaml").read_text(encoding="utf-8"))
    assert version is not None
    git(clone, "tag", f"v{version.group(1)}")
    return clone


def remove_public_name(clone: Path) -> None:
    """`koodrive.Backoff` goes: no longer imported into the package, nor in its __all__."""
    init = clone / "overlays/koodrive/__init__.py"
    text = init.read_text(encoding="utf-8")
    for line in ('    "Backoff",\n', "from .retries import Backoff\n"):
        assert line in text
        text = text.replace(line, "", 1)
    init.write_text(text, encoding="utf-8")


def test_an_unchanged_api_passes(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = api_diff.main(["--last-release", "--project", str(released)])

    out = capsys.readouterr().out
    assert status == 0, out
    assert "packages koodrive, koodrive_client, koodrive_resources" in out
    assert "0 breaking change(s) of the public Python API" in out


def test_a_removed_public_name_fails_the_gate(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remove_public_name(released)

    status = api_diff.main(["--last-release", "--project", str(released)])

    captured = capsys.readouterr()
    assert status == 1, captured.out
    assert "  breaking    koodrive.Backoff: Public object was removed" in captured.out
    assert "api-diff: FAILED: the SDK's public Python API breaks" in captured.err
    assert "Traceback" not in captured.out + captured.err


def test_a_major_bump_lets_the_removal_through(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remove_public_name(released)
    spec = released / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(VERSION.sub("  version: 99.0.0", text, count=1), encoding="utf-8")

    status = api_diff.main(["--last-release", "--project", str(released)])

    out = capsys.readouterr().out
    assert status == 0, out
    assert "koodrive.Backoff: Public object was removed" in out  # still shown


def test_without_a_release_tag_it_passes_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = tmp_path / "clone"
    git(ROOT, "clone", "--quiet", str(ROOT), str(clone))
    for tag in subprocess.run(
        ["git", "tag"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.split():
        git(clone, "tag", "--delete", tag)

    status = api_diff.main(["--last-release", "--project", str(clone)])

    assert status == 0
    assert "no release tag (v*) in this repository yet" in capsys.readouterr().out


def test_an_unknown_revision_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    status = api_diff.main(["no-such-revision"])

    assert status == 2
    assert "cannot read revision 'no-such-revision'" in capsys.readouterr().err
