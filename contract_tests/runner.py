"""`python -m contract_tests` (what `scripts/contract` runs): the main job.

Picks the target, runs schemathesis against openapi.yaml with the suite's configuration,
writes the reports and prints the summary; exits non-zero on any failure.

- Default target: an emulator started for the run on a free loopback port, stopped after.
- `KOODRIVE_BASE_URL` set: that API (the live one), with credentials from `KOODRIVE_*`
  variables, read-only, rate-limited and with fewer examples by default.

Every knob is a flag with an environment variable behind it (flags win); arguments after
`--` go to `schemathesis run` unchanged (e.g. `-- --include-operation-id listUserGroups`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from koodrive_spec import Spec, SpecError, behaviour

from contract_tests import credentials as env_names
from contract_tests.credentials import Credentials, CredentialsError
from contract_tests.request_auth import REQUEST_DATE
from contract_tests.run_settings import (
    CLOCK_TOLERANCE,
    LIVE_CLOCK_TOLERANCE,
    OTHER_USER_ID,
    REPORTS_VARIABLE,
    RunSettings,
)
from contract_tests.summary import PHASES as ALL_PHASES
from contract_tests.summary import REPORTS_WRITTEN, RunFacts, render

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
CONFIG = Path(__file__).resolve().with_name("schemathesis.toml")

BASE_URL = "KOODRIVE_BASE_URL"
MAX_EXAMPLES = "KOODRIVE_CONTRACT_MAX_EXAMPLES"
RATE_LIMIT = "KOODRIVE_CONTRACT_RATE_LIMIT"
PHASES = "KOODRIVE_CONTRACT_PHASES"
SEED = "KOODRIVE_CONTRACT_SEED"
READ_ONLY = "KOODRIVE_CONTRACT_READ_ONLY"
REPORTS = REPORTS_VARIABLE

# The safe methods of RFC 9110 (and QUERY): the only ones a read-only run calls.
SAFE_METHODS = frozenset({"get", "head", "options", "trace", "query"})

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
        "--read-only",
        action=argparse.BooleanOptionalAction,
        default=env.get(READ_ONLY, "1").strip().lower() not in ("0", "false", "no", "off"),
        help=f"live API: call safe methods only (every operation is a GET today) [{READ_ONLY}; 1]",
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
    backend.seed_synthetic(given_user, groups=250, devices=30)
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
    if target.live and options.read_only:
        command += read_only_filter(spec_methods(SPEC))
    return command + list(options.schemathesis_args)


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
    return subprocess.call(command, cwd=ROOT, env=schemathesis_env(target, options, env))


def run_suite(target: Target, options: argparse.Namespace, env: Mapping[str, str]) -> int:
    if options.replay:
        return replay(target, options, env)
    reports: Path = options.reports.resolve()
    options.reports = reports
    shutil.rmtree(reports, ignore_errors=True)  # a report must never be left from an earlier run
    reports.mkdir(parents=True)
    child_env = schemathesis_env(target, options, env)
    print(f"==> contract suite against {target.description}", flush=True)
    exit_code = subprocess.call(schemathesis_command(target, options), cwd=ROOT, env=child_env)
    facts = RunFacts(
        target=target.description,
        auth_modes=tuple(target.credentials.modes),
        exit_code=exit_code,
        junit=reports / "junit.xml",
        report=reports / "report.json",
    )
    summary = render(facts)
    (reports / "summary.txt").write_text(summary, encoding="utf-8")
    print("\n" + summary, end="", flush=True)
    return exit_code if exit_code != 0 or "PASSED" in summary.splitlines()[0] else 1


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
    try:
        if env.get(BASE_URL):
            return run_suite(live_target(env), options, env)
        with emulator_target(env) as target:
            return run_suite(target, options, env)
    except CredentialsError as error:
        print(f"scripts/contract: {error}", file=sys.stderr)
        return 2
