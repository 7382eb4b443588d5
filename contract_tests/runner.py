"""`python -m contract_tests` (what `scripts/contract` runs): the main job.

Picks the target, runs schemathesis against openapi.yaml with the suite's configuration,
writes the reports and prints the summary; exits non-zero on any failure.

- Default target: an emulator started for the run on a free loopback port, stopped after.
- `KOODRIVE_BASE_URL` set: that API (the live one), with credentials from `KOODRIVE_*`
  variables, read-only unless `--allow-writes`, rate-limited and with fewer examples by
  default.

A run that may write records what it creates in a ledger (`reports/contract-ledger/<run
id>.jsonl`) as it happens, and deletes it all at the end, on failure, on Ctrl-C and on
SIGTERM; `--cleanup` removes what a killed run left (by ledger, then by the run marker).

Every knob is a flag with an environment variable behind it (flags win); arguments after
`--` go to `schemathesis run` unchanged (e.g. `-- --include-operation-id listUserGroups`).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from koodrive_spec import Spec, SpecError, behaviour

from contract_tests import credentials as env_names
from contract_tests import records
from contract_tests.credentials import Credentials, CredentialsError
from contract_tests.request_auth import REQUEST_DATE
from contract_tests.run_settings import (
    CLOCK_TOLERANCE,
    LIVE_CLOCK_TOLERANCE,
    OTHER_USER_ID,
    REPORTS_VARIABLE,
    RunSettings,
)
from contract_tests.sharding import SHARD_VARIABLE, WHOLE, Shard, ShardError
from contract_tests.summary import PHASES as ALL_PHASES
from contract_tests.summary import REPORTS_WRITTEN, RUN_FILE, RunFacts, render

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
CONFIG = Path(__file__).resolve().with_name("schemathesis.toml")

BASE_URL = "KOODRIVE_BASE_URL"
MAX_EXAMPLES = "KOODRIVE_CONTRACT_MAX_EXAMPLES"
RATE_LIMIT = "KOODRIVE_CONTRACT_RATE_LIMIT"
PHASES = "KOODRIVE_CONTRACT_PHASES"
SEED = "KOODRIVE_CONTRACT_SEED"
ALLOW_WRITES = "KOODRIVE_CONTRACT_ALLOW_WRITES"
WRITE_BUDGET = "KOODRIVE_CONTRACT_WRITE_BUDGET"
SHARD = SHARD_VARIABLE
REPORTS = REPORTS_VARIABLE

# The safe methods of RFC 9110 (and QUERY): the only ones a read-only run calls.
SAFE_METHODS = frozenset({"get", "head", "options", "trace", "query"})
# A live run that may write sends at most this many writes (its own checks' and cleanup's
# included); the emulator started for a run has no budget.
LIVE_WRITE_BUDGET = 1000
# The emulator started for a run: its user joins this many groups fewer than the spec's
# limit per owner, so that the run's creates are never refused for the limit.
LIMIT_HEADROOM = 40
# The created records the summary names, per listing (the ledger has them all).
SHOWN_KEYS = 8
# Seconds a stopped schemathesis gets to end before it is killed.
STOP_GRACE = 10

# Against the emulator: thorough and fast. Against a live API: gentle.
EMULATOR_MAX_EXAMPLES = 200
LIVE_MAX_EXAMPLES = 10
LIVE_RATE_LIMIT = "5/s"


@dataclass(frozen=True)
class Target:
    base_url: str
    description: str
    credentials: Credentials
    live: bool
    other_user_id: str | None = None  # a second user the target holds data for, if known


_RATE_LIMIT = re.compile(r"[1-9][0-9]*/[smhd]")


def build_parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    live = bool(env.get(BASE_URL))
    parser = argparse.ArgumentParser(
        prog="scripts/contract",
        description="Test a KooDrive API (by default an emulator started for the run) "
        "against openapi.yaml with schemathesis.",
        epilog=f"Live API: set {BASE_URL}, {env_names.USER_ID} and {env_names.TOKEN} and/or "
        f"{env_names.APP_ID} + {env_names.APP_SECRET}. Arguments after -- go to "
        "`schemathesis run`.",
    )
    default_examples = LIVE_MAX_EXAMPLES if live else EMULATOR_MAX_EXAMPLES
    parser.add_argument(
        "--max-examples",
        type=_positive_int,
        default=env.get(MAX_EXAMPLES, str(default_examples)),
        help=f"test cases per operation and phase [{MAX_EXAMPLES}; {default_examples}]",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=env.get(RATE_LIMIT, LIVE_RATE_LIMIT if live else ""),
        help=f"e.g. 100/m; empty for none [{RATE_LIMIT}; {LIVE_RATE_LIMIT} live, none on "
        "the emulator]",
    )
    parser.add_argument(
        "--phases",
        type=_phases,
        default=env.get(PHASES, ""),
        help=f"comma-separated subset of examples,coverage,fuzzing,stateful [{PHASES}; all]",
    )
    parser.add_argument("--seed", default=env.get(SEED, ""), help=f"replay a run's cases [{SEED}]")
    default_tolerance = LIVE_CLOCK_TOLERANCE if live else 0
    parser.add_argument(
        "--clock-tolerance",
        type=_seconds,
        default=env.get(CLOCK_TOLERANCE, str(default_tolerance)),
        help="seconds the target's clock may differ from ours: an X-Date this much and a "
        f"minute more in the future must be refused [{CLOCK_TOLERANCE}; {default_tolerance}]",
    )
    parser.add_argument(
        "--other-user-id",
        default=env.get(OTHER_USER_ID, ""),
        help="a second user of the target: app mode lists its data, which must share no "
        f"item with ours where an item belongs to one user [{OTHER_USER_ID}; the emulator's "
        "second user, or a made-up ID live]",
    )
    parser.add_argument(
        "--allow-writes",
        action=argparse.BooleanOptionalAction,
        default=env.get(ALLOW_WRITES, "0").strip().lower() in ("1", "true", "yes", "on"),
        help="live API: send writes too (only to records the run creates, each marked and "
        f"deleted at the end); without it a live run sends none [{ALLOW_WRITES}; 0]",
    )
    parser.add_argument(
        "--write-budget",
        type=_positive_int,
        default=env.get(WRITE_BUDGET, str(LIVE_WRITE_BUDGET) if live else "") or None,
        help="the most write requests a run sends, its checks' and cleanup included "
        f"[{WRITE_BUDGET}; {LIVE_WRITE_BUDGET} live, none on the emulator]",
    )
    parser.add_argument(
        "--cleanup",
        action="store_true",
        help=f"remove what earlier runs created and left on the target of {BASE_URL}: by "
        "their ledgers, then every record named with a run marker (kd-...); no run",
    )
    parser.add_argument(
        "--shard",
        type=_shard,
        default=env.get(SHARD, ""),
        help="test only shard K of N of the operations (sorted by operationId, dealt "
        "round-robin); shard 1 also does what belongs to the whole run. Join the shards' "
        f"reports with --merge [{SHARD}; the whole run]",
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="no run: join the reports folders of a sharded run's shards into one report "
        "(written to --reports); exit code: the joined verdict",
    )
    parser.add_argument(
        "--reports",
        type=Path,
        default=Path(env.get(REPORTS, str(ROOT / "reports" / "contract"))),
        help=f"where junit.xml, report.json, the HAR, VCR and HTML reports and summary.txt go"
        f" [{REPORTS}; reports/contract]",
    )
    parser.add_argument(
        "--replay",
        action="store_true",
        help="send the failing cases of the last run again, with fresh credentials, to a "
        "fresh emulator (or the live API); reports stay as they are",
    )
    parser.add_argument("schemathesis_args", nargs="*", help=argparse.SUPPRESS)
    return parser


def _rate_limit(text: str) -> str:
    """`N/unit` as schemathesis takes it (s, m, h or d), or empty for no limit."""
    text = text.strip()
    if text and not _RATE_LIMIT.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"must be requests per second, minute, hour or day, such as 100/m or 5/s; got {text!r}"
        )
    return text


def _phases(text: str) -> str:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ALL_PHASES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown phase {unknown[0]!r}: use a comma-separated subset of {','.join(ALL_PHASES)}"
        )
    return ",".join(names)


def _shard(text: str) -> Shard:
    if not text.strip():
        return WHOLE
    try:
        return Shard.parse(text)
    except ShardError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seconds(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"must be whole seconds, 0 or more, got {text!r}")
    return int(text)


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, got {text!r}")
    return int(text)


def live_target(env: Mapping[str, str]) -> Target:
    base_url = env[BASE_URL].strip().rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CredentialsError(
            f"{BASE_URL} must be an http(s) URL such as https://host, got {base_url!r}"
        )
    return Target(base_url, f"{base_url} ({BASE_URL})", Credentials.from_env(env), live=True)


@contextmanager
def emulator_target(env: Mapping[str, str]) -> Iterator[Target]:
    from koodrive_emulator import Credentials as EmulatorCredentials
    from koodrive_emulator.rules.paging import PagingBehaviour
    from koodrive_emulator.state import Backend
    from koodrive_emulator.testing import running_emulator

    # More groups than fit on a page, and short or empty pages before the end (which the
    # vendor warns about), so that the stateful phase really pages through the nextPage link.
    backend = Backend.default()
    given_user = EmulatorCredentials.development().user_id
    backend.seed_synthetic(given_user, groups=seeded_groups(backend, given_user), devices=30)
    paging = PagingBehaviour(short_pages=0.3)
    other_user = next(user for user in backend.users() if user != given_user)
    with running_emulator(backend=backend, paging=paging) as emulator:
        given = emulator.credentials
        credentials = Credentials.from_env(
            {
                env_names.USER_ID: given.user_id,
                env_names.TOKEN: given.token,
                env_names.APP_ID: given.app_id,
                env_names.APP_SECRET: given.app_secret,
                env_names.AUTH_MODES: env.get(env_names.AUTH_MODES, ""),
            }
        )
        description = f"emulator started for this run ({emulator.base_url})"
        yield Target(emulator.base_url, description, credentials, False, other_user)


def seeded_groups(backend: Any, user: str, wanted: int = 250) -> int:
    """How many groups to add to the run's user: `wanted`, or fewer so that the user stays
    LIMIT_HEADROOM under the limit per owner the spec gives the listing they join."""
    spec = Spec.from_text(SPEC.read_bytes())
    limits = [
        b.write.limit_per_owner
        for b in spec.behaviours.values()
        if b.write is not None and b.write.limit_per_owner is not None
    ]
    if not limits:
        return wanted
    return max(0, min(wanted, min(limits) - LIMIT_HEADROOM - len(backend.groups(user))))


def schemathesis_command(target: Target, options: argparse.Namespace) -> list[str]:
    reports: Path = options.reports
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        str(SPEC),
        "--url",
        target.base_url,
        "--max-examples",
        str(options.max_examples),
        "--report",
        ",".join(REPORTS_WRITTEN),
        *(
            argument
            for kind, name in REPORTS_WRITTEN.items()
            for argument in (f"--report-{kind}-path", str(reports / name))
        ),
    ]
    if options.rate_limit:
        command += ["--rate-limit", options.rate_limit]
    if options.phases:
        command += ["--phases", options.phases]
    if options.seed:
        command += ["--seed", options.seed]
    if not writes_allowed(target, options):
        command += read_only_filter(spec_methods(SPEC))
    for operation_id in shard_operations(options.shard, writes_allowed(target, options)):
        command += ["--include-operation-id", operation_id]
    return command + list(options.schemathesis_args)


def shard_operations(shard: Shard, writing: bool) -> list[str]:
    """The operationIds of the run's shard ([] for the whole run): its share of the
    operations the run tests (a run that sends no writes: of the safe ones only). ShardError
    when there are fewer operations than shards."""
    if shard == WHOLE:
        return []
    tested = [
        op.operation_id
        for op in Spec.from_text(SPEC.read_bytes()).operations.values()
        if writing or op.method.lower() in SAFE_METHODS
    ]
    return shard.operations(tested)


def writes_allowed(target: Target, options: argparse.Namespace) -> bool:
    """An emulator of the run's own is written to; a live API only with --allow-writes."""
    return not target.live or bool(options.allow_writes)


