"""`koodrive-emulator`: serve the emulator over HTTP (see docs/emulator.md)."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from typing import TextIO

import koodrive

from koodrive_emulator.access_log import logger as access_logger
from koodrive_emulator.admin import switch_on
from koodrive_emulator.app import EmulatorApp, EmulatorContext
from koodrive_emulator.clock import Clock
from koodrive_emulator.credentials import (
    DEFAULT_TOKEN_TTL,
    DEV_APP_ID,
    DEV_APP_SECRET,
    DEV_TOKEN,
    DEV_USER_ID,
    Credentials,
)
from koodrive_emulator.faults import FAULT_OPTIONS, Fault, FaultKind, Faults, fault_from_options
from koodrive_emulator.fixtures import FixtureError, load_default_fixtures
from koodrive_emulator.journal import DEFAULT_JOURNAL_SIZE, Journal
from koodrive_emulator.rules.paging import PagingBehaviour
from koodrive_emulator.server import bind_socket, uvicorn_server
from koodrive_emulator.state import Backend

logger = logging.getLogger("koodrive_emulator")

# How each `--fault` option's text becomes a value; fault_from_options checks the value.
_OPTION_PARSERS: dict[str, Callable[[str], object]] = {
    "operation": str,
    "times": int,
    "retry_after": int,
    "seconds": float,
    "code": int,
    "msg": str,
    "probability": float,
    "distribution": str,
    "max_seconds": float,
}


def parse_fault(text: str) -> Fault:
    """`KIND[:key=value,...]`, e.g. `throttle:retry_after=2,times=3,operation=listUserGroups`.

    Values cannot hold a comma (it separates the options), so neither can a `msg` here.
    """
    kind_text, _, options_text = text.partition(":")
    kinds = ", ".join(kind.value for kind in FaultKind)
    if kind_text.strip() not in {kind.value for kind in FaultKind}:
        raise argparse.ArgumentTypeError(f"unknown fault {kind_text!r}; kinds: {kinds}")
    options: dict[str, object] = {}
    for item in filter(None, options_text.split(",")):
        key, equals, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not equals or key not in _OPTION_PARSERS:
            raise argparse.ArgumentTypeError(
                f"bad fault option {item!r}; options: {', '.join(FAULT_OPTIONS)} as key=value"
            )
        try:
            options[key] = _OPTION_PARSERS[key](value.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"bad fault {text!r}: {key} must be {FAULT_OPTIONS[key]}"
            ) from None
    try:
        return fault_from_options(kind_text.strip(), options)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"bad fault {text!r}: {error}") from None


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError("must be a number from 0 up to (not including) 1")
    return value


def _count(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError("must be a whole number, 0 or more")
    return int(text)


def _token_ttl(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise argparse.ArgumentTypeError(
            "must be a whole number of seconds, 0 or more (0: tokens never expire)"
        )
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="koodrive-emulator",
        description="Serve an offline emulator of the KooDrive API over HTTP.",
        epilog="Without credentials the documented development set is used and printed.",
    )
    parser.add_argument(
        "--version", action="version", version=f"koodrive-emulator {koodrive.__version__}"
    )
    serve = parser.add_argument_group("serving")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_count, default=8750, help="port (default 8750; 0: any free)")
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="logging level; info logs one line per request (default)",
    )
    serve.add_argument(
        "--no-admin",
        dest="admin",
        action="store_false",
        help="do not serve the admin API under /_emulator/ (faults and reset over HTTP)",
    )
    serve.add_argument(
        "--journal-size",
        type=_count,
        default=DEFAULT_JOURNAL_SIZE,
        metavar="N",
        help=f"keep the last N requests in the journal, GET /_emulator/requests "
        f"(default {DEFAULT_JOURNAL_SIZE}; 0: off)",
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--fixtures",
        metavar="FILE",
        help="seed from this YAML or JSON file instead of the embedded default set",
    )
    data.add_argument(
        "--state",
        metavar="FILE",
        help="keep the state in this SQLite file, across restarts; --fixtures, --groups, "
        "--devices and --members seed a new (or empty) file only, and are ignored when it "
        "holds a state",
    )
    data.add_argument(
        "--groups",
        type=_count,
        default=0,
        metavar="N",
        help="add N generated groups to --user-id (every third one sourceType 1)",
    )
    data.add_argument(
        "--devices",
        type=_count,
        default=0,
        metavar="N",
        help="add N generated devices to --user-id",
    )
    data.add_argument(
        "--members",
        type=_count,
        default=0,
        metavar="N",
        help="add N memberships of generated users (role member, each joining up to 200 "
        "groups) spread evenly over the --groups groups",
    )
    data.add_argument("--seed", type=_count, default=0, help="seed of the generated data")
    creds = parser.add_argument_group(
        "credentials (default: the development set; secrets may come from the environment)"
    )
    creds.add_argument(
        "--user-id",
        default=DEV_USER_ID,
        metavar="ID",
        help=f"user the token acts for (default {DEV_USER_ID})",
    )
    creds.add_argument(
        "--token",
        default=os.environ.get("KOODRIVE_EMULATOR_TOKEN", DEV_TOKEN),
        help="accepted access token (env KOODRIVE_EMULATOR_TOKEN)",
    )
    creds.add_argument(
        "--app-id", default=DEV_APP_ID, metavar="ID", help=f"accepted app id (default {DEV_APP_ID})"
    )
    creds.add_argument(
        "--app-secret",
        metavar="SECRET",
        default=os.environ.get("KOODRIVE_EMULATOR_APP_SECRET", DEV_APP_SECRET),
        help="the app's secret (env KOODRIVE_EMULATOR_APP_SECRET)",
    )
    creds.add_argument(
        "--token-ttl",
        type=_token_ttl,
        default=int(DEFAULT_TOKEN_TTL.total_seconds()),
        metavar="SECONDS",
        help="a token unused for longer expires, as at the vendor; each call extends it "
        f"(default {int(DEFAULT_TOKEN_TTL.total_seconds())}; 0: never)",
    )
    behaviour = parser.add_argument_group("faults and behaviour")
    behaviour.add_argument(
        "--fault",
        type=parse_fault,
        action="append",
        default=[],
        metavar="KIND[:OPTIONS]",
        help="switch a fault on, e.g. throttle:retry_after=2,times=3 or "
        "latency:seconds=0.5,operation=listUserGroups; repeatable. "
        "Kinds: " + ", ".join(kind.value for kind in FaultKind),
    )
    behaviour.add_argument(
        "--chaos-seed",
        type=_count,
        default=0,
        metavar="N",
        help="seed of the faults' draws (probability, latency distributions): the same seed "
        "and the same requests meet the same faults",
    )
    behaviour.add_argument(
        "--short-pages",
        type=_probability,
        default=0.0,
        metavar="RATIO",
        help="probability that a page is short or empty before the end",
    )
    behaviour.add_argument(
        "--short-pages-seed",
        type=_count,
        default=0,
        metavar="N",
        help="seed of the short-page decisions",
    )
    return parser


def _banner(base_url: str, credentials: Credentials, *, admin: bool = True) -> str:
    def shown(value: str, dev_value: str) -> str:
        return value if value == dev_value else "(given, not shown)"

    kind = "development credentials (public, never use them in production)"
    if not credentials.is_development:
        kind = "configured credentials"
    return "\n".join(
        [
            f"KooDrive emulator listening on {base_url}",
            f"  docs: {base_url}/docs   spec: {base_url}/openapi.yaml",
            f"  admin: {base_url}/_emulator/ (faults, requests, state, snapshots, reset)"
            if admin
            else "  admin: off (--no-admin)",
            f"  {kind}:",
            f"    user id:    {credentials.user_id}",
            f"    token:      {shown(credentials.token, DEV_TOKEN)}{_lifetime(credentials)}",
            f"    app id:     {credentials.app_id}",
            f"    app secret: {shown(credentials.app_secret, DEV_APP_SECRET)}",
        ]
    )


class _LineFormatter(logging.Formatter):
    """The emulator's line: `time level logger message`, a traceback under it when there
    is one. Made without Formatter's general machinery (style lookup, a dict of the record's
    fields), and its time (to the second) once per second: at one access-log line per
    request, formatting was a tenth of a request's cost."""

    _second: tuple[int, str] = (-1, "")

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            return super().format(record)  # the traceback, as Formatter lays it out
        record.message = record.getMessage()
        record.asctime = self.formatTime(record)
        return f"{record.asctime} {record.levelname} {record.name} {record.message}"

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        if datefmt is not None:
            return super().formatTime(record, datefmt)
        return self.time_of(record.created, record.msecs)

    def time_of(self, created: float, msecs: float) -> str:
        """The time of a line made at `created` (seconds since the epoch)."""
        second = int(created)
        made_for, text = self._second  # one read: another thread may set it meanwhile
        if second != made_for:
            text = time.strftime(self.default_time_format, self.converter(second))
            self._second = (second, text)
        msec_format = self.default_msec_format
        return msec_format % (text, msecs) if msec_format else text


