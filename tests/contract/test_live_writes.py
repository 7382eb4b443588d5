"""Live safety of the writes, proven against an emulator playing the live API
(`KOODRIVE_BASE_URL` pointed at it):

- without `--allow-writes` no write is sent (the emulator's journal) and the summary says
  which went untested;
- with it, the run leaves the state exactly as it was (`/_emulator/state` before and after);
- a run stopped midway (SIGINT) cleans up itself; one killed (SIGKILL) leaves a ledger that
  `--cleanup` works off, and after it the state is as it was;
- the guard, called as schemathesis calls it before a request, refuses a write aimed at a
  record the run did not create (the spec's example ids among them), past the budget, or
  with writes off.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from koodrive_emulator.testing import RunningEmulator
from koodrive_spec import Spec

from contract_tests.credentials import Credentials
from contract_tests.run_settings import RunSettings
from contract_tests.runner import ROOT, SPEC
from contract_tests.testing import RunSuite
from contract_tests.writes import WriteBudgetSpent, WriteRefused, Writes

OTHER_USER = "1395476983395324034"  # the emulator's second user
FAST = ("--rate-limit=", "--clock-tolerance", "0")
WRITES = [op for op, b in Spec.packaged().behaviours.items() if b.write is not None]


def state(emulator: RunningEmulator) -> Any:
    return httpx.get(emulator.url("/_emulator/state")).json()


def journal(emulator: RunningEmulator) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(emulator.url("/_emulator/requests")).json()
    return found


def test_a_live_run_without_allow_writes_sends_no_write(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    before = state(emulator)

    run = run_suite("--phases", "examples,fuzzing,stateful", "--max-examples", "3", *FAST)

    assert run.exit_code == 0, run.summary + run.output[-3000:]
    sent = journal(emulator)
    assert sent["dropped"] == 0
    assert sent["requests"]
    assert {entry["method"] for entry in sent["requests"]} <= {"GET", "OPTIONS", "TRACE"}
    assert not [e for e in sent["requests"] if e["operation"] in WRITES]
    assert "Not tested (a live target without --allow-writes: no write was sent):" in run.summary
    for operation in WRITES:
        assert f"({operation})" in run.summary
    assert state(emulator) == before


def test_a_live_run_with_allow_writes_leaves_the_state_as_it_was(
    emulator: RunningEmulator, run_suite: RunSuite
) -> None:
    before = state(emulator)

    run = run_suite("--allow-writes", "--other-user-id", OTHER_USER, "--max-examples", "5", *FAST)

    assert run.exit_code == 0, run.summary + run.output[-3000:]
    written = [e for e in journal(emulator)["requests"] if e["operation"] in WRITES]
    assert written  # it did write
    assert "removed:     all" in run.summary, run.summary
    assert "Not tested (a live target" not in run.summary
    assert state(emulator) == before


def test_the_write_budget_bounds_the_writes_sent(
    emulator: RunningEmulator, run_suite: RunSuite, tmp_path: Path
) -> None:
    before = state(emulator)

    run = run_suite(
        "--allow-writes",
        "--write-budget",
        "6",
        "--phases",
        "examples",
        *FAST,
        "--",
        "--include-operation-id",
        "createUserGroup",
        "--include-operation-id",
        "deleteUserGroup",
    )

    written = [e for e in journal(emulator)["requests"] if e["operation"] in WRITES]
    ledgers = list((tmp_path / "contract-ledger").glob("*.jsonl"))
    created = sum(path.read_text().count('"created"') for path in ledgers)
    assert len(written) <= 6 + created  # the budget, and the cleanup of what it created
    assert "writes sent: 6 of a budget of 6" in run.summary, run.summary
    assert "the write budget of 6 is spent" in run.summary, run.summary
    assert state(emulator) == before


def _runner(emulator: RunningEmulator, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    given = emulator.credentials
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
        "KOODRIVE_BASE_URL": emulator.base_url,
        "KOODRIVE_USER_ID": given.user_id,
        "KOODRIVE_TOKEN": given.token,
        "KOODRIVE_APP_ID": given.app_id,
        "KOODRIVE_APP_SECRET": given.app_secret,
        "KOODRIVE_CONTRACT_REPORTS": str(tmp_path / "reports"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "contract_tests", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_creates(ledgers: Path, count: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        created = sum(
            line.count('"created"')
            for path in ledgers.glob("*.jsonl")
            for line in path.read_text(encoding="utf-8").splitlines()
        )
        if created >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"the run created fewer than {count} records in {timeout} s")


LONG_RUN = ("--allow-writes", "--other-user-id", OTHER_USER, "--max-examples", "200", *FAST)


def test_a_run_stopped_with_sigint_removes_what_it_created(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    before = state(emulator)
    runner = _runner(emulator, tmp_path, *LONG_RUN)
    _wait_for_creates(tmp_path / "contract-ledger", 5)

    runner.send_signal(signal.SIGINT)
    output, _ = runner.communicate(timeout=120)

    assert runner.returncode == 128 + signal.SIGINT, output[-3000:]
    assert "stopped (SIGINT): removing what the run created" in output
    assert "removed:     all" in output, output[-3000:]
    assert state(emulator) == before


def test_a_run_killed_with_sigkill_is_cleaned_by_the_cleanup_command(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    before = state(emulator)
    runner = _runner(emulator, tmp_path, *LONG_RUN)
    _wait_for_creates(tmp_path / "contract-ledger", 5)

    runner.send_signal(signal.SIGKILL)
    runner.communicate(timeout=30)
    time.sleep(1)  # schemathesis dies with the runner (PR_SET_PDEATHSIG): nothing writes on
    assert state(emulator) != before  # it left records behind
    settled = state(emulator)
    time.sleep(1)
    assert state(emulator) == settled

    cleanup = _runner(emulator, tmp_path, "--cleanup", "--other-user-id", OTHER_USER, *FAST)
    output, _ = cleanup.communicate(timeout=120)

    assert cleanup.returncode == 0, output
    assert "by ledger" in output
    assert "removed" in output
    assert state(emulator) == before
    assert not list((tmp_path / "contract-ledger").glob("*.jsonl"))  # all of it worked off


def test_cleanup_removes_marked_records_no_ledger_knows_and_nothing_else(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    before = state(emulator)
    user = emulator.credentials.user_id
    emulator.backend.add_group(user, group_name="kd-0123abcd-left over", source_type=1)
    emulator.backend.add_group(user, group_name="kd is not a marker", source_type=0)
    emulator.backend.add_group(user, group_name="Xkd-0123abcd-", source_type=0)
    kept = state(emulator)

    output, _ = _runner(emulator, tmp_path, "--cleanup", *FAST).communicate(timeout=120)

    assert "by run marker: 1 removed" in output, output
    names = [g["groupName"] for u in state(emulator)["users"] for g in u["groups"]]
    assert "kd-0123abcd-left over" not in names
    assert "kd is not a marker" in names
    assert "Xkd-0123abcd-" in names
    assert len(names) == len([g for u in kept["users"] for g in u["groups"]]) - 1
    assert len(names) == len([g for u in before["users"] for g in u["groups"]]) + 2


# --- the guard, as schemathesis calls it -------------------------------------------------


@pytest.fixture
def schema() -> Any:
    return schemathesis.openapi.from_path(str(SPEC))


def _writes(emulator: RunningEmulator, tmp_path: Path, **given: Any) -> Writes:
    credentials = Credentials.from_env(
        {
            "KOODRIVE_USER_ID": emulator.credentials.user_id,
            "KOODRIVE_TOKEN": emulator.credentials.token,
            "KOODRIVE_APP_ID": emulator.credentials.app_id,
            "KOODRIVE_APP_SECRET": emulator.credentials.app_secret,
        }
    )
    settings = RunSettings(
        run_id="0123abcd",
        ledger=str(tmp_path / "ledger.jsonl"),
        base_url=emulator.base_url,
        live=True,
        **{"allow_writes": True, **given},
    )
    return Writes(Spec.from_text(SPEC.read_bytes()), credentials, settings)


def _case(schema: Any, operation_id: str, **values: Any) -> Any:
    return schema.find_operation_by_id(operation_id).Case(**values)


@pytest.mark.parametrize(
    ("operation", "values", "refusal"),
    [
        # the spec's example ids, and a record of the emulator's data no run created
        ("deleteUserGroup", {"path_parameters": {"groupId": "1407237551361847809"}}, "groupId="),
        ("deleteUserGroup", {"path_parameters": {"groupId": "1410000000000000001"}}, "groupId="),
        (
            "updateUserGroup",
            {
                "path_parameters": {"groupId": "1407237551361847809"},
                "body": {"groupName": "123", "sourceType": 0},
            },
            "groupId=",
        ),
        ("unbindDevice", {"path_parameters": {"deviceId": "1775406005920779393"}}, "deviceId="),
        # binding the example's machine code would rename that user's device
        ("bindDevice", {"body": {"machineCode": "20250911"}}, "machineCode='20250911'"),
    ],
)
def test_the_guard_refuses_a_write_aimed_at_a_record_the_run_did_not_create(
    emulator: RunningEmulator,
    tmp_path: Path,
    schema: Any,
    operation: str,
    values: dict[str, Any],
    refusal: str,
) -> None:
    before = state(emulator)
    writes = _writes(emulator, tmp_path)
    case = _case(schema, operation, **values)

    with pytest.raises(WriteRefused, match=refusal):
        writes.before_call(case)  # what the registered before_call hook runs

    assert not [e for e in emulator.requests if e.operation in WRITES]  # nothing sent
    assert state(emulator) == before
    assert writes.guard.refused == 1


def test_the_guard_lets_through_a_write_to_a_record_of_the_run_and_counts_it(
    emulator: RunningEmulator, tmp_path: Path, schema: Any
) -> None:
    writes = _writes(emulator, tmp_path, write_budget=3)
    key = writes.new_record("listUserGroups", emulator.credentials.user_id)  # spends 1
    assert key is not None
    writes.own.give_back(key)
    case = _case(schema, "deleteUserGroup", path_parameters={"groupId": key})

    writes.before_call(case)  # spends 2 (lent to this case until its answer)
    writes.own.give_back(key)  # as after_call does
    writes.before_call(case)  # spends 3
    writes.own.give_back(key)

    with pytest.raises(WriteBudgetSpent, match="the write budget of 3 is spent"):
        writes.before_call(case)
    assert writes.guard.spent == 3
    ledger = [json.loads(line) for line in (tmp_path / "ledger.jsonl").read_text().splitlines()]
    user = emulator.credentials.user_id
    assert {"created": {"listing": "listUserGroups", "key": key, "user": user}} in ledger


def test_the_guard_sends_nothing_when_writes_are_off(
    emulator: RunningEmulator, tmp_path: Path, schema: Any
) -> None:
    writes = _writes(emulator, tmp_path, allow_writes=False)
    case = _case(schema, "createUserGroup", body={"groupName": "kd-0123abcd-x", "sourceType": 0})

    with pytest.raises(WriteRefused, match="writes are off"):
        writes.before_call(case)
    assert not emulator.requests


BATCH_ADD = "batchAddGroupMembers"
STRANGER = 1395476983395324099  # a user of the tenant who did not ask to be named


@pytest.mark.parametrize(
    ("path", "body", "refusal"),
    [
        # the spec's example group and a group of the emulator's data: no run created them
        ({"groupId": "1407237551361847809"}, None, "names a group this run did not create"),
        ({"groupId": "1410000000000000001"}, None, "names a group this run did not create"),
        # the run's own group, a user who is not the run's: by the current body or the 2024 one
        (None, {"amendModRoles": [{"userId": STRANGER}]}, f"names user {STRANGER}"),
        (None, {"userIds": [str(STRANGER)]}, f"names user '{STRANGER}'"),
        # a float may be rounded by a server into someone's id
        (None, {"amendModRoles": [{"userId": float(OTHER_USER)}]}, "names user 1.3954"),
    ],
)
def test_the_guard_refuses_a_live_batch_on_a_group_or_user_not_the_runs(
    emulator: RunningEmulator,
    tmp_path: Path,
    schema: Any,
    path: dict[str, Any] | None,
    body: dict[str, Any] | None,
    refusal: str,
) -> None:
    writes = _writes(emulator, tmp_path, other_user_id=OTHER_USER)
    own = writes.new_record("listUserGroups", emulator.credentials.user_id)
    assert own is not None
    writes.own.give_back(own)
    before = state(emulator)
    case = _case(
        schema,
        BATCH_ADD,
        path_parameters=path or {"groupId": own},
        body=body or {"amendModRoles": [{"userId": int(OTHER_USER)}]},
    )

    with pytest.raises(WriteRefused, match=refusal):
        writes.before_call(case)

    assert not [e for e in emulator.requests if e.operation == BATCH_ADD]  # nothing sent
    assert state(emulator) == before


def test_a_live_batch_names_the_runs_users_only_and_goes_to_a_group_of_the_runs(
    emulator: RunningEmulator, tmp_path: Path, schema: Any
) -> None:
    writes = _writes(emulator, tmp_path, other_user_id=OTHER_USER)
    user = emulator.credentials.user_id
    case = _case(
        schema,
        BATCH_ADD,
        path_parameters={"groupId": "1407237551361847809"},
        body={
            "amendModRoles": [
                {"userId": STRANGER, "template": 7},
                {"userId": 3432423464657862424},
                {"userId": str(STRANGER)},  # a negative case's string: still a string
            ]
        },
    )

    assert writes.keep_case(case)
    writes.map_case(case)
    writes.before_call(case)  # admitted: nothing raised

    group = case.path_parameters["groupId"]
    assert writes.own.is_ours(group)
    assert case.body == {
        "amendModRoles": [
            {"userId": int(user), "template": 7},  # `template` names no user: kept
            {"userId": int(OTHER_USER)},
            {"userId": user},
        ]
    }
    assert writes.guard.spent == 2  # the group created for it, and this batch


@pytest.mark.parametrize(
    "body",
    [
        {"amendModRoles": [{"userId": 1.5e18}]},  # no float names a user exactly
        {"amendModRoles": [{"userId": 2**64}]},  # past the schema's int64
    ],
)
def test_a_live_batch_whose_users_cannot_be_the_runs_is_not_sent(
    emulator: RunningEmulator, tmp_path: Path, schema: Any, body: dict[str, Any]
) -> None:
    writes = _writes(emulator, tmp_path, other_user_id=OTHER_USER)
    case = _case(schema, BATCH_ADD, path_parameters={"groupId": "1407237551361847809"}, body=body)

    assert not writes.keep_case(case)


def test_a_live_batch_without_a_second_user_names_the_runs_own_only(
    emulator: RunningEmulator, tmp_path: Path, schema: Any
) -> None:
    writes = _writes(emulator, tmp_path)  # no --other-user-id: no made-up second user
    case = _case(
        schema,
        BATCH_ADD,
        path_parameters={"groupId": "1407237551361847809"},
        body={"amendModRoles": [{"userId": STRANGER}, {"userId": STRANGER + 1}]},
    )

    writes.map_case(case)

    user = int(emulator.credentials.user_id)
    assert case.body == {"amendModRoles": [{"userId": user}, {"userId": user}]}
