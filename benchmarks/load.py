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
openapi.yaml and takes turns too, one per operation (listUserGroups and listBoundDevices):
what a user would run instead of this emulator. It answers the spec's example and knows no
state; it reads an empty `pageCursor` as a missing one (400), so it is sent a non-empty
cursor. It checks no credentials (it only requires the headers the spec marks required,
which the token headers carry), so one Prism turn per operation serves as the baseline of
both of the emulator's turns of that operation, token and HMAC: each ratio sets the
emulator's authenticated turn against Prism answering the same operation in the same
round, and the figure is the median of the per-round ratios (`OVER_PRISM`).

Writes take their turns beside the reads, on the same emulator: wrk runs a Lua script
(`write_script`) whose requests alternate a createUserGroup and a deleteUserGroup of the
group a create answered (each connection deletes a created group before it creates
another), as a second user with one group (benchmarks.writer_emulator): the user the
reads list holds 2,500 groups, more than the 200 a user may join, so it cannot create.
At most one group per connection, plus those whose answer is in flight, exists at once,
and after each turn the groups left are deleted, so the writer stays far below the limit;
any refusal (a 400 at the limit, a delete of a group that is not there) fails the run.
Write rates count both requests, a create and a delete each one request; their rate
against listUserGroups' in the same auth mode is the median of the per-round ratios. An
app-signed delete signs its path, which holds the new group's id: the ids the emulator
gives are consecutive, so before each HMAC turn the next id is read (one group created
and deleted) and the script holds a signature for each of the next ids the turn can use.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from koodrive import KooDrive, SourceType, signing
from koodrive_emulator import Credentials
from koodrive_emulator.testing import signed_headers

from benchmarks import servers
from benchmarks.writer_emulator import WRITER_TOKEN, WRITER_USER_ID

DEVICES = "/koodrive/ose/v1/backup/device"
GROUPS = "/koodrive/ose/v1/usergroups?pageSize=20&pageCursor=&sourceType=0"
PRISM_GROUPS = "/koodrive/ose/v1/usergroups?pageSize=20&pageCursor=c&sourceType=0"
CEILING = "ceiling: fixed body"
EMULATOR_DEVICES = "listBoundDevices, token"
EMULATOR_DEVICES_HMAC = "listBoundDevices, HMAC"
EMULATOR_GROUPS = "listUserGroups, token"
EMULATOR_GROUPS_HMAC = "listUserGroups, HMAC"
# The emulator's reads, each judged against its stack's ceiling.
READS = (EMULATOR_DEVICES, EMULATOR_DEVICES_HMAC, EMULATOR_GROUPS, EMULATOR_GROUPS_HMAC)
PRISM_DEVICES = "Prism 5 mock, listBoundDevices (no auth checked)"
PRISM_GROUPS_TURN = "Prism 5 mock, listUserGroups (no auth checked)"
PRISMS = (PRISM_DEVICES, PRISM_GROUPS_TURN)
# Each of the emulator's reads against Prism's turn of the same operation, in the same round.
OVER_PRISM = {
    EMULATOR_DEVICES: PRISM_DEVICES,
    EMULATOR_DEVICES_HMAC: PRISM_DEVICES,
    EMULATOR_GROUPS: PRISM_GROUPS_TURN,
    EMULATOR_GROUPS_HMAC: PRISM_GROUPS_TURN,
}
WRITES = "createUserGroup + deleteUserGroup, token"
WRITES_HMAC = "createUserGroup + deleteUserGroup, HMAC"
# Each write turn's rate against the read turn of the same auth mode, in the same round.
WRITES_AGAINST_READS = {WRITES: EMULATOR_GROUPS, WRITES_HMAC: EMULATOR_GROUPS_HMAC}
CREATE_PATH = "/koodrive/ose/v1/usergroups"
CREATE_BODY = '{"groupName":"bench write","sourceType":0}'
# Creates a second can answer at most, with a margin: how many signed deletes an HMAC write
# turn's script holds per second of the turn (this stack's ceiling is under 30,000/s).
MAX_CREATES_PER_SECOND = 20_000
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