class _AccessLines:
    """The access log's lines, written to the handler's stream as its formatter lays out a
    record, without making one: a record and the logging module's way to a handler were
    a sixth of a request's cost. Other lines (warnings, errors) go through logging."""

    def __init__(self, handler: logging.StreamHandler[TextIO], formatter: _LineFormatter) -> None:
        self._handler = handler
        self._formatter = formatter
        self._prefix = f" {logging.getLevelName(logging.INFO)} {access_logger.name} "

    def __call__(self, message: str) -> None:
        created = time.time()
        # msecs as a LogRecord works it out, so that a line reads the same either way.
        stamp = self._formatter.time_of(created, int((created - int(created)) * 1000) + 0.0)
        handler = self._handler
        handler.acquire()  # one line at a time, with the lines logging writes
        try:
            handler.stream.write(f"{stamp}{self._prefix}{message}{handler.terminator}")
            handler.flush()
        finally:
            handler.release()


def _lifetime(credentials: Credentials) -> str:
    ttl = credentials.token_ttl
    if ttl is None:
        return "  (never expires)"
    return f"  (expires {int(ttl.total_seconds())} s after its last use; --token-ttl 0: never)"


def _freeze_loaded_data() -> None:
    """Move everything alive now (the seeded state above all) out of the cyclic GC's reach.

    The seeded groups and devices live until the process ends, yet each full collection
    would walk them again: at 100,000 groups that rescanning cost about 20% of every
    request's time. Frozen objects are never scanned. Garbage from loading is collected
    first so that it is not kept for good.
    """
    gc.collect()
    gc.freeze()
    logger.debug("%d objects of loaded data frozen out of the cyclic GC", gc.get_freeze_count())


