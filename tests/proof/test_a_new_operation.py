"""The proof that one spec drives every operation: a copy of the project gets a new
operation (the vendor's listBackupRecord: cursor-paged, a required query parameter that
partitions its records, a filter) and an optional field in its spec, plus the only code a
maintainer writes by hand for it: a table for its records in the relational state, two
backend methods (one adds a record, one finds a page) and a handler. After
`scripts/regenerate`, the copy's own SDK lists it sync and async across pages, its
emulator validates and pages it from the spec, its contract suite exercises it with real
pages (and catches a fault in it), and the new field goes from a fixtures file to the SDK.
A limit changed only in the spec (listUserGroups' page size) is honoured too.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from koodrive_spec import Spec

from tests.proof import new_operation as proof

# One worker runs the whole module under pytest-xdist (--dist loadgroup, scripts/test): its
# module fixtures (the copy, its regeneration, the driver's runs: minutes) are made once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("proof")]
ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "reports", "dist", "build", "__pycache__", ".*_cache", "*.egg-info"
)


def written_by_hand(copy: Path) -> dict[str, int]:
    """The lines added to the copy by hand, per file: every file but the spec, generated/
    (scripts/regenerate writes it) and tests/, compared with this repository."""
    added: dict[str, int] = {}
    for path in sorted(copy.rglob("*")):
        relative = path.relative_to(copy)
        if not path.is_file() or path.is_symlink() or relative.parts[0] in ("generated", "tests"):
            continue
        if relative.as_posix() == "openapi.yaml" or "__pycache__" in relative.parts:
            continue
        original = ROOT / relative
        if original.exists() and original.read_bytes() == path.read_bytes():
            continue
        before = original.read_text("utf-8").splitlines() if original.exists() else []
        after = path.read_text("utf-8").splitlines()
        lines = sum(
            1 for line in difflib.ndiff(before, after) if line.startswith("+ ") and line[2:].strip()
        )
        if lines:
            added[relative.as_posix()] = lines
    return added


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("proof") / "koodrive-sdk"
    shutil.copytree(ROOT, project, symlinks=True, ignore=LEFT_OUT)
    spec_path = project / "openapi.yaml"
    spec: dict[str, Any] = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    proof.change_spec(spec)
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "utf-8")

    state = project / "emulator" / "koodrive_emulator" / "state.py"
    text = state.read_text(encoding="utf-8")
    # The new table, at the end of the state's schema (`_SCHEMA`, made on every start).
    schema_end = text.index('"""', text.index('_SCHEMA = """') + len('_SCHEMA = """'))
    text = text[:schema_end] + proof.TABLE + text[schema_end:]
    # The new methods, at the end of Backend (before its __repr__, the last in the module).
    head, marker, tail = text.rpartition("    def __repr__(self) -> str:")
    state.write_text(head + proof.BACKEND_METHODS.lstrip("\n") + "\n" + marker + tail)
    handlers = project / "emulator" / "koodrive_emulator" / "handlers.py"
    handlers.write_text(handlers.read_text(encoding="utf-8") + proof.HANDLER, encoding="utf-8")
    return project


