"""A sharded run (`--shard K/3`, three shards) joined by `--merge` gives the report of an
unsharded run with the same bounds: the same operations tested, the same test cases passed,
the same verdict; and a fault is caught in the shard that owns its operation.

Real, bounded schemathesis runs against one emulator (the `run_suite` fixture: live mode,
writes allowed so that every operation is in the split, no rate limit).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from koodrive_emulator.testing import RunningEmulator

from contract_tests.runner import ROOT
from contract_tests.sharding import Shard
from contract_tests.testing import RunSuite

BOUNDED = ("--max-examples", "2", "--rate-limit=", "--allow-writes", "--seed", "1")
SHARDS = 3


def merge(*folders: Path, into: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "contract_tests", "--merge", *map(str, folders)]
    return subprocess.run(
        [*command, "--reports", str(into)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def outcomes(reports: Path) -> dict[str, str]:
    """Each JUnit test case: passed, failed or errored."""
    found = {}
    for case in ElementTree.parse(reports / "junit.xml").getroot().iter("testcase"):
        outcome = "passed"
        if case.find("failure") is not None:
            outcome = "failed"
        elif case.find("error") is not None:
            outcome = "errored"
        found[case.get("name", "")] = outcome
    return found


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def covered(reports: Path, dimension: str) -> set[str]:
    return {
        f"{entry['operation']}: {key}"
        for entry in load(reports / "coverage.json")["operations"]
        for key, item in entry["items"][dimension].items()
        if item["covered"]
    }


def run_shards(run_suite: RunSuite, tmp_path: Path, *extra: str) -> list[Path]:
    folders = []
    for k in range(1, SHARDS + 1):
        folder = tmp_path / f"shard-{k}"
        run_suite(*BOUNDED, "--shard", f"{k}/{SHARDS}", "--reports", str(folder), *extra)
        folders.append(folder)
    return folders


def test_three_shards_merged_report_what_the_whole_run_reports(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    folders = run_shards(run_suite, tmp_path)
    joined = merge(*folders, into=tmp_path / "merged")
    whole = run_suite(*BOUNDED, "--reports", str(tmp_path / "whole"))
    merged, unsharded = tmp_path / "merged", tmp_path / "whole"

    assert whole.exit_code == 0, whole.output
    # The default data gives the members' keyWord filter names to judge.
    summary = (unsharded / "summary.txt").read_text()
    assert "keyWord" not in summary.partition("Not exercised (")[2], summary
    assert joined.returncode == 0, joined.stdout + joined.stderr
    assert (merged / "summary.txt").read_text().startswith("KooDrive contract suite: PASSED")
    # Each shard tested its own operations only, and together all of them.
    per_shard = [set(outcomes(folder)) - {"Stateful tests"} for folder in folders]
    assert all(per_shard)
    assert sum(map(len, per_shard)) == len(set().union(*per_shard))
    # The same test cases, with the same outcomes; the same operations tested.
    assert outcomes(merged) == outcomes(unsharded)
    for key in ("tested", "selected", "errored"):
        assert (
            load(merged / "report.json")["operations"][key]
            == load(unsharded / "report.json")["operations"][key]
        )
    assert covered(merged, "operations") == covered(unsharded, "operations")
    assert covered(merged, "statuses") >= {
        item for item in covered(unsharded, "statuses") if " 200" in item or ": 200" in item
    }
    junit = ElementTree.parse(merged / "junit.xml").getroot()
    assert junit.get("tests") == str(len(outcomes(unsharded)))
    assert junit.get("failures") == "0"


def test_a_fault_is_caught_by_the_shard_that_owns_the_operation_and_fails_the_merge(
    emulator: RunningEmulator, run_suite: RunSuite, tmp_path: Path
) -> None:
    operation = "listBoundDevices"
    emulator.faults.missing_field(operation=operation)
    operations = load_spec_operations()
    owner = next(
        k for k in range(1, SHARDS + 1) if operation in Shard(k, SHARDS).operations(operations)
    )

    folders = run_shards(run_suite, tmp_path, "--phases", "examples")
    joined = merge(*folders, into=tmp_path / "merged")

    label = "GET /koodrive/ose/v1/backup/device"
    assert outcomes(folders[owner - 1])[label] == "failed"
    assert [label in outcomes(folder) for folder in folders].count(True) == 1
    assert "Response violates schema" in (folders[owner - 1] / "summary.txt").read_text()
    # A shard none of whose operations reads devices passes (bindDevice's own checks read
    # the broken listing, so its shard fails too: as in an unsharded run).
    untouched = [
        k
        for k in range(1, SHARDS + 1)
        if not any("Device" in op for op in Shard(k, SHARDS).operations(operations))
    ]
    assert untouched
    for k in untouched:
        assert load(folders[k - 1] / "run.json")["verdict"] == 0
    assert joined.returncode != 0
    summary = (tmp_path / "merged" / "summary.txt").read_text()
    assert summary.startswith("KooDrive contract suite: FAILED")
    assert "Response violates schema" in summary
    assert outcomes(tmp_path / "merged")[label] == "failed"


def test_a_merge_missing_a_shard_fails(run_suite: RunSuite, tmp_path: Path) -> None:
    first = tmp_path / "shard-1"
    run = run_suite(
        "--max-examples", "1", "--rate-limit=", "--phases", "examples", "--shard", "1/3",
        "--reports", str(first),
    )  # fmt: skip
    assert run.exit_code == 0, run.output

    joined = merge(first, into=tmp_path / "merged")

    assert joined.returncode != 0
    assert "Shards missing from the merge: 2/3, 3/3" in joined.stdout


def load_spec_operations() -> list[str]:
    from koodrive_spec import Spec

    from contract_tests.runner import SPEC

    return sorted(op.operation_id for op in Spec.from_text(SPEC.read_bytes()).operations.values())
