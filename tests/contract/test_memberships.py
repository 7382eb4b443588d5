"""The batch status check's judgement, on answers made up here: the status values come
from the spec's enum (`x-enum-varnames`), never from the test."""

from __future__ import annotations

import pytest
from koodrive_spec import Spec
from koodrive_spec.behaviour import Membership

from contract_tests.memberships import status_problems


def _membership() -> Membership:
    found = Spec.packaged().behaviours["batchAddGroupMembers"].membership
    assert found is not None, "batchAddGroupMembers declares its membership"
    return found


MEMBERSHIP = _membership()
STATUSES = MEMBERSHIP.statuses
A, B = "1395476983395324033", "1395476983395324034"


def answer(status: int, failed: list[str]) -> dict[str, object]:
    return {"code": 0, "msg": "OK", MEMBERSHIP.status: status, MEMBERSHIP.failed: failed}


@pytest.mark.parametrize(
    ("status", "failed"),
    [
        (STATUSES.all_succeeded, []),
        (STATUSES.partly_succeeded, [B]),
        (STATUSES.all_failed, [A, B]),
    ],
)
def test_a_status_that_agrees_with_the_failures_passes(status: int, failed: list[str]) -> None:
    assert status_problems(MEMBERSHIP, [int(A), int(B)], answer(status, failed), "batch") == []


@pytest.mark.parametrize(
    ("status", "failed", "said"),
    [
        (STATUSES.all_succeeded, [B], "comes exactly with an empty failure list"),
        (STATUSES.partly_succeeded, [], "comes exactly with an empty failure list"),
        (STATUSES.partly_succeeded, [A, B], "names every user the batch named"),
        (STATUSES.all_failed, [B], "names every user the batch named"),
    ],
)
def test_a_status_that_contradicts_the_failures_is_a_broken_promise(
    status: int, failed: list[str], said: str
) -> None:
    found = status_problems(MEMBERSHIP, [int(A), int(B)], answer(status, failed), "batch")

    assert any(said in problem for problem in found), found


def test_a_user_named_twice_counts_once() -> None:
    found = status_problems(MEMBERSHIP, [int(A), A], answer(STATUSES.all_failed, [A]), "batch")

    assert found == []
