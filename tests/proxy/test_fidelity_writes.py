"""The fidelity score's write cases: a valid body, each required field left out, a wrong
type, an enum value outside, a text past its maxLength, each read from the spec; sent to the
emulator alone unless writes are allowed for the live side, and what a create made deleted
again on each side by the write's declared key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from koodrive import KooDrive
from koodrive_emulator.faults import FaultKind
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_proxy.fidelity import Fidelity, Report, Side, cases
from koodrive_spec.reader import Spec

Pair = tuple[RunningEmulator, RunningEmulator]


@pytest.fixture
def pair() -> Iterator[Pair]:
    with running_emulator() as live, running_emulator() as emulator:
        yield live, emulator


def side(name: str, emulator: RunningEmulator) -> Side:
    found = emulator.credentials
    return Side(name, emulator.base_url, found.user_id, found.token, found.app_id, found.app_secret)


def score(pair: Pair, *, allow_writes: bool) -> Report:
    live, emulator = pair
    fidelity = Fidelity(
        Spec.packaged(), side("live", live), side("emulator", emulator), allow_writes=allow_writes
    )
    return fidelity.run(walk_page_size=3, behaviour=False)


def everything(emulator: RunningEmulator) -> tuple[object, ...]:
    sdk = KooDrive(
        base_url=emulator.base_url,
        user_id=emulator.credentials.user_id,
        token=emulator.credentials.token,
        environ={},
    )
    return (
        sdk.devices.list(),
        list(sdk.user_groups.list(source_type=0)),
        list(sdk.user_groups.list(source_type=1)),
    )


def test_the_body_cases_come_from_the_spec() -> None:
    found = {(c.operation, c.name): c for c in cases(Spec.packaged(), nonce="f00d")}

    for name in (
        "valid",
        "body without groupName",
        "body without sourceType",
        "body groupName of the wrong type",
        "body sourceType not in its list",
        "body groupName of 31 characters",
    ):
        assert found["createUserGroup", name].write
    assert found["updateUserGroup", "body top not in its list"].body is not None
    assert found["bindDevice", "body deviceName of 33 characters"].write
    assert not found["listUserGroups", "valid"].write
    # A create's valid body never names an existing record, and marks what it made.
    assert found["bindDevice", "valid"].body == (
        b'{"machineCode":"20250911_f00d","deviceName":"koodrive-fidelity-f00d",'
        b'"deviceOS":"android"}'
    )
    # An update or a delete names a record no side holds.
    assert dict(found["deleteUserGroup", "valid"].path) == {"groupId": "0000000000000000000"}


def test_by_default_writes_go_to_the_emulator_alone_and_are_undone(pair: Pair) -> None:
    live, emulator = pair
    before = everything(emulator)

    report = score(pair, allow_writes=False)

    assert [entry for entry in live.requests if entry.method != "GET"] == []
    assert report.score == 100.0
    assert report.differences == []
    told = {entry.case for entry in report.emulator_only}
    assert "createUserGroup body without groupName (app)" in told
    assert "bindDevice valid (token)" in told
    assert not any(
        difference.case.startswith("createUserGroup") for difference in report.differences
    )
    made = [line for line in report.cleanup if "createUserGroup valid" in line]
    assert len(made) == 2  # one a mode, each deleted
    assert all("on emulator" in line and ", deleted by deleteUserGroup" in line for line in made)
    assert report.left_behind == []
    assert everything(emulator) == before
    markdown = report.markdown()
    assert "## Writes sent to the emulator only" in markdown
    assert "--allow-writes" in markdown


def test_with_writes_allowed_both_sides_compare_and_are_left_as_they_were(pair: Pair) -> None:
    live, emulator = pair
    before = everything(live), everything(emulator)

    report = score(pair, allow_writes=True)

    assert report.score == 100.0, report.differences
    assert report.emulator_only == []
    assert (everything(live), everything(emulator)) == before
    assert len([line for line in report.cleanup if ", deleted by " in line]) == 8  # 2 x 2 x 2
    assert any(e.method == "POST" and e.status == 400 for e in live.requests)


def test_a_side_that_refuses_a_bad_body_otherwise_is_named(pair: Pair) -> None:
    live, _ = pair
    live.faults.add(FaultKind.PARAMETER_ERROR_401, operation="createUserGroup")

    report = score(pair, allow_writes=True)

    found = {(d.case, d.aspect): d for d in report.differences}
    difference = found["createUserGroup body sourceType not in its list (app)", "status"]
    assert (difference.live, difference.emulator) == (401, 400)
    assert ("createUserGroup body groupName of 31 characters (token)", "code") in found
    assert "sourceType must be" in difference.emulator_answer
    assert report.score < 100.0


@pytest.mark.parametrize("allow", [False, True])
def test_the_command_sends_writes_live_only_with_allow_writes(
    pair: Pair, tmp_path: Path, allow: bool
) -> None:
    live, emulator = pair
    found = live.credentials
    report_path = tmp_path / "fidelity.json"

    done = subprocess.run(
        [
            sys.executable, "-m", "koodrive_proxy", "fidelity",
            "--live", live.base_url, "--emulator", emulator.base_url,
            "--report", str(report_path), "--walk-page-size", "3",
            *(["--allow-writes"] if allow else []),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
            "KOODRIVE_USER_ID": found.user_id,
            "KOODRIVE_TOKEN": found.token,
            "KOODRIVE_APP_ID": found.app_id,
            "KOODRIVE_APP_SECRET": found.app_secret,
        },
        check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    report = json.loads(report_path.read_text("utf-8"))
    assert report["score"] == 100.0
    live_writes = [entry for entry in live.requests if entry.method != "GET"]
    assert bool(live_writes) is allow
    assert bool(report["emulator_only"]) is not allow
    assert report["left_behind"] == []
    assert "left behind" not in done.stderr


def test_a_record_a_delete_could_not_undo_is_told_as_left_behind(pair: Pair) -> None:
    live, _ = pair
    live.faults.server_error(operation="deleteUserGroup", times=1)

    report = score(pair, allow_writes=True)

    [line] = report.left_behind
    assert line.startswith("createUserGroup valid (app) on live: made ")
    assert "NOT deleted (HTTP 500" in line
    assert line in report.cleanup
