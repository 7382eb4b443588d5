"""A listing made up here and served to the suite's own `Walker` in place of a target:
its judgement tested page by page, without a server (the emulator's faults prove the same
checks through whole runs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from requests.structures import CaseInsensitiveDict

from contract_tests.credentials import AuthMode
from contract_tests.probing import Sent


class MadeUpListing:
    """What `Sender.send` answers: a 200 with `body(query)`, the request's headers echoed
    (its trace id, as sent). `calls`: the pages asked for so far."""

    def __init__(self) -> None:
        self.calls = 0

    def body(self, query: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def send(
        self,
        case: Any,
        mode: AuthMode,
        *,
        query: Mapping[str, Any],
        headers: Mapping[str, str] | None = None,
        **_: Any,
    ) -> Sent:
        self.calls += 1
        body = self.body(query)
        return Sent(200, CaseInsensitiveDict(dict(headers or {})), body, f"curl {dict(query)}")
