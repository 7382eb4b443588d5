"""The suite's waiting out of documented throttling (contract_tests.throttling) on its own:
which answers it waits for (read from the spec), how long, within which bounds, and what it
writes down. The suite waiting out a real emulator's throttling is
test_suite_waits_out_throttling.py."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from koodrive_spec import Spec

from contract_tests.summary import THROTTLED
from contract_tests.throttling import Answer, Throttling, documented, form_problem
from contract_tests.types import Operation

SECONDS = {"type": "integer", "minimum": 0}


def _operation() -> Operation:
    spec = Spec.packaged()
    raw = spec.operations["listUserGroups"].definition
    return cast(
        Operation,
        SimpleNamespace(
            definition=SimpleNamespace(raw=raw),
            schema=SimpleNamespace(raw_schema=spec.document),
            label="GET /koodrive/ose/v1/usergroups",
        ),
    )


def _run(
    answers: list[tuple[int, str | None]], tmp_path: Path, **bounds: float
) -> tuple[int, list[float], int, list[dict[str, object]]]:
    """Send through a Throttling whose target gives `answers` in turn: the last status, the
    waits, the calls made, and what was written down."""
    slept: list[float] = []
    calls = iter(answers)
    made = 0

    def call() -> tuple[int, str | None]:
        nonlocal made
        made += 1
        return next(calls)

    throttling = Throttling(tmp_path, sleep=slept.append, **bounds)  # type: ignore[arg-type]
    status, _ = throttling.send(
        _operation(), call, lambda got: Answer(got[0], got[1], lambda: "curl ...")
    )
    path = tmp_path / THROTTLED
    written = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return status, slept, made, written


def test_the_spec_documents_which_answers_ask_to_wait() -> None:
    assert documented(_operation()) == {429: SECONDS, 503: SECONDS}


def test_the_declared_form_of_retry_after() -> None:
    assert form_problem("1", SECONDS) is None
    assert form_problem(" 0 ", SECONDS) is None
    assert form_problem("Wed, 21 Oct 2015 07:28:00 GMT", SECONDS) == "not an integer of at least 0"
    assert form_problem("-1", SECONDS) == "not an integer of at least 0"


def test_throttling_is_waited_out_as_it_asks(tmp_path: Path) -> None:
    status, slept, made, written = _run([(429, "1"), (503, "0"), (200, None)], tmp_path)

    assert (status, slept, made) == (200, [1.0, 0.0], 3)
    assert [entry["status"] for entry in written] == [429, 503]


def test_an_answer_the_spec_does_not_document_as_throttling_is_not_waited_for(
    tmp_path: Path,
) -> None:
    assert _run([(500, "1"), (200, None)], tmp_path)[:3] == (500, [], 1)


def test_waiting_stops_after_the_last_try(tmp_path: Path) -> None:
    status, slept, made, written = _run([(429, "0")] * 10, tmp_path, tries=4)

    assert (status, len(slept), made) == (429, 3, 4)
    assert written[-1] == {
        "operation": "GET /koodrive/ose/v1/usergroups",
        "status": 429,
        "gave_up": "still throttled after 4 tries",
    }


def test_a_wait_longer_than_the_bound_is_not_waited(tmp_path: Path) -> None:
    status, slept, made, written = _run([(429, "120"), (200, None)], tmp_path, max_wait=60)

    assert (status, slept, made) == (429, [], 1)
    assert (
        written[0]["gave_up"] == "Retry-After asked for 120 s, more than the 60 s the suite waits"
    )


def test_the_run_waits_no_more_than_its_budget(tmp_path: Path) -> None:
    status, slept, _, written = _run([(429, "1")] * 3 + [(200, None)], tmp_path, budget=1.5)

    assert (status, slept) == (429, [1.0])
    assert "of waiting out throttling are spent" in str(written[-1]["gave_up"])


def test_an_http_date_is_waited_for_and_found(tmp_path: Path) -> None:
    slept: list[float] = []
    answers = iter([(429, "Wed, 21 Oct 2015 07:28:00 GMT"), (200, None)])
    throttling = Throttling(None, sleep=slept.append)

    status, _ = throttling.send(
        _operation(), lambda: next(answers), lambda got: Answer(got[0], got[1], lambda: "curl x")
    )

    assert status == 200
    assert len(slept) == 1  # the date is past: parsed, and waited for (0 s)
    found = throttling.findings("GET /koodrive/ose/v1/usergroups")
    assert found == [
        "- a 429 whose Retry-After 'Wed, 21 Oct 2015 07:28:00 GMT' is not an integer of at "
        "least 0, as the spec declares it (waited as it says, then asked again)\n    curl x"
    ]
    assert throttling.findings() == []  # each is reported once
