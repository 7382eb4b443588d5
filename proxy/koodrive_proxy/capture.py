"""What the proxy saw, kept: each exchange as a HAR 1.2 entry, redacted, and the drift
report that sums up its deviations.

The HAR is what browsers' developer tools, WireMock's importer and `koodrive-proxy
fixtures` read. Credentials never reach it: `Authorization` keeps its scheme (and an app
signature its AppId and SignedHeaders) with the token or signature masked, as
`koodrive.signing.redacted_authorization` does for the SDK's logs; cookies and proxy
credentials are masked whole. Each entry adds, under `_koodrive`, the operation and the
deviations found, so that a capture read later still says what was wrong.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from koodrive.signing import REDACTED, redacted_header

from koodrive_proxy.validation import Deviation

MAX_EXAMPLES_PER_KIND = 20  # the drift report shows this many of each kind; it counts all
MAX_ENTRIES = 10_000  # the capture keeps the last this many exchanges (--max-entries)


def redacted(
    headers: Iterable[tuple[str, str]], secrets: Collection[str] = ()
) -> list[dict[str, str]]:
    """Headers as HAR name/value pairs, credentials masked (`koodrive.signing.redacted_header`,
    and any value that is one of `secrets` whole)."""
    return [
        {
            "name": name,
            "value": redacted_header(name, value, secrets),
        }
        for name, value in headers
    ]


@dataclass(frozen=True)
class Exchange:
    """One request through the proxy and the answer it got (or made, in `--strict`)."""

    started: datetime
    method: str
    url: str  # the target's URL, with the query
    request_headers: Sequence[tuple[str, str]]  # as sent to the target (re-signed)
    request_body: bytes
    status: int
    response_headers: Sequence[tuple[str, str]]
    response_body: bytes
    elapsed_ms: float
    operation: str | None
    deviations: Sequence[Deviation] = field(default_factory=tuple)
    answered_by_proxy: bool = False  # --strict refused it, or the target was unreachable

    def har_entry(self, secrets: Collection[str] = ()) -> dict[str, Any]:
        """The HAR entry, credentials masked; a query value that is one of `secrets` too,
        and the bodies of an exchange that matched no operation are not kept (what else
        goes through the same host, a login say, is not the proxy's to keep)."""
        base, _, query = self.url.partition("?")
        pairs = [
            (name, REDACTED if value in secrets else value)
            for name, value in parse_qsl(query, keep_blank_values=True)
        ]
        if any(value in secrets for _, value in parse_qsl(query, keep_blank_values=True)):
            query = urlencode(pairs)  # rewritten only when a secret had to go
        url = f"{base}?{query}" if query else base
        content_type = next(
            (v for n, v in self.response_headers if n.lower() == "content-type"), ""
        )
        kept = self.operation is not None
        request: dict[str, Any] = {
            "method": self.method,
            "url": url,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": redacted(self.request_headers, secrets),
            "queryString": [{"name": name, "value": value} for name, value in pairs],
            "headersSize": -1,
            "bodySize": len(self.request_body),
        }
        if self.request_body and kept:
            request["postData"] = {
                "mimeType": next(
                    (v for n, v in self.request_headers if n.lower() == "content-type"), ""
                ),
                "text": _text(self.request_body, secrets),
            }
        try:
            reason = HTTPStatus(self.status).phrase
        except ValueError:
            reason = ""
        return {
            "startedDateTime": self.started.isoformat(timespec="milliseconds"),
            "time": round(self.elapsed_ms, 3),
            "request": request,
            "response": {
                "status": self.status,
                "statusText": reason,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": redacted(self.response_headers, secrets),
                "content": {
                    "size": len(self.response_body),
                    "mimeType": content_type,
                    "text": _text(self.response_body, secrets) if kept else "",
                    **({} if kept else {"comment": "not kept: no operation of the spec"}),
                },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": len(self.response_body),
            },
            "cache": {},
            "timings": {"send": 0, "wait": round(self.elapsed_ms, 3), "receive": 0},
            "_koodrive": {
                "operationId": self.operation,
                "answeredByProxy": self.answered_by_proxy,
                "deviations": [deviation.to_json() for deviation in self.deviations],
            },
        }


class Recorder:
    """Every exchange's HAR entry (the last `max_entries`) and the drift counts of all of
    them; thread-safe. `write()` saves both, each file replaced whole (never half-written)."""

    def __init__(
        self,
        *,
        max_entries: int = MAX_ENTRIES,
        creator: str = "koodrive-proxy",
        secrets: Collection[str] = (),
    ) -> None:
        """`secrets`: values never to keep wherever they appear (the proxy's app secret)."""
        self._secrets = frozenset(secret for secret in secrets if secret)
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._max_entries = max_entries
        self._dropped = 0
        self._creator = creator
        self.exchanges = 0
        self.by_kind: Counter[str] = Counter()
        self.by_operation: Counter[str] = Counter()
        self._examples: dict[str, list[dict[str, Any]]] = {}

    def add(self, exchange: Exchange) -> None:
        entry = exchange.har_entry(self._secrets)
        with self._lock:
            self.exchanges += 1
            self._entries.append(entry)
            if len(self._entries) > self._max_entries:
                del self._entries[0]
                self._dropped += 1
            for deviation in exchange.deviations:
                self.by_kind[deviation.kind.value] += 1
                self.by_operation[deviation.operation or "(no operation)"] += 1
                examples = self._examples.setdefault(deviation.kind.value, [])
                if len(examples) < MAX_EXAMPLES_PER_KIND:
                    examples.append(
                        {
                            **deviation.to_json(),
                            "exchange": self.exchanges,
                            "request": f"{exchange.method} {exchange.url}",
                            "status": exchange.status,
                            "response": entry["response"]["content"]["text"][:500],
                        }
                    )

    def har(self) -> dict[str, Any]:
        with self._lock:
            entries = list(self._entries)
            dropped = self._dropped
        return {
            "log": {
                "version": "1.2",
                "creator": {"name": self._creator, "version": _version()},
                "entries": entries,
                "comment": f"{dropped} earlier entries dropped (--max-entries)" if dropped else "",
            }
        }

    def drift(self) -> dict[str, Any]:
        with self._lock:
            deviations = sum(self.by_kind.values())
            return {
                "exchanges": self.exchanges,
                "deviations": deviations,
                "by_kind": dict(self.by_kind.most_common()),
                "by_operation": dict(self.by_operation.most_common()),
                "examples": {kind: list(found) for kind, found in self._examples.items()},
            }

    def write(self, har: Path | None, drift: Path | None) -> None:
        if har is not None:
            _replace(har, json.dumps(self.har(), indent=1, ensure_ascii=False))
        if drift is not None:
            _replace(drift, json.dumps(self.drift(), indent=2, ensure_ascii=False))
            _replace(drift.with_suffix(".md"), drift_markdown(self.drift()))


def drift_markdown(drift: dict[str, Any]) -> str:
    """The drift report for people: counts by kind and operation, then examples."""
    lines = [
        "# Drift report",
        "",
        f"{drift['exchanges']} exchanges, {drift['deviations']} deviations from openapi.yaml.",
        "",
    ]
    if drift["by_kind"]:
        lines += ["| deviation | count |", "|---|---|"]
        lines += [f"| {kind} | {count} |" for kind, count in drift["by_kind"].items()]
        lines += ["", "| operation | deviations |", "|---|---|"]
        lines += [f"| {op} | {count} |" for op, count in drift["by_operation"].items()]
        for kind, examples in drift["examples"].items():
            lines += ["", f"## {kind}", ""]
            for example in examples:
                lines.append(
                    f"- exchange {example['exchange']}: {example['request']} -> "
                    f"HTTP {example['status']}: {example['message']}"
                )
    else:
        lines.append("No deviations.")
    return "\n".join(lines) + "\n"


def _text(body: bytes, secrets: Collection[str]) -> str:
    text = body.decode("utf-8", errors="replace")
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _replace(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    Path(temporary).replace(path)


def _version() -> str:
    from koodrive import __version__

    return __version__