def wrk(
    label: str,
    url: str,
    headers: dict[str, str],
    *,
    seconds: int,
    connections: int,
    script: Path | None = None,
) -> Load:
    executable = shutil.which("wrk")
    if executable is None:
        raise RuntimeError("wrk is not installed (scripts/bench installs it with apt-get)")
    command = [executable, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
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


def _lua(text: str) -> str:
    """`text` as a Lua string literal (the ASCII headers and paths this module writes)."""
    if not text.isascii():
        raise ValueError(f"not ASCII: {text!r}")
    return json.dumps(text)


def _lua_table(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in mapping.items()) + "}"


def write_script(
    create_headers: dict[str, str],
    delete_headers: dict[str, str],
    *,
    signatures: dict[str, str] | None = None,
    signature_prefix: str = "",
) -> str:
    """A wrk script: each request deletes a group a create answered, when one waits, and
    creates one otherwise. `signatures`: an app-signed delete's signature by group id (its
    `Authorization` is `signature_prefix` then the signature); an id without one is sent
    unsigned, refused, and fails the run."""
    signed = "nil" if signatures is None else _lua_table(signatures)
    return f"""-- benchmarks/load.py: createUserGroup, then deleteUserGroup of what it made
local create_headers = {_lua_table(create_headers)}
local delete_headers = {_lua_table(delete_headers)}
local signatures = {signed}
local created = {{}}
request = function()
  local id = table.remove(created)
  if id == nil then
    return wrk.format("POST", {_lua(CREATE_PATH)}, create_headers, {_lua(CREATE_BODY)})
  end
  if signatures ~= nil then
    delete_headers["Authorization"] = {_lua(signature_prefix)} .. (signatures[id] or "none")
  end
  return wrk.format("DELETE", {_lua(CREATE_PATH + "/")} .. id, delete_headers, nil)
end
response = function(status, headers, body)
  if status == 200 then
    local id = string.match(body, '"id"%s*:%s*"(%d+)"')
    if id ~= nil then table.insert(created, id) end
  end
end
"""


class _Writer:
    """The write turns' scripts, and the groups they leave deleted after each turn."""

    def __init__(self, url: str, directory: Path, *, connections: int) -> None:
        self.url = url
        self.directory = directory
        self.connections = connections
        self.client = KooDrive(base_url=url, token=WRITER_TOKEN, user_id=WRITER_USER_ID)
        self.kept = self._groups()  # the writer's own groups before any write turn
        self.most_left = 0

    def _groups(self) -> set[str]:
        return {
            group.id
            for source_type in (SourceType.GROUP, SourceType.USER_GROUP)
            for group in self.client.user_groups.list(source_type=source_type)
        }

    def _headers(self) -> dict[str, str]:
        return {
            "Host": self.url.removeprefix("http://"),
            "X-Date": signing.format_x_date(datetime.now(UTC)),
            "X-User-Id": WRITER_USER_ID,
        }

    def token_script(self, seconds: int) -> Path:
        del seconds  # a token's requests are the same whatever the id
        headers = {**self._headers(), "Authorization": f"Bearer {WRITER_TOKEN}"}
        script = write_script({**headers, "Content-Type": "application/json"}, headers)
        return self._written("token", script)

    def hmac_script(self, seconds: int) -> Path:
        development = Credentials.development()
        headers = self._headers()

        def signed(method: str, path: str, body: bytes = b"") -> signing.AppAuthorization:
            return signing.sign(
                app_id=development.app_id,
                app_secret=development.app_secret,
                method=method,
                path=path,
                query="",
                headers=headers,
                payload=body,
            )

        # The ids the emulator gives are consecutive: the next one follows this probe's.
        probe = self.client.user_groups.create(group_name="bench probe", source_type=0)
        self.client.user_groups.delete(probe)
        first = int(probe) + 1
        ids = [str(first + n) for n in range(MAX_CREATES_PER_SECOND * (seconds + 1))]
        signatures = {i: signed("DELETE", f"{CREATE_PATH}/{i}").signature for i in ids}
        create = signed("POST", CREATE_PATH, CREATE_BODY.encode()).header_value()
        prefix = signed("DELETE", f"{CREATE_PATH}/{first}").header_value()
        script = write_script(
            {**headers, "Authorization": create, "Content-Type": "application/json"},
            headers,
            signatures=signatures,
            signature_prefix=prefix.removesuffix(signatures[str(first)]),
        )
        return self._written("hmac", script)

    def _written(self, name: str, script: str) -> Path:
        path = self.directory / f"writes-{name}.lua"
        path.write_text(script, encoding="ascii")
        return path

    def clean(self) -> None:
        """Delete what the last turn created and left (its last creates' groups)."""
        left = self._groups() - self.kept
        for group_id in left:
            self.client.user_groups.delete(group_id)
        self.most_left = max(self.most_left, len(left))
        # Each connection deletes what it created before it creates again.
        if len(left) > 2 * self.connections:
            raise RuntimeError(f"a write turn left {len(left)} groups: the writes are unbounded")


@dataclass(frozen=True)
class _Turn:
    label: str
    url: str
    headers: dict[str, str]
    script: Callable[[int], Path] | None = None  # a turn's wrk script, for its seconds
    after: Callable[[], None] | None = None  # what follows each turn


@dataclass(frozen=True)
class Measurement:
    targets: list[Target]  # the ceiling first
    # Per emulator read (OVER_PRISM's keys), per round: its rate / Prism's for the same
    # operation; empty without Prism.
    over_prism: dict[str, list[float]]
    prism_missing: str | None  # why Prism was not measured
    # Per write target, per round: its rate / the rate of the reads in its auth mode.
    writes_over_reads: dict[str, list[float]]
    most_groups_left: int  # the most groups a write turn left (deleted after it)


def measure(*, rounds: int, seconds: int, connections: int = 16) -> Measurement:
    """`rounds` turns of `seconds` each per target; the ceiling comes first."""
    token = token_headers()
    prism, prism_missing = servers.prism()
    with contextlib.ExitStack() as stack:
        ceiling_url = stack.enter_context(servers.serving(servers.ceiling(), ready_path="/"))
        # The emulator as users run it: one access-log line per request (to /dev/null here),
        # with a token for the writer (a second user, who may create groups).
        url = stack.enter_context(
            servers.serving(servers.emulator_with_writer("--groups", "2500", log_level="info"))
        )
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        writer = _Writer(url, directory, connections=connections)
        stack.callback(writer.client.close)
        turns = [
            _Turn(CEILING, ceiling_url + "/", {}),
            _Turn(EMULATOR_DEVICES, url + DEVICES, token),
            _Turn(EMULATOR_DEVICES_HMAC, url + DEVICES, _signed_headers(url, DEVICES)),
            _Turn(EMULATOR_GROUPS, url + GROUPS, token),
            _Turn(EMULATOR_GROUPS_HMAC, url + GROUPS, _signed_headers(url, GROUPS)),
            _Turn(WRITES, url + CREATE_PATH, {}, writer.token_script, writer.clean),
            _Turn(WRITES_HMAC, url + CREATE_PATH, {}, writer.hmac_script, writer.clean),
        ]
        if prism is not None:
            prism_url = stack.enter_context(servers.serving(prism, ready_path="/"))
            turns.append(_Turn(PRISM_DEVICES, prism_url + DEVICES, token))
            turns.append(_Turn(PRISM_GROUPS_TURN, prism_url + PRISM_GROUPS, token))
        runs: dict[str, list[Load]] = {turn.label: [] for turn in turns}

        def take(turn: _Turn, turn_seconds: int) -> Load:
            script = turn.script(turn_seconds) if turn.script is not None else None
            load = wrk(
                turn.label,
                turn.url,
                turn.headers,
                seconds=turn_seconds,
                connections=connections,
                script=script,
            )
            if turn.after is not None:
                turn.after()
            return load

        # A turn each first, not counted: Prism's JIT and every server's caches warm up.
        for turn in turns:
            take(turn, 1)
        for _ in range(rounds):
            for turn in turns:
                runs[turn.label].append(take(turn, seconds))
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
    over_prism = {
        label: [
            ours.requests_per_second / theirs.requests_per_second
            for ours, theirs in zip(runs[label], runs[prism], strict=True)
        ]
        for label, prism in OVER_PRISM.items()
        if prism in runs
    }
    writes_over_reads = {
        label: [
            write.requests_per_second / read.requests_per_second
            for write, read in zip(runs[label], runs[reads], strict=True)
        ]
        for label, reads in WRITES_AGAINST_READS.items()
    }
    return Measurement(measured, over_prism, prism_missing, writes_over_reads, writer.most_left)
