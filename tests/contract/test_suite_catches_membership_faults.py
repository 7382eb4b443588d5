"""Proof that each check of an offset-paged listing and of a group's members can fail: an
emulator fault breaks one promise of openapi.yaml's `x-koodrive-behaviour` (offset
`paging`, `membership`, `detail-of`, `members-only`), and the suite must fail naming the
check and the promise; the same bounded runs pass against the unbroken emulator, and leave
its state as it was.

Each run is a real, bounded schemathesis run in live mode against the test's emulator, with
`--allow-writes` and the emulator's second user as the run's second user.
"""

from __future__ import annotations

import pytest
from koodrive_emulator.testing import RunningEmulator

from contract_tests.testing import RunSuite

EXAMPLES = ("--phases", "examples", "--max-examples", "3")
COVERAGE = ("--phases", "coverage", "--max-examples", "3")
OTHER_USER = "1395476983395324034"  # the emulator's second user
WRITING = ("--allow-writes", "--clock-tolerance", "0", "--other-user-id", OTHER_USER)
MEMBERS, DETAIL, JOINED = "listUserGroupMembers", "getUserGroup", "listUserGroups"
ADD, REMOVE = "batchAddGroupMembers", "batchDeleteGroupMembers"
UPDATE, DELETE = "updateUserGroup", "deleteUserGroup"
LISTINGS = "listings_page_as_declared"

# The spec's example group (the examples phase reads it): members enough for several pages.
EXAMPLE_GROUP = "1407237551361847809"
EXTRA_MEMBERS = [f"13954769833953250{n:02d}" for n in range(6)]


@pytest.fixture(autouse=True)
def members(emulator: RunningEmulator) -> None:
    for user in EXTRA_MEMBERS:
        emulator.backend.add_user(user, name=f"Member {user[-2:]}")
        emulator.backend.put_member(EXAMPLE_GROUP, user)


CASES = [
    # fault, the operation it acts on, the operation run, phases, check, what it must say
    ("repeat-item", MEMBERS, MEMBERS, EXAMPLES, LISTINGS, "the listing repeated item"),
    ("wrong-total", MEMBERS, MEMBERS, EXAMPLES, LISTINGS, "but the listing yields"),
    ("unstable-total", MEMBERS, MEMBERS, EXAMPLES, LISTINGS, "`total` changed from"),
    ("ignore-page-size", MEMBERS, MEMBERS, EXAMPLES, LISTINGS, "more than limit="),
    ("empty-later-pages", MEMBERS, MEMBERS, EXAMPLES, LISTINGS, "is empty, but `total` is"),
    (
        "never-end",
        MEMBERS,
        MEMBERS,
        EXAMPLES,
        LISTINGS,
        "an offset at or past `total` gives an empty page",
    ),
    (
        # live, a batch names the run's users only: the one that fails removes the owner
        "batch-status-all-succeeded",
        REMOVE,
        ADD,
        EXAMPLES,
        "batch_status_as_declared",
        "comes exactly with an empty failure list",
    ),
    (
        "joined-owned-only",
        JOINED,
        ADD,
        EXAMPLES,
        "members_join_as_declared",
        "an added member lists the group among the groups they join",
    ),
    (
        "ack-without-apply",
        REMOVE,
        ADD,
        EXAMPLES,
        "members_join_as_declared",
        "a removed member no longer does",
    ),
    (
        "members-owner-only",
        MEMBERS,
        ADD,
        EXAMPLES,
        "members_listed_as_declared",
        "the members listing lists an added member",
    ),
    (
        "ack-without-apply",
        REMOVE,
        ADD,
        EXAMPLES,
        "members_listed_as_declared",
        "the members listing no longer lists a removed member",
    ),
    (
        "detail-disagrees",
        DETAIL,
        DETAIL,
        EXAMPLES,
        "detail_agrees_with_listing",
        "the two agree on the fields they share",
    ),
    *[
        (
            "members-only-not-enforced",
            operation,
            operation,
            EXAMPLES,
            "members_only_as_declared",
            "promises a non-member 400 with code 13000309 (not-found)",
        )
        for operation in (DETAIL, MEMBERS, ADD, REMOVE, UPDATE, DELETE)
    ],
]


@pytest.mark.parametrize(
    ("fault", "target", "operation", "phases", "check", "broken_promise"),
    CASES,
    ids=[f"{case[0]}:{case[1]}:{case[4]}" for case in CASES],
)
def test_a_broken_membership_promise_fails_the_suite_naming_it(
    emulator: RunningEmulator,
    run_suite: RunSuite,
    fault: str,
    target: str,
    operation: str,
    phases: tuple[str, ...],
    check: str,
    broken_promise: str,
) -> None:
    emulator.faults.add(fault, operation=target)

    run = run_suite(
        *phases,
        *WRITING,
        "--",
        "--include-operation-id",
        operation,
        "--continue-on-failure",
    )

    assert run.exit_code != 0, run.output[-3000:]
    assert f"`{check}`" in run.summary, run.summary
    assert broken_promise in run.summary, run.summary  # under "Broken promises"
    secrets = (emulator.credentials.token, emulator.credentials.app_secret)
    assert not [secret for secret in secrets if secret in run.output + run.junit + run.summary]


@pytest.mark.parametrize(
    ("operation", "phases"),
    [
        (MEMBERS, EXAMPLES),
        (MEMBERS, COVERAGE),
        (DETAIL, EXAMPLES),
        (ADD, EXAMPLES),
        (ADD, COVERAGE),
        (REMOVE, EXAMPLES),
        (DELETE, EXAMPLES),
    ],
)
def test_the_unbroken_emulator_keeps_every_membership_promise_and_its_state(
    emulator: RunningEmulator, run_suite: RunSuite, operation: str, phases: tuple[str, ...]
) -> None:
    before = emulator.backend.to_fixtures()

    run = run_suite(*phases, *WRITING, "--", "--include-operation-id", operation)

    assert run.exit_code == 0, run.summary + run.output[-3000:]
    assert "<failure" not in run.junit
    assert emulator.backend.to_fixtures() == before  # everything it created is gone
