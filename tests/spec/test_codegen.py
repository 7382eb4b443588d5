"""generated/ is reproducible from the spec, and the drift check catches a stale tree.

These run the real generator (openapi-python-client), a few seconds per run.
"""

from __future__ import annotations

import filecmp
import re
import subprocess
from pathlib import Path

import codegen
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_regeneration_is_deterministic_and_matches_the_committed_tree(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    codegen.generate(codegen.SPEC, first)
    codegen.generate(codegen.SPEC, second)
    assert _tree(first) == _tree(second)
    assert _tree(first) == _tree(codegen.GENERATED)
    assert not filecmp.dircmp(first, codegen.GENERATED).diff_files


def test_check_generated_passes_on_the_committed_tree() -> None:
    result = subprocess.run(
        [str(ROOT / "scripts" / "check-generated")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches" in result.stdout


def test_check_generated_names_the_stale_files_after_a_spec_edit(tmp_path: Path) -> None:
    edited = tmp_path / "openapi.yaml"
    edited.write_text(
        codegen.SPEC.read_text(encoding="utf-8").replace("deviceName", "deviceLabel"),
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(ROOT / "scripts" / "check-generated"), "--spec", str(edited)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "generated/koodrive_client/models/bound_device_entity.py" in result.stdout
    assert "scripts/regenerate" in result.stdout


def test_check_generated_names_a_file_added_by_hand(tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    codegen.generate(codegen.SPEC, copy)
    (copy / "koodrive_client" / "models" / "hand_written.py").write_text("X = 1\n", "utf-8")
    assert codegen.stale_files(codegen.SPEC, copy) == [
        "generated/koodrive_client/models/hand_written.py"
    ]


def test_check_generated_names_a_resource_edited_by_hand(tmp_path: Path) -> None:
    copy = tmp_path / "generated"
    codegen.generate(codegen.SPEC, copy)
    with (copy / "koodrive_resources" / "devices.py").open("a", encoding="utf-8") as edited:
        edited.write("# a hand edit\n")
    assert codegen.stale_files(codegen.SPEC, copy) == ["generated/koodrive_resources/devices.py"]


def test_a_method_renamed_in_the_spec_renames_the_resources_method(tmp_path: Path) -> None:
    edited = tmp_path / "openapi.yaml"
    text = codegen.SPEC.read_text(encoding="utf-8")
    edited.write_text(
        text.replace("{resource: devices, method: list}", "{resource: devices, method: bound}"),
        encoding="utf-8",
    )
    codegen.generate(edited, tmp_path / "generated")
    resource = (tmp_path / "generated" / "koodrive_resources" / "devices.py").read_text("utf-8")
    assert "def bound(" in resource
    assert "def list(" not in resource
    assert '"devices.bound()"' in resource


@pytest.mark.parametrize(
    ("declared", "told"),
    [
        ("{resource: devices, method: List}", "x-koodrive-sdk.method must be snake_case"),
        ("{resource: 2devices, method: list}", "must be a Python identifier"),
        ("{resource: user_groups, method: list}", "both declare user_groups.list()"),
    ],
)
def test_a_facade_name_that_cannot_work_stops_the_regeneration_naming_it(
    tmp_path: Path, declared: str, told: str
) -> None:
    edited = tmp_path / "openapi.yaml"
    text = codegen.SPEC.read_text(encoding="utf-8")
    edited.write_text(text.replace("{resource: devices, method: list}", declared), "utf-8")
    with pytest.raises(codegen.GenerationError, match=re.escape(told)):
        codegen.generate(edited, tmp_path / "generated")


def test_a_spec_the_generator_rejects_is_reported_not_crashed(tmp_path: Path) -> None:
    broken = tmp_path / "openapi.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: {title: x}\npaths: 7\n", encoding="utf-8")
    with pytest.raises(codegen.GenerationError, match="openapi-python-client failed"):
        codegen.generate(broken, tmp_path / "out")
