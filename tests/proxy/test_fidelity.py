"""The fidelity score of two emulators, one playing the live API: alike they score 100%;
made to differ, each difference is named with both answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from koodrive_emulator.faults import FaultKind
from koodrive_emulator.testing import RunningEmulator, running_emulator
from koodrive_proxy.fidelity import Fidelity, Report, Side, cases
from koodrive_spec.reader import Spec


@pytest.fixture
def pair() -> Iterator[tuple[RunningEmulator, RunningEmulator]]:
    with running_emulator() as live, running_emulator() as emulator:
        yield live, emulator


def side(name: str, emulator: RunningEmulator) -> Side:
    found = emulator.credentials
    return Side(name, emulator.base_url, found.user_id, found.token, found.app_id, found.app_secret)


def score(pair: tuple[RunningEmulator, RunningEmulator]) -> Report:
    live, emulator = pair
    # Pages of 3: the default data's 8 groups of each kind then take three pages.
    return Fidelity(Spec.packaged(), side("live", live), side("emulator", emulator)).run(
        walk_page_size=3
    )


def test_the_cases_come_from_the_spec() -> None:
    names = {(case.operation, case.name) for case in cases(Spec.packaged())}

    assert ("listUserGroups", "pageSize=101") in names
    assert ("listUserGroups", "pageSize=0") in names
    assert ("listUserGroups", "sourceType=1") in names
    assert ("listUserGroups", "without sourceType") in names
    assert ("listUserGroups", "groupName of 129 characters") in names
    assert ("listUserGroups", "walked to the end (10 a page)") in names
    assert ("listBoundDevices", "without credentials") in names


def test_an_unmodified_pair_scores_100(pair: tuple[RunningEmulator, RunningEmulator]) -> None:
    report = score(pair)

    assert report.differences == []
    assert report.score == 100.0
    assert report.cases > 30
    assert report.aspects > 4 * report.cases * 0.9


@pytest.mark.parametrize(
    ("fault", "operation", "case", "aspect"),
    [
        (
            FaultKind.LENIENT_PARAMETERS,
            "listUserGroups",
            "listUserGroups pageSize=101 (app)",
            "status",
        ),
        (
            FaultKind.PARAMETER_ERROR_401,
            "listUserGroups",
            "listUserGroups without sourceType (token)",
            "body kind",
        ),
        (FaultKind.WRONG_TYPE, "listBoundDevices", "listBoundDevices valid (app)", "body shape"),
        (FaultKind.CODE_AS_STRING, "listBoundDevices", "listBoundDevices valid (token)", "code"),
        (
            FaultKind.NEVER_END,
            "listUserGroups",
            "listUserGroups walked to the end (3 a page) (app)",
            "paging ends",
        ),
        (
            FaultKind.REPEAT_ITEM,
            "listUserGroups",
            "listUserGroups walked to the end (3 a page) (token)",
            "paging repeats an item",
        ),
        (
            FaultKind.WRONG_TOTAL,
            "listUserGroups",
            "listUserGroups walked to the end (3 a page) (app)",
            "paging total tells the count",
        ),
    ],
)
def test_each_difference_of_a_pair_made_to_differ_is_named(
    pair: tuple[RunningEmulator, RunningEmulator],
    fault: FaultKind,
    operation: str,
    case: str,
    aspect: str,
) -> None:
    live, _ = pair
    live.faults.add(fault, operation=operation)

    report = score(pair)

    assert report.score < 100.0
    named = {(d.case, d.aspect) for d in report.differences}
    assert (case, aspect) in named, sorted(named)
    difference = next(d for d in report.differences if (d.case, d.aspect) == (case, aspect))
    assert difference.live != difference.emulator
    assert difference.live_answer.startswith("HTTP ")
    assert difference.emulator_answer.startswith("HTTP ")
    assert {d.case.split(" ")[0] for d in report.differences} == {operation}


def test_the_report_shows_both_answers(
    pair: tuple[RunningEmulator, RunningEmulator], tmp_path: Path
) -> None:
    live, emulator = pair
    live.faults.add(FaultKind.WRONG_TYPE, operation="listBoundDevices")
    found = live.credentials
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KOODRIVE_")},
        "KOODRIVE_USER_ID": found.user_id,
        "KOODRIVE_TOKEN": found.token,
        "KOODRIVE_APP_ID": found.app_id,
        "KOODRIVE_APP_SECRET": found.app_secret,
    }
    report_path = tmp_path / "fidelity.json"

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "koodrive_proxy",
            "fidelity",
            "--live",
            live.base_url,
            "--emulator",
            emulator.base_url,
            "--report",
            str(report_path),
            "--min-score",
            "99",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
        check=False,
    )

    assert done.returncode == 1, done.stderr  # under --min-score
    assert "fidelity 9" in done.stdout
    report = json.loads(report_path.read_text("utf-8"))
    assert 0 < report["score"] < 100
    shapes = [d for d in report["differences"] if d["aspect"] == "body shape"]
    assert shapes
    assert '"data": {"items"' in shapes[0]["live_answer"]
    assert '"data": [{' in shapes[0]["emulator_answer"]
    markdown = report_path.with_suffix(".md").read_text("utf-8")
    assert markdown.startswith("# Emulator fidelity")
    assert "| listBoundDevices valid (app) | body shape |" in markdown


def test_sides_without_a_shared_mode_are_refused(
    pair: tuple[RunningEmulator, RunningEmulator],
) -> None:
    live, emulator = pair
    token_only = Side("live", live.base_url, live.credentials.user_id, token=live.credentials.token)
    app_only = Side(
        "emulator",
        emulator.base_url,
        emulator.credentials.user_id,
        app_id=emulator.credentials.app_id,
        app_secret=emulator.credentials.app_secret,
    )

    with pytest.raises(ValueError, match="share no authentication mode"):
        Fidelity(Spec.packaged(), token_only, app_only).run()


def test_throttling_is_waited_out_not_scored(pair: tuple[RunningEmulator, RunningEmulator]) -> None:
    live, emulator = pair
    live.faults.throttle(retry_after=2, times=3)
    waits: list[float] = []

    report = Fidelity(
        Spec.packaged(), side("live", live), side("emulator", emulator), sleep=waits.append
    ).run(walk_page_size=3)

    assert report.score == 100.0, report.differences[:3]
    assert waits == [2.0, 2.0, 2.0]


def test_a_walk_whose_cursor_repeats_stops_at_once(
    pair: tuple[RunningEmulator, RunningEmulator],
) -> None:
    live, _ = pair
    live.faults.add(FaultKind.REPEAT_CURSOR, operation="listUserGroups")
    before = len(live.requests)

    report = score(pair)

    walked = [d for d in report.differences if d.aspect == "paging ends"]
    assert walked
    assert len(live.requests) - before < 200  # not the 500 pages a loop would have cost