def spec_methods(spec: Path) -> set[str]:
    """The HTTP methods of the spec's operations, lower case."""
    return {
        operation.method.lower()
        for operation in Spec.from_text(spec.read_bytes()).operations.values()
    }


def read_only_filter(methods: set[str]) -> list[str]:
    """`schemathesis run` options that leave out the operations with unsafe methods.

    An exclusion, so that it narrows whatever the caller includes after `--`; none at all when
    every operation is safe (schemathesis warns about a filter that matches nothing).
    """
    unsafe = sorted(methods - SAFE_METHODS)
    return ["--exclude-method-regex", f"(?i)^({'|'.join(unsafe)})$"] if unsafe else []


def run_settings(target: Target, options: argparse.Namespace) -> RunSettings:
    """The settings the checks read; CredentialsError naming the variable if one is bad."""
    given = RunSettings(
        clock_tolerance=options.clock_tolerance,
        other_user_id=options.other_user_id.strip() or target.other_user_id,
        allow_writes=writes_allowed(target, options),
        write_budget=options.write_budget if target.live else None,
        run_id=getattr(options, "run_id", ""),
        ledger=str(getattr(options, "ledger", "")),
        base_url=target.base_url,
        rate_limit=options.rate_limit,
        live=target.live,
        shard=str(getattr(options, "shard", WHOLE)),
    )
    settings = RunSettings.from_env(given.as_env())
    if settings.other_user_id == target.credentials.user_id:
        raise CredentialsError(
            f"{OTHER_USER_ID} must be another user than {env_names.USER_ID}: the listings "
            "of two users are compared"
        )
    return settings


