"""What a batch of members answers: how it went, and which users failed.

A batch (`client.user_groups.members.add()` / `.remove()`) succeeds as a call (HTTP 200,
`code` 0) whatever its `status` says, so a failure of some users would be easy to miss:
the SDK raises `BatchMembersError` (carrying the `BatchResult`) unless the caller passes
`allow_failures=True`, and `result.raise_for_failures()` does the same later.

The answer is read as the spec's decisions allow (`info.x-koodrive-decisions`, "Batch
results"): the failed users from `failedList`, or from the 2024 `subResponseList` (its
entries' `userId`) when `failedList` is absent; ids as strings or as JSON numbers, always
returned as strings. `status` must be one of `BatchStatus`; a `status` and a failure list
that disagree (failures named under "all succeeded", none named under a failure) count
as a failure, never as a success.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx
from koodrive_client.models import BatchStatus

from .errors import APIError

__all__ = ["BatchMembersError", "BatchResult"]

# The 2024 delete page's failure list and its entries' user field (the decisions name both;
# the spec's schema has `failedList` only, so the generator cannot bake them).
LEGACY_FAILURES = "subResponseList"
LEGACY_USER_FIELD = "userId"


@dataclass(frozen=True)
class BatchResult:
    """How one batch went.

    `status` is the server's (`BatchStatus.ALL_SUCCEEDED`, `PARTLY_SUCCEEDED`,
    `ALL_FAILED`); `failed_user_ids` the users it could not change, as strings;
    `user_ids` the users the batch named, as sent (duplicates dropped). `effect` is
    "add" or "remove".
    """

    status: BatchStatus
    failed_user_ids: tuple[str, ...]
    user_ids: tuple[str, ...]
    effect: str
    operation: str = ""  # the method: "user_groups.members.add()"
    trace_id: str | None = None
    request_id: str | None = None
    headers: httpx.Headers = field(default_factory=httpx.Headers, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Every user was added (or removed): the status says so and nobody is named."""
        return self.status == BatchStatus.ALL_SUCCEEDED and not self.failed_user_ids

    @property
    def succeeded_user_ids(self) -> tuple[str, ...]:
        """The users the batch named that are not among the failed (none when it all
        failed, whatever the list says)."""
        if self.status == BatchStatus.ALL_FAILED:
            return ()
        failed = set(self.failed_user_ids)
        return tuple(user for user in self.user_ids if user not in failed)

    def raise_for_failures(self) -> BatchResult:
        """`BatchMembersError` unless every user succeeded; else this result."""
        if not self.ok:
            raise BatchMembersError(self)
        return self

    def describe(self) -> str:
        """In words: "1 of 2 users not added (status 1 PARTLY_SUCCEEDED): 42"."""
        done = "added" if self.effect == "add" else "removed"
        status = f"status {self.status.value} {self.status.name}"
        if self.ok:
            return f"{len(self.user_ids)} user(s) {done} ({status})"
        named = ", ".join(self.failed_user_ids) if self.failed_user_ids else "none named"
        failed = len(self.user_ids) if self.status == BatchStatus.ALL_FAILED else None
        count = failed if failed is not None else len(self.failed_user_ids)
        return f"{count} of {len(self.user_ids)} user(s) not {done} ({status}): {named}"


class BatchMembersError(APIError):
    """A batch some (or all) of whose users failed. The call itself succeeded (HTTP 200,
    `code` 0): `result` says which users failed (`result.failed_user_ids`) and which
    were changed; nothing is retried."""

    def __init__(self, result: BatchResult) -> None:
        label = f"{result.operation}: " if result.operation else ""
        super().__init__(f"{label}{result.describe()}", trace_id=result.trace_id)
        self.result = result
        self.status = result.status
        self.failed_user_ids = result.failed_user_ids
        self.request_id = result.request_id


class BatchAnswerError(ValueError):
    """A batch answer that cannot be read; the message says what is wrong with it."""


def read_batch_answer(
    body: object, *, status_field: str, failed_field: str
) -> tuple[BatchStatus, tuple[str, ...]]:
    """The status and the failed user ids of a batch's success body, or BatchAnswerError."""
    if not isinstance(body, Mapping):
        raise BatchAnswerError("is not a JSON object")
    raw_status = body.get(status_field)
    allowed = ", ".join(str(member.value) for member in BatchStatus)
    if isinstance(raw_status, bool) or not isinstance(raw_status, int | str):
        raise BatchAnswerError(f"has {status_field} {raw_status!r}: expected one of {allowed}")
    try:
        status = BatchStatus(int(raw_status))
    except ValueError:
        raise BatchAnswerError(
            f"has {status_field} {raw_status!r}: expected one of {allowed}"
        ) from None
    if failed_field in body:
        listed = body[failed_field]
        where = failed_field
        if not isinstance(listed, Sequence) or isinstance(listed, str):
            raise BatchAnswerError(f"has {failed_field} {listed!r}: expected an array of ids")
        ids = list(listed)
    elif LEGACY_FAILURES in body:
        entries = body[LEGACY_FAILURES]
        where = LEGACY_FAILURES
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise BatchAnswerError(f"has {LEGACY_FAILURES} {entries!r}: expected an array")
        ids = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or LEGACY_USER_FIELD not in entry:
                raise BatchAnswerError(
                    f"has {LEGACY_FAILURES}[{index}] {entry!r}: expected an object with "
                    f"{LEGACY_USER_FIELD}"
                )
            ids.append(entry[LEGACY_USER_FIELD])
    elif status == BatchStatus.ALL_SUCCEEDED:
        return status, ()
    else:
        raise BatchAnswerError(
            f"has {status_field} {status.value} but neither {failed_field} nor "
            f"{LEGACY_FAILURES}: which users failed is unknown"
        )
    failed: list[str] = []
    for index, value in enumerate(ids):
        text = id_text(value)
        if text is None:
            raise BatchAnswerError(
                f"has {where}[{index}] {value!r}: expected a user id (digits, or a number)"
            )
        if text not in failed:
            failed.append(text)
    return status, tuple(failed)


def id_text(value: object) -> str | None:
    """A user id from a JSON answer as a string: digits, or a non-negative integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return None
