"""What the core tells of a write: that it was applied although its answer is unreadable,
that it was not retried because it may have been applied, that an earlier attempt may
have deleted what a retry found missing.

Which operation writes, what it changes and whether it is safe to repeat are facts of the
spec (`x-koodrive-behaviour`), generated into each operation (`_resource.Operation`); the
words are here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from .errors import APIError, APIStatusError, WriteAppliedError


@dataclass(frozen=True)
class Write:
    """One write operation, as its errors tell it."""

    # "create", "update" or "delete" (x-koodrive-behaviour write.effect); "add" or
    # "remove" for a batch of members (membership.effect)
    effect: str
    noun: str  # what it changes, in words: "user group"
    listing: str  # the method listing what it changes: "user_groups.list()"
    # The answer to a key that names no record: (HTTP status, service code).
    not_found: tuple[int, int | str] | None = None
    plural: bool = False  # the noun is plural: "the members WERE added"

    @property
    def done(self) -> str:
        # created, updated, deleted; added, removed
        return f"{self.effect}d" if self.effect.endswith("e") else f"{self.effect}ed"

    def applied(
        self,
        label: str,
        problem: str,
        *,
        trace_id: str | None,
        status_code: int | None,
        headers: httpx.Headers | None,
    ) -> WriteAppliedError:
        """The error for a success answer (the write WAS applied) the SDK cannot read."""
        again = (
            f"calling {label} again makes a second {self.noun}; find this one with {self.listing}"
            if self.effect == "create"
            else f"see it with {self.listing}"
        )
        status = f"HTTP {status_code}, code 0" if status_code is not None else "a success"
        return WriteAppliedError(
            f"{label}: the {self.noun} {'WERE' if self.plural else 'WAS'} {self.done} ({status}), "
            f"but the response {problem}; "
            f"not retried: {again}",
            trace_id=trace_id,
            effect=self.effect,
            status_code=status_code,
            headers=headers,
        )

    def not_retried(self, label: str) -> str:
        """Why an error that a read would retry is raised instead."""
        return (
            f"{label} is not safe to repeat and this request may have reached the server, so it "
            f"was not retried: the {self.noun} may have been {self.done}; look with "
            f"{self.listing} before calling it again"
        )

    def gone_after_retry(self, error: APIError, earlier: APIError) -> str | None:
        """For a delete whose retry is answered "not found" after an attempt whose answer
        was lost: a note saying that attempt may have deleted it; None otherwise."""
        if self.effect != "delete" or self.not_found is None:
            return None
        if not isinstance(error, APIStatusError):
            return None
        status, code = self.not_found
        if error.status_code != status or str(error.code) != str(code):
            return None
        if isinstance(earlier, APIStatusError):
            how = f"answered HTTP {earlier.status_code}"
        else:
            how = f"{type(earlier).__name__}, its answer lost"
        return (
            f"an earlier attempt of this call ({how}) may have {self.done} the {self.noun} already"
        )


def add_note(error: APIError, note: str) -> None:
    """Say more in the error's own message (its `str()`, what a log or the CLI shows)."""
    error.message = f"{error.message} ({note})"
    error.args = (error.message,)