def in_copy(copy: Path, *command: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`command` with the copy's packages first on the path (not the editable install's)."""
    paths = [copy / folder for folder in ("overlays", "generated", "spec", "emulator")]
    paths += [copy, copy / "scripts/lib"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
        "PYTHONPATH": os.pathsep.join(str(path) for path in paths),
    }
    return subprocess.run(
        command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def regenerated(copy: Path) -> Path:
    result = in_copy(copy, sys.executable, "scripts/lib/codegen.py", "regenerate")
    assert result.returncode == 0, result.stdout + result.stderr
    return copy


@pytest.fixture(scope="module")
def found(regenerated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    driver = regenerated / "tests" / "proof" / "driver.py"
    reports = tmp_path_factory.mktemp("proof-reports")
    result = in_copy(regenerated, sys.executable, str(driver), str(reports), timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    found: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return found


def test_the_hand_written_part_is_a_table_two_backend_methods_and_a_handler(copy: Path) -> None:
    added = written_by_hand(copy)
    print(f"written by hand for listBackupRecord: {added}")
    assert set(added) == {
        "emulator/koodrive_emulator/state.py",  # the table (9 lines) and two methods
        "emulator/koodrive_emulator/handlers.py",
    }
    assert sum(added.values()) <= 65


def test_regeneration_gives_the_copy_a_resource_and_a_drift_free_tree(regenerated: Path) -> None:
    resource = regenerated / "generated" / "koodrive_resources" / "backup_records.py"
    text = resource.read_text(encoding="utf-8")
    assert "def list(" in text
    assert "module_code: BackupModule | str," in text
    assert "device_id: str | None = None" in text
    assert "page_size: int = 100" in text
    check = in_copy(regenerated, sys.executable, "scripts/lib/codegen.py", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    # The copy's overlays, emulator and resources (followed from the overlays), and the
    # driver, which uses the new operation through the regenerated SDK.
    mypy = in_copy(
        regenerated,
        sys.executable,
        "-m",
        "mypy",
        "overlays",
        "emulator",
        str(regenerated / "tests" / "proof" / "driver.py"),
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


def test_the_sdk_lists_the_new_operation_sync_and_async_across_pages(
    found: dict[str, Any],
) -> None:
    seeded = found["seeded"]
    assert len(seeded) == len(proof.RECORDS)
    album = seeded[:11]  # the first eleven records seeded, in the order they were added
    assert found["sync_pages"] == [album[start : start + 2] for start in range(0, 11, 2)]
    assert found["sync_totals"] == [11] * 6
    assert found["async_pages"] == [album[0:5], album[5:10], album[10:11]]
    # The filter, through the SDK: the tablet's records only, with their optional field.
    tablet = [device == proof.TABLET for _, device, _, _ in proof.RECORDS[:11]]
    assert found["on_tablet"] == [record for record, on in zip(album, tablet, strict=True) if on]
    assert found["properties"] == [
        properties for _, device, _, properties in proof.RECORDS[:11] if device == proof.TABLET
    ]
    assert found["device_names"] == ["Magic-v5"]  # deviceInfo: the device joined to it
    assert found["statuses"] == ["NEW"]
    assert found["folder"] == seeded[11:14]  # another module: another partition
    assert found["item_type"] == "BackupRecord"  # re-exported by koodrive, with its enums
    assert found["sdk_bad_module"].startswith("module_code must be one of ")
    assert "101 (BackupModule.ALBUM)" in found["sdk_bad_module"]


def test_the_emulator_validates_the_new_operation_from_the_spec(found: dict[str, Any]) -> None:
    refused = "Verify parameters failed: "
    assert found["no_module"] == [400, refused + "moduleCode is required (100, 101 or 102)"]
    assert found["bad_module"] == [400, refused + "moduleCode must be 100, 101 or 102"]
    assert found["page_size_101"] == [400, refused + "pageSize must be an integer from 1 to 100"]
    assert found["bad_device_id"] == [
        400,
        refused + "deviceId must be text matching ^[0-9]{1,32}$",
    ]
    assert found["long_cursor"] == [400, refused + "cursor must be at most 1000 characters"]
    assert found["first_without_cursor"] == found["seeded"][:1]  # no cursor: the first page
    for bound in ("cursor_on_another_module", "cursor_on_one_device"):
        status, message = found[bound]
        assert status == 400
        assert message.startswith(refused + "cursor was issued for another user or other")


def test_a_new_field_round_trips_from_fixtures_to_the_sdk(found: dict[str, Any]) -> None:
    assert found["member_count"] == 12


def test_a_limit_changed_only_in_the_spec_is_honoured(found: dict[str, Any]) -> None:
    assert found["first_group_page"] == 150
    told = "Verify parameters failed: pageSize must be an integer from 1 to 200"
    assert found["groups_201"] == [400, told]


def test_the_contract_suite_exercises_the_new_operation_with_real_pages(
    found: dict[str, Any], regenerated: Path
) -> None:
    suite = found["suite"]
    assert suite["exit_code"] == 0, suite["summary"]
    # Every read of the copy's spec, the new one among them (a live run writes nothing
    # unless asked: the writes are counted, not sent).
    operations = Spec.from_text((regenerated / "openapi.yaml").read_bytes()).operations.values()
    reads = sum(operation.method == "GET" for operation in operations)
    assert f"operations:  {reads} tested of {len(operations)}" in suite["summary"]
    # Nothing about it "not exercised" (the coverage table may still name its gaps).
    not_exercised = suite["summary"].partition("Not exercised (")[2].partition("\n\n")[0]
    assert proof.RECORDS_PATH not in not_exercised
    broken = found["broken_suite"]
    assert broken["exit_code"] != 0, broken["summary"]
    assert "`listings_page_as_declared`" in broken["summary"]
    assert "the listing repeated item" in broken["summary"]
    assert proof.RECORDS_PATH in broken["summary"]
