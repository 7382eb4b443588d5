"""`koodrive`: list devices and groups of the configured KooDrive target, for people.

Credentials come from the environment only (KOODRIVE_TOKEN, or KOODRIVE_APP_ID and
KOODRIVE_APP_SECRET), so they never show in the process list or the shell history.

Exit status: 0 done, 1 the API answered with an error, 2 bad usage or configuration,
3 the API could not be reached, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from koodrive_client.models import SourceType

from . import _render
from ._client import KooDrive
from ._version import VERSION
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    InvalidArgumentError,
)

EXIT_OK, EXIT_API_ERROR, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--base-url", help="the API to call (default: $KOODRIVE_BASE_URL)")
    common.add_argument("--user-id", help="the user to act for (default: $KOODRIVE_USER_ID)")
    common.add_argument(
        "--json", action="store_true", help="one JSON object per line instead of a table"
    )
    common.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help=(
            "seconds each request may take in all, its retries and their waits included "
            "(each page of a listing has its own); default: no such limit, 30 per read"
        ),
    )
    common.add_argument(
        "--max-retries", type=int, help="retries after 429, 5xx and connection errors (default 2)"
    )
    common.add_argument(
        "--bearer-plus",
        action="store_true",
        help="send the token as 'Bearer+<token>', the vendor's other form",
    )
    parser = argparse.ArgumentParser(
        prog="koodrive",
        description="List the devices and groups of a KooDrive user.",
        epilog=(
            "Credentials come from the environment: KOODRIVE_TOKEN, or KOODRIVE_APP_ID and "
            "KOODRIVE_APP_SECRET with KOODRIVE_USER_ID."
        ),
    )
    parser.add_argument("--version", action="version", version=f"koodrive {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("devices", parents=[common], help="the devices bound to the user")
    groups = commands.add_parser("groups", parents=[common], help="the groups the user joins")
    groups.add_argument(
        "--source-type",
        type=int,
        choices=[int(kind) for kind in SourceType],
        help="0 groups, 1 user groups (default: both)",
    )
    groups.add_argument("--group-name", help="only names containing this text")
    groups.add_argument("--page-size", type=int, default=100, help="groups per request (1-100)")
    return parser


# The SDK's words for a setting, and the command's: an error names what the user can type.
_IN_CLI_TERMS = (
    ("pass base_url= or set", "pass --base-url or set"),
    ("(or pass user_id= to the client)", "(or pass --user-id)"),
    ("(or pass user_id=)", "(or pass --user-id)"),
    ("argument base_url", "--base-url"),
    ("argument user_id", "--user-id"),
    ("argument timeout", "--timeout"),
    ("; or pass token= / app_id=, app_secret=, user_id=", "; --user-id sets the user"),
    ("(or app_id=)", ""),
    ("(or app_secret=)", ""),
    ("max_retries must", "--max-retries must"),
    ("timeout must", "--timeout must"),
    ("(total_timeout=", "(--timeout "),
)


def _in_cli_terms(message: str) -> str:
    for sdk_words, cli_words in _IN_CLI_TERMS:
        message = message.replace(sdk_words, cli_words)
    return message.replace("  ", " ")


def _client(args: argparse.Namespace) -> KooDrive:
    client = KooDrive(
        base_url=args.base_url,
        user_id=args.user_id,
        token_style="bearer+" if args.bearer_plus else "bearer",
    )
    if args.timeout is not None:
        # A deadline for the whole call (the SDK's total_timeout), which every phase may use
        # up: a slow answer within it is waited for, a dripping one cut off at it.
        client = client.with_options(timeout=args.timeout, total_timeout=args.timeout)
    if args.max_retries is not None:
        client = client.with_options(max_retries=args.max_retries)
    return client


def _devices(client: KooDrive, args: argparse.Namespace) -> None:
    devices = client.devices.list()
    out = _render.stdout()
    if args.json:
        for device in devices:
            _render.write_json_line(_render.device_record(device), out)
        return
    table = _render.StreamedTable(_render.DEVICE_COLUMNS, out)
    table.write([_render.device_row(device) for device in devices])
    table.close("devices")


def _groups(client: KooDrive, args: argparse.Namespace) -> None:
    kinds = list(SourceType) if args.source_type is None else [SourceType(args.source_type)]
    out = _render.stdout()
    table = (
        None
        if args.json
        else _render.StreamedTable(_render.GROUP_COLUMNS, out, min_widths=_render.GROUP_MIN_WIDTHS)
    )
    for kind in kinds:
        listing = client.user_groups.list(
            source_type=kind, group_name=args.group_name, page_size=args.page_size
        )
        label = f"{_render.KIND_NAMES[kind]}s"
        on_screen = out.isatty()
        with _render.paging_progress(listing.pages(), label, rows_on_screen=on_screen) as pages:
            for page in pages:
                if table is None:
                    for group in page.items:
                        _render.write_json_line(_render.group_record(group, kind), out)
                    out.flush()
                else:
                    table.write([_render.group_row(group, kind) for group in page.items])
    if table is not None:
        table.close("groups")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with _client(args) as client:
            if args.command == "devices":
                _devices(client, args)
            else:
                _groups(client, args)
    except (ConfigurationError, InvalidArgumentError) as error:
        return _fail(f"configuration: {_in_cli_terms(str(error))}", EXIT_USAGE)
    except APITimeoutError as error:
        return _fail(
            f"the API did not answer in time: {_in_cli_terms(str(error))}", EXIT_UNREACHABLE
        )
    except APIConnectionError as error:
        return _fail(f"cannot reach the API: {error}", EXIT_UNREACHABLE)
    except APIError as error:
        return _fail(str(error), EXIT_API_ERROR)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # e.g. `koodrive groups --json | head`: the reader has enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    return EXIT_OK


def _fail(message: str, status: int) -> int:
    print(f"koodrive: error: {message}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