def _backend(args: argparse.Namespace) -> Backend:
    """The state: seeded as the options say, unless --state names a file that holds one
    already, which is kept as it is (a restart keeps its groups and members)."""
    backend = Backend(path=args.state) if args.state else Backend()
    if not backend.is_empty:
        logger.warning(
            "--state %s holds a state already: kept, not seeded (fixtures, --groups, "
            "--devices and --members are ignored)",
            args.state,
        )
        backend.add_user(args.user_id)
        return backend
    if args.fixtures:
        backend.load_fixtures(args.fixtures)
    else:
        load_default_fixtures(backend)
    backend.add_user(args.user_id)
    backend.seed_synthetic(
        args.user_id,
        groups=args.groups,
        devices=args.devices,
        members=args.members,
        seed=args.seed,
    )
    return backend


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    clock = Clock()
    try:
        credentials = Credentials(
            user_id=args.user_id,
            token=args.token,
            app_id=args.app_id,
            app_secret=args.app_secret,
            token_ttl=args.token_ttl,
            clock=clock,
        )
    except ValueError as error:
        parser.error(f"credentials: {error}")
    if args.members and not args.groups:
        parser.error("--members are spread over the --groups groups: give --groups too")
    try:
        backend = _backend(args)
    except FixtureError as error:
        parser.error(str(error))
    except (sqlite3.Error, OSError) as error:
        parser.error(f"--state {args.state}: not a state file this emulator can use ({error})")
    faults = Faults(seed=args.chaos_seed)
    for fault in args.fault:
        switch_on(faults, fault)
    context = EmulatorContext(
        backend=backend,
        credentials=credentials,
        faults=faults,
        clock=clock,
        paging=PagingBehaviour(args.short_pages, args.short_pages_seed),
        journal=Journal(args.journal_size),
    )
    stderr = logging.StreamHandler()
    formatter = _LineFormatter()
    stderr.setFormatter(formatter)
    # The lines name no thread or process: a record need not look them up (the logging
    # module's own advice, "Optimization"), a sixth of an access-log line's cost.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.basicConfig(level=args.log_level.upper(), handlers=[stderr])
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as error:
        print(
            f"koodrive-emulator: cannot listen on {args.host}:{args.port}: {error.strerror}",
            file=sys.stderr,
        )
        return 1
    host, port = sock.getsockname()[:2]
    base_url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    app = EmulatorApp(context, admin=args.admin, access_log_line=_AccessLines(stderr, formatter))
    server = uvicorn_server(app, log_level=args.log_level, date_header=not app.dates_its_answers)
    _freeze_loaded_data()
    print(_banner(base_url, credentials, admin=args.admin), flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn shuts down gracefully, then re-raises Ctrl-C: a normal way to stop here.
        print("koodrive-emulator stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
