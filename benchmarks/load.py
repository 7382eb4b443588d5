"""3. The emulator under concurrent load on loopback, against the ceiling of its stack.

wrk (one thread, a fixed number of keep-alive connections) drives each target for the same
duration: the emulator's two operations, token-authenticated and HMAC-signed, and a
minimal ASGI app returning a fixed body on the same uvicorn settings (benchmarks.ceiling).
wrk is C, so on two cores it leaves the server one core of its own.

All servers run for the whole measurement and the targets take turns in rounds (ceiling,
then each operation, again and again), so each operation's share of the ceiling compares
runs a few seconds apart: the median over rounds of operation / ceiling in that round.
Each target has one uncounted turn of a second first, to warm up.

When Prism is installed (scripts/bench installs it where Node.js is), it mocks the same
openapi.yaml and takes its turn too: what a user would run instead of this emulator. It
answers the spec's example and knows no state; it reads an empty `pageCursor` as a missing
one (400), so it is sent a non-empty cursor. The emulator's listUserGroups rate against
Prism's is the median of the per-round ratios.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

from koodrive import signing
from koodrive_emulator import Credentials
from koodrive_emulator.testing import signed_headers

from benchmarks import servers

DEVICES = "/koodrive/ose/v1/backup/device"
GROUPS = "/koodrive/ose/v1/usergroups?pageSize=20&pageCursor=&sourceType=0"
PRISM_GROUPS = "/koodrive/ose/v1/usergroups?pageSize=20&pageCursor=c&sourceType=0"
CEILING = "ceiling: fixed body"
EMULATOR_GROUPS = "listUserGroups, token"
PRISM = "Prism 5 mock, listUserGroups, token"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Load:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Target:
    """One target over all rounds: medians, and its share of the ceiling round by round."""

    label: str
    rounds: list[Load]
    shares_of_ceiling: list[float]

    @property
    def requests_per_second(self) -> float:
        return statistics.median(r.requests_per_second for r in self.rounds)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.rounds)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.rounds)

    @property
    def share_of_ceiling(self) -> float:
        return statistics.median(self.shares_of_ceiling)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"wrk printed an unknown latency {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def wrk(label: str, url: str, headers: dict[str, str], *, seconds: int, connections: int) -> Load:
    executable = shutil.which("wrk")
    if executable is None:
        raise RuntimeError("wrk is not installed (scripts/bench installs it with apt-get)")
    command = [executable, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"{label}: the target answered errors under load:\n{output}")
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", output)
    p50 = re.search(r"\s50%\s+(\S+)", output)
    p99 = re.search(r"\s99%\s+(\S+)", output)
    if rate is None or p50 is None or p99 is None:
        raise RuntimeError(f"{label}: could not read wrk's output:\n{output}")
    return Load(label, float(rate[1]), _ms(p50[1]), _ms(p99[1]))


def _signed_headers(base_url: str, path_and_query: str) -> dict[str, str]:
    development = Credentials.development()
    path, _, query = path_and_query.partition("?")
    return signed_headers(
        base_url,
        path,
        query,
        user_id=development.user_id,
        x_date=datetime.now(UTC),
        app_id=development.app_id,
        app_secret=development.app_secret,
    )


def token_headers() -> dict[str, str]:
    """The development token's headers, dated now (they stay valid for the whole run)."""
    development = Credentials.development()
    return {
        "Authorization": f"Bearer {development.token}",
        "X-User-Id": development.user_id,
        "X-Date": signing.format_x_date(datetime.now(UTC)),
    }


@dataclass(frozen=True)
class Measurement:
    targets: list[Target]  # the ceiling first
    # Per round, the emulator's listUserGroups rate / Prism's; empty without Prism.
    over_prism: list[float]
    prism_missing: str | None  # why Prism was not measured

    @property
    def emulator_over_prism(self) -> float | None:
        return statistics.median(self.over_prism) if self.over_prism else None


def measure(*, rounds: int, seconds: int, connections: int = 16) -> Measurement:
    """`rounds` turns of `seconds` each per target; the ceiling comes first."""
    token = token_headers()
    prism, prism_missing = servers.prism()
    with contextlib.ExitStack() as stack:
        ceiling_url = stack.enter_context(servers.serving(servers.ceiling(), ready_path="/"))
        # The emulator as users run it: one access-log line per request (to /dev/null here).
        url = stack.enter_context(
            servers.serving(servers.emulator("--groups", "2500", log_level="info"))
        )
        targets = [
            (CEILING, ceiling_url + "/", {}),
            ("listBoundDevices, token", url + DEVICES, token),
            (EMULATOR_GROUPS, url + GROUPS, token),
            ("listUserGroups, HMAC", url + GROUPS, _signed_headers(url, GROUPS)),
        ]
        if prism is not None:
            prism_url = stack.enter_context(servers.serving(prism, ready_path="/"))
            targets.append((PRISM, prism_url + PRISM_GROUPS, token))
        runs: dict[str, list[Load]] = {label: [] for label, _, _ in targets}
        # A turn each first, not counted: Prism's JIT and every server's caches warm up.
        for label, target, headers in targets:
            wrk(label, target, headers, seconds=1, connections=connections)
        for _ in range(rounds):
            for label, target, headers in targets:
                runs[label].append(
                    wrk(label, target, headers, seconds=seconds, connections=connections)
                )
    ceiling = runs[CEILING]
    measured = [
        Target(
            label,
            loads,
            [
                load.requests_per_second / top.requests_per_second
                for load, top in zip(loads, ceiling, strict=True)
            ],
        )
        for label, loads in runs.items()
    ]
    over_prism = [
        ours.requests_per_second / theirs.requests_per_second
        for ours, theirs in zip(runs[EMULATOR_GROUPS], runs.get(PRISM, []), strict=False)
    ]
    return Measurement(measured, over_prism, prism_missing)
