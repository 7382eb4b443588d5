"""`koodrive-proxy replay CAPTURE.har --target URL`: send a capture's requests again.

A recorded app-signed request is dead 15 minutes after its `X-Date`, and a capture holds no
credentials anyway (they are redacted). So each request is signed again at the moment it
is sent: a fresh `X-Date` and a signature by `KOODRIVE_APP_ID` / `KOODRIVE_APP_SECRET` for
the target's host, as the proxy does; a token request gets `KOODRIVE_TOKEN` (in the form
it was recorded with, `Bearer ` or `Bearer+`). Each answer is judged against the spec like
the proxy's, and compared with the recorded one: the status, and the `code` or
`error_code`. The exit status is 0 when every one matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from koodrive.config import APP_ID, APP_SECRET, TOKEN, AppCredentials
from koodrive.signing import ALGORITHM, query_pairs

from koodrive_proxy.capture import Exchange, Recorder
from koodrive_proxy.fixtures_from_capture import CaptureError, read_har
from koodrive_proxy.forwarding import (
    ResignError,
    app_credentials,
    base_url,
    forwarded_headers,
)
from koodrive_proxy.validation import Deviation, Validator, first_copies


@dataclass(frozen=True)
class Replayed:
    number: int  # the entry's place in the capture, from 1
    method: str
    url: str
    recorded_status: int
    status: int
    recorded_code: object
    code: object
    deviations: tuple[Deviation, ...]
    failure: str | None = None  # the target could not be reached: why

    @property
    def matches(self) -> bool:
        return (
            self.failure is None
            and self.status == self.recorded_status
            and self.code == self.recorded_code
        )


def _code(text: str) -> object:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, Mapping):
        return None
    return body.get("error_code", body.get("code"))


def _authorization(recorded: str, token: str | None) -> str:
    """A recorded (redacted) token Authorization with the real token put back."""
    if token is None:  # check_credentials has made sure there is one
        raise ResignError(f"the capture has token requests: set {TOKEN} to replay them")
    return f"Bearer+{token}" if recorded.startswith("Bearer+") else f"Bearer {token}"


def _authorization_of(entry: Mapping[str, Any]) -> str:
    request = entry.get("request") or {}
    for pair in request.get("headers") or []:
        if isinstance(pair, Mapping) and str(pair.get("name", "")).lower() == "authorization":
            return str(pair.get("value", ""))
    return ""


def replayable(entries: Sequence[Mapping[str, Any]]) -> list[tuple[int, Mapping[str, Any]]]:
    """The entries a target answered, by their place in the capture (from 1): what the proxy
    answered itself (a --strict refusal, an unreachable target) is no answer to replay."""
    return [
        (number, entry)
        for number, entry in enumerate(entries, start=1)
        if not (entry.get("_koodrive") or {}).get("answeredByProxy")
    ]


def check_credentials(
    entries: Sequence[Mapping[str, Any]], *, credentials: AppCredentials | None, token: str | None
) -> None:
    """ResignError naming what to set, before anything is sent, when some entry needs it."""
    schemes = {_authorization_of(entry).split(" ")[0].split("+")[0].lower() for entry in entries}
    if "bearer" in schemes and token is None:
        raise ResignError(f"the capture has token requests: set {TOKEN} to replay them")
    if ALGORITHM.lower() in schemes and credentials is None:
        raise ResignError(
            f"the capture has app-signed requests: set {APP_ID} and {APP_SECRET} to replay them"
        )


def replay(
    entries: Sequence[Mapping[str, Any]],
    target: str,
    *,
    credentials: AppCredentials | None,
    token: str | None,
    client: httpx.Client,
    validator: Validator | None = None,
    recorder: Recorder | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[Replayed]:
    validator = validator or Validator()
    target_url = httpx.URL(base_url(target))
    host = target_url.netloc.decode("ascii")
    chosen = replayable(entries)
    check_credentials([entry for _, entry in chosen], credentials=credentials, token=token)
    results = []
    for number, entry in chosen:
        request, response = entry.get("request") or {}, entry.get("response") or {}
        method = str(request.get("method", "GET"))
        url = urlsplit(str(request.get("url", "")))
        recorded = [
            (str(pair.get("name")), str(pair.get("value")))
            for pair in request.get("headers") or []
            if isinstance(pair, Mapping)
        ]
        authorization = next((v for n, v in recorded if n.lower() == "authorization"), "")
        if authorization.lower().startswith("bearer"):
            recorded = [
                (n, _authorization(v, token) if n.lower() == "authorization" else v)
                for n, v in recorded
            ]
        body = str((request.get("postData") or {}).get("text", "")).encode()
        headers = forwarded_headers(
            recorded,
            method=method,
            path=url.path,
            query=url.query,
            target_host=host,
            credentials=credentials,
            now=clock(),
            body=body,
            redate=True,
        )
        sent_to = str(
            target_url.copy_with(
                raw_path=(url.path + (f"?{url.query}" if url.query else "")).encode()
            )
        )
        started = clock()
        recorded_code = _code(str((response.get("content") or {}).get("text", "")))
        try:
            answer = client.request(method, sent_to, headers=headers, content=body)
        except httpx.HTTPError as error:
            failure = f"{type(error).__name__}: {error}"
            results.append(
                Replayed(
                    number, method, sent_to, int(response.get("status", 0)), 0,
                    recorded_code, None, (), failure,
                )
            )  # fmt: skip
            continue
        first = first_copies(headers)
        pairs = query_pairs(url.query)
        matched, deviations = validator.check_request(method, url.path, pairs, first, body)
        answer_headers = first_copies(answer.headers.multi_items())
        if matched is not None:
            deviations += validator.check_response(
                matched.operation, pairs, first, answer.status_code, answer_headers, answer.content
            )
        if recorder is not None:
            recorder.add(
                Exchange(
                    started,
                    method,
                    sent_to,
                    headers,
                    body,
                    answer.status_code,
                    list(answer.headers.multi_items()),
                    answer.content,
                    answer.elapsed.total_seconds() * 1000,
                    matched.operation.operation_id if matched else None,
                    tuple(deviations),
                )
            )
        results.append(
            Replayed(
                number,
                method,
                sent_to,
                int(response.get("status", 0)),
                answer.status_code,
                recorded_code,
                _code(answer.text),
                tuple(deviations),
            )
        )
    return results


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="koodrive-proxy replay",
        description="Send a capture's requests to a target again, each signed afresh.",
    )
    parser.add_argument("capture", type=Path, help="a HAR file (koodrive-proxy --capture)")
    parser.add_argument("--target", required=True, help="the base URL to replay against")
    parser.add_argument("--capture-out", type=Path, help="write the replay's own HAR here")
    parser.add_argument("--drift", type=Path, help="write the replay's drift report here")
    args = parser.parse_args(argv)
    try:
        entries = read_har(args.capture)
        credentials = app_credentials(os.environ)
        recorder = Recorder()
        with httpx.Client(timeout=30.0, trust_env=False) as client:
            results = replay(
                entries,
                args.target.rstrip("/"),
                credentials=credentials,
                token=os.environ.get(TOKEN) or None,
                client=client,
                recorder=recorder,
            )
    except (CaptureError, ResignError) as error:
        print(f"koodrive-proxy replay: error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"koodrive-proxy replay: error: --target: {error}", file=sys.stderr)
        return 2
    recorder.write(args.capture_out, args.drift)
    differing = [result for result in results if not result.matches]
    for result in differing:
        got = result.failure or f"HTTP {result.status} {result.code}"
        print(
            f"entry {result.number}: {result.method} {result.url}: recorded HTTP "
            f"{result.recorded_status} {result.recorded_code}, replayed {got}",
            file=sys.stderr,
        )
    deviations = sum(len(result.deviations) for result in results)
    skipped = len(entries) - len(results)
    print(
        f"koodrive-proxy replay: {len(results)} requests, {len(results) - len(differing)} as "
        f"recorded, {len(differing)} not; {deviations} deviations from the spec"
        + (f"; {skipped} the proxy had answered itself, not replayed" if skipped else ""),
        file=sys.stderr,
    )
    return 1 if differing else 0