def schemathesis_env(
    target: Target, options: argparse.Namespace, env: Mapping[str, str]
) -> dict[str, str]:
    """The environment of schemathesis: the credentials and settings for the hooks, nothing
    else of ours."""
    return {
        **{k: v for k, v in env.items() if not k.startswith("KOODRIVE_")},
        **target.credentials.as_env(),
        **run_settings(target, options).as_env(),
        REPORTS: str(options.reports),
    }


def replay(target: Target, options: argparse.Namespace, env: Mapping[str, str]) -> int:
    reports: Path = options.reports.resolve()
    crashes = reports / "cache" / "crashes"
    if not crashes.is_dir():
        print(
            f"scripts/contract: nothing to replay: no failing cases in {crashes}", file=sys.stderr
        )
        return 2
    print(f"==> replaying the failing cases of {reports} against {target.description}", flush=True)
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "replay"]
    command += ["--keep", "--url", target.base_url, str(crashes)]
    options.reports = reports
    exit_code, stopped, write_lines = run_and_clean_up(target, options, command, env)
    if write_lines:
        print("\n".join(write_lines), flush=True)
    return 128 + stopped.signum if stopped is not None else exit_code


def ledger_folder(reports: Path) -> Path:
    """Where the ledgers go: next to the reports folder, which a run wipes (a killed run's
    ledger must outlive the next run)."""
    return reports.parent / "contract-ledger"


