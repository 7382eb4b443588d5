"""`koodrive-proxy`: the validation proxy, and what is done with its captures.

    koodrive-proxy --target URL [--port 8760] [--strict] [--capture F.har] [--drift F.json]
    koodrive-proxy fixtures CAPTURE.har [--output fixtures.yaml]
    koodrive-proxy replay CAPTURE.har --target URL [--capture-out F.har] [--drift F.json]
    koodrive-proxy fidelity --live URL --emulator URL [--report F.json] [--min-score N]

Credentials come from the environment only (`KOODRIVE_APP_ID`, `KOODRIVE_APP_SECRET`), so
they never show in the process list. Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import koodrive
from koodrive.config import TOKEN

from koodrive_proxy.app import ProxyApp, ProxySettings
from koodrive_proxy.capture import MAX_ENTRIES, Recorder
from koodrive_proxy.forwarding import ResignError, app_credentials, base_url

DEFAULT_PORT = 8760
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class UsageError(ValueError):
    """A flag or variable the proxy cannot use; `str(error)` names it."""


def target(value: str) -> str:
    """An argparse type: a base URL the proxy can forward to (forwarding.base_url)."""
    try:
        return base_url(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _output(value: str) -> Path:
    """An argparse type: a file to write, whose folder exists and takes files."""
    path = Path(value)
    if path.suffix == ".md":
        raise argparse.ArgumentTypeError(
            f"must not end in .md, not {value!r}: the Markdown report is written beside it"
        )
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"{value!r}: the folder {str(folder)!r} cannot be written")
    return path


def _count(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more, not {value!r}")
    return int(value)


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, not {value!r}")
    return int(value)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 3600:
        raise argparse.ArgumentTypeError(f"must be seconds above 0 and under 3600, not {value!r}")
    return seconds


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="koodrive-proxy",
        description="Forward an application's KooDrive requests to a target, judging each "
        "exchange against openapi.yaml. Subcommands: fixtures, replay, fidelity (see --help of "
        "each).",
    )
    parser.add_argument(
        "--version", action="version", version=f"koodrive-proxy {koodrive.__version__}"
    )
    parser.add_argument("--target", type=target, required=True, help="the API's base URL")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0: any free"
    )
    parser.add_argument("--strict", action="store_true", help="answer a deviation with an error")
    parser.add_argument("--capture", type=_output, help="write the redacted HAR here on exit")
    parser.add_argument(
        "--drift", type=_output, help="write the drift report here (and .md beside it)"
    )
    parser.add_argument(
        "--max-entries",
        type=_count,
        default=MAX_ENTRIES,
        help=f"keep the last N exchanges in the capture (default {MAX_ENTRIES})",
    )
    parser.add_argument(
        "--timeout", type=_seconds, default=30.0, help="seconds per phase (default 30)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args and args[0] == "fixtures":
            from koodrive_proxy.fixtures_from_capture import main as fixtures_main

            return fixtures_main(args[1:])
        if args and args[0] == "replay":
            from koodrive_proxy.replay import main as replay_main

            return replay_main(args[1:])
        if args and args[0] == "fidelity":
            from koodrive_proxy.fidelity import main as fidelity_main

            return fidelity_main(args[1:])
        return serve(serve_parser().parse_args(args))
    except (UsageError, ResignError) as error:
        print(f"koodrive-proxy: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def serve(args: argparse.Namespace) -> int:
    if args.host not in _LOOPBACK:
        raise UsageError(
            f"--host must be a loopback address ({', '.join(_LOOPBACK)}): "
            "the proxy signs what it forwards"
        )
    from koodrive_emulator.server import bind_socket, uvicorn_server

    credentials = app_credentials(os.environ)
    known = [credentials.app_secret] if credentials else []
    recorder = Recorder(max_entries=args.max_entries, secrets=[*known, os.environ.get(TOKEN, "")])
    drift: Path | None = args.drift
    failed_writes: list[str] = []

    def write_drift(exchange: object) -> None:
        if drift is None:
            return
        try:
            recorder.write(None, drift)
        except OSError as error:  # a full disk, a folder removed: say so once, go on proxying
            if not failed_writes:
                print(f"koodrive-proxy: cannot write {drift}: {error.strerror}", file=sys.stderr)
            failed_writes.append(str(error))

    app = ProxyApp(
        ProxySettings(
            args.target, credentials=credentials, strict=args.strict, timeout=args.timeout
        ),
        recorder=recorder,
        on_exchange=write_drift,
    )
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as error:
        raise UsageError(
            f"--port {args.port}: cannot listen on {args.host} ({error.strerror})"
        ) from None
    host, port = sock.getsockname()[:2]
    mode = "strict: a deviation is answered with an error" if args.strict else "passing answers on"
    signing = (
        f"re-signing as app {credentials.app_id}"
        if credentials
        else "no app credentials (tokens pass through)"
    )
    print(
        f"koodrive-proxy: http://{host}:{port} -> {args.target} ({mode}; {signing})",
        file=sys.stderr,
        flush=True,
    )
    # uvicorn stops on SIGINT or SIGTERM, then raises the signal again for the handler it
    # found; this one lets the files below be written, and the stop be a clean exit.
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {stop: signal.signal(stop, lambda number, frame: None) for stop in stops}
    try:
        uvicorn_server(app, log_level="warning", lifespan="on").run(sockets=[sock])
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    try:
        recorder.write(args.capture, drift)
    except OSError as error:
        print(f"koodrive-proxy: cannot write the capture or report: {error}", file=sys.stderr)
        return 1
    summary = recorder.drift()
    print(
        f"koodrive-proxy: {summary['exchanges']} exchanges, {summary['deviations']} deviations",
        file=sys.stderr,
    )
    return 0