def _die_with_parent() -> None:
    """In the child: be killed when the runner dies, even by SIGKILL (Linux), so that no
    schemathesis writes on after the runner that would clean up after it is gone."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Stopped(Exception):
    """The runner was asked to stop (SIGINT or SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def run_schemathesis(command: list[str], env: Mapping[str, str]) -> int:
    """Run schemathesis; on SIGINT or SIGTERM, stop it (within STOP_GRACE seconds) and
    raise Stopped, so that the caller cleans up before leaving."""
    child = subprocess.Popen(command, cwd=ROOT, env=dict(env), preexec_fn=_die_with_parent)
    received: list[int] = []

    def stop(signum: int, frame: object) -> None:
        received.append(signum)
        if child.poll() is None:
            child.send_signal(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        deadline: float | None = None
        while True:
            try:
                code = child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if received and deadline is None:
                    deadline = time.monotonic() + STOP_GRACE
                if deadline is not None and time.monotonic() > deadline:
                    child.kill()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if received:
        raise Stopped(received[0])
    return code


def clean_up(target: Target, options: argparse.Namespace, ledger: Path) -> list[str]:
    """Delete what the run created (its ledger, then its marker); the summary's lines."""
    spec = Spec.from_text(SPEC.read_bytes())
    kinds = records.WriteSpec(spec)
    client = records.Client(
        spec,
        target.base_url,
        target.credentials,
        clock_tolerance=options.clock_tolerance,
        rate_limit=options.rate_limit,
    )
    marker = records.Marker(options.run_id)
    users = [target.credentials.user_id]
    other = options.other_user_id.strip() or target.other_user_id
    if other:
        users.append(other)
    history = records.history(ledger)
    left = records.remove_outstanding(client, kinds, ledger)
    swept = records.sweep(client, kinds, users, marker.is_ours)
    lines = [
        "",
        f"Writes (run marker kd-{options.run_id}, ledger {ledger}):",
    ]
    lines += records.budget_lines(options.reports / records.WRITES_FILE, options.write_budget)
    counted = ", ".join(f"{n} in {listing}" for listing, n in _count(history).items())
    lines.append(f"  created:     {len(history)} records" + (f" ({counted})" if counted else ""))
    for listing in _count(history):
        keys = [
            f"{e.key}" + ("" if e.user == users[0] else f" (user {e.user})")
            for e in history
            if e.listing == listing
        ]
        more = (
            f", and {len(keys) - SHOWN_KEYS} more (the ledger has them all)"
            if len(keys) > SHOWN_KEYS
            else ""
        )
        lines.append(f"    {listing}: {', '.join(keys[:SHOWN_KEYS])}{more}")
    failed = [s for s in swept if s.endswith(records.LEFT)]
    if swept:
        lines.append(f"  found by the run marker (not in the ledger): {', '.join(swept)}")
    if left or failed:
        lines.append(
            "  NOT removed: "
            + ", ".join([f"{e.listing} {e.key} (user {e.user})" for e in left] + failed)
            + " -- remove them with `scripts/contract --cleanup` (same environment)"
        )
    else:
        lines.append(f"  removed:     all {len(history)} (the target holds none of them now)")
    return lines


def _count(history: list[records.Entry]) -> dict[str, int]:
    found: dict[str, int] = {}
    for entry in history:
        found[entry.listing] = found.get(entry.listing, 0) + 1
    return found


def untested_writes(target: Target, options: argparse.Namespace) -> list[str]:
    if writes_allowed(target, options):
        return []
    spec = Spec.from_text(SPEC.read_bytes())
    names = [
        f"{op.method} {op.path} ({op.operation_id})"
        for op in spec.operations.values()
        if op.method.lower() not in SAFE_METHODS
    ]
    if not names:
        return []
    return [
        "",
        "Not tested (a live target without --allow-writes: no write was sent):",
        *(f"  {name}" for name in names),
    ]


def run_and_clean_up(
    target: Target, options: argparse.Namespace, command: list[str], env: Mapping[str, str]
) -> tuple[int, Stopped | None, list[str]]:
    """Run schemathesis with a ledger of its own (when it may write), then remove what it
    created, whatever ended it: its exit code, the signal that stopped it, the summary's
    lines about its writes."""
    options.run_id = secrets.token_hex(4)
    writing = writes_allowed(target, options)
    ledger = ledger_folder(options.reports) / f"{options.run_id}.jsonl"
    options.ledger = ledger if writing else ""
    if writing:
        records.Ledger(ledger).start(options.run_id, target.base_url)
    # The command reads the run id and ledger from the environment built here.
    child_env = schemathesis_env(target, options, env)
    stopped: Stopped | None = None
    exit_code = 1
    write_lines: list[str] = []
    try:
        exit_code = run_schemathesis(command, child_env)
    except Stopped as error:
        stopped = error
        print(f"\n==> stopped ({error}): removing what the run created", flush=True)
    finally:
        if writing:
            # Ctrl-C again must not leave records behind: the cleanup runs to its end.
            previous = {
                sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
            }
            try:
                write_lines = clean_up(target, options, ledger)
            except Exception as error:  # told in the summary, never hidden
                write_lines = [
                    "",
                    f"Writes: the cleanup failed ({type(error).__name__}: {error}); run "
                    "`scripts/contract --cleanup` (same environment)",
                ]
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
    return exit_code, stopped, write_lines


def run_suite(target: Target, options: argparse.Namespace, env: Mapping[str, str]) -> int:
    if options.replay:
        return replay(target, options, env)
    reports: Path = options.reports.resolve()
    options.reports = reports
    shutil.rmtree(reports, ignore_errors=True)  # a report must never be left from an earlier run
    reports.mkdir(parents=True)
    print(f"==> contract suite against {target.description}", flush=True)
    exit_code, stopped, write_lines = run_and_clean_up(
        target, options, schemathesis_command(target, options), env
    )
    shard: Shard = options.shard
    facts = RunFacts(
        target=target.description,
        auth_modes=tuple(target.credentials.modes),
        exit_code=exit_code,
        junit=reports / "junit.xml",
        report=reports / "report.json",
        extra=tuple(write_lines + untested_writes(target, options)),
        shard=str(shard) if shard != WHOLE else "",
        shard_operations=tuple(shard_operations(shard, writes_allowed(target, options))),
    )
    summary = render(facts)
    (reports / "summary.txt").write_text(summary, encoding="utf-8")
    print("\n" + summary, end="", flush=True)
    if stopped is not None:
        verdict = 128 + stopped.signum
    elif any("NOT removed" in line for line in write_lines):
        verdict = exit_code or 1  # records left behind: never a green run
    else:
        verdict = exit_code if exit_code != 0 or "PASSED" in summary.splitlines()[0] else 1
    facts.save(reports / RUN_FILE, verdict)
    return verdict


def cleanup_command(target: Target, options: argparse.Namespace) -> int:
    """`scripts/contract --cleanup`: remove what earlier runs left on this target."""
    spec = Spec.from_text(SPEC.read_bytes())
    kinds = records.WriteSpec(spec)
    client = records.Client(
        spec,
        target.base_url,
        target.credentials,
        clock_tolerance=options.clock_tolerance,
        rate_limit=options.rate_limit,
    )
    users = [target.credentials.user_id]
    if options.other_user_id.strip():
        users.append(options.other_user_id.strip())
    folder = ledger_folder(options.reports.resolve())
    left: list[records.Entry] = []
    removed = 0
    for ledger in records.iter_ledgers(folder):
        if records.target_of(ledger) not in (None, target.base_url):
            continue
        before = len(records.outstanding(ledger))
        still = records.remove_outstanding(client, kinds, ledger)
        removed += before - len(still)
        left += still
        if not still:
            ledger.unlink()
    swept = records.sweep(client, kinds, users, records.marked_by_any_run)
    print(f"==> cleanup of {target.description}")
    print(f"  by ledger ({folder}): {removed} removed")
    print(f"  by run marker: {len(swept)} removed" + (f" ({', '.join(swept)})" if swept else ""))
    if left:
        print(f"  NOT removed: {', '.join(f'{e.listing} {e.key}' for e in left)}")
        return 1
    return 0


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if env is None else env)
    options = build_parser(env).parse_args(argv)
    try:
        spec = Spec.from_text(SPEC.read_bytes())
        spec.behaviours  # noqa: B018 (read now: a malformed extension stops the run here)
        behaviour.validity(spec.document, REQUEST_DATE)
    except SpecError as error:
        print(f"scripts/contract: {SPEC.name}: {error}", file=sys.stderr)
        return 2
    if options.merge:
        from contract_tests.merge import merge_command

        return merge_command(options.merge, options.reports)
    try:
        # Refused now, before a target is started: more shards than operations.
        shard_operations(options.shard, not env.get(BASE_URL) or options.allow_writes)
    except ShardError as error:
        print(f"scripts/contract: --shard: {error}", file=sys.stderr)
        return 2
    try:
        if options.cleanup:
            if not env.get(BASE_URL):
                print(
                    f"scripts/contract: --cleanup needs {BASE_URL} (an emulator started for a "
                    "run is gone with it)",
                    file=sys.stderr,
                )
                return 2
            return cleanup_command(live_target(env), options)
        if env.get(BASE_URL):
            return run_suite(live_target(env), options, env)
        with emulator_target(env) as target:
            return run_suite(target, options, env)
    except CredentialsError as error:
        print(f"scripts/contract: {error}", file=sys.stderr)
        return 2
