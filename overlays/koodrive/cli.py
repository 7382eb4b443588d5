"""`koodrive`: list, show, create, rename and delete the groups of the configured KooDrive
target, list, add and remove their members, and list, bind and unbind its devices, for
people.

Credentials come from the environment only (KOODRIVE_TOKEN, or KOODRIVE_APP_ID and
KOODRIVE_APP_SECRET), so they never show in the process list or the shell history.

Exit status: 0 done, 1 the API answered with an error (or a batch of members in which a
user failed), 2 bad usage or configuration, 3 the API could not be reached (or the
connection broke before its answer), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from koodrive_client.models import (
    BoundDeviceEntity,
    SourceType,
    UpdateUserGroupRequestRole,
    UpdateUserGroupRequestTop,
    UserGroupDetail,
)

from . import _render
from ._client import KooDrive
from ._version import VERSION
from .batches import BatchResult
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    BadRequestError,
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
        "--max-retries",
        type=int,
        help=(
            "retries after 429, 5xx and connection errors (default 2); a create only when it "
            "cannot have been applied"
        ),
    )
    common.add_argument(
        "--bearer-plus",
        action="store_true",
        help="send the token as 'Bearer+<token>', the vendor's other form",
    )
    parser = argparse.ArgumentParser(
        prog="koodrive",
        description="List, show, create, update and delete the groups of a KooDrive user; list, "
        "add and remove their members; list, bind and unbind its devices.",
        epilog=(
            "Credentials come from the environment: KOODRIVE_TOKEN, or KOODRIVE_APP_ID and "
            "KOODRIVE_APP_SECRET with KOODRIVE_USER_ID."
        ),
    )
    parser.add_argument("--version", action="version", version=f"koodrive {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    devices = commands.add_parser(
        "devices",
        parents=[common],
        help="the devices bound to the user (bind, unbind)",
        description="Lists the devices bound to the user; with an ACTION, binds or unbinds one.",
    )
    device_actions = devices.add_subparsers(dest="action", metavar="ACTION")
    bind = device_actions.add_parser(
        "bind", parents=[common], help="bind a device (again: the same device, renamed)"
    )
    bind.add_argument("machine_code", metavar="MACHINE_CODE", help="the device's machine code")
    bind.add_argument("--name", help="a name for the device")
    bind.add_argument("--os", help="its operating system, e.g. android")
    unbind = device_actions.add_parser("unbind", parents=[common], help="unbind a device")
    unbind.add_argument("device_id", metavar="DEVICE_ID", help="the device's id")

    groups = commands.add_parser(
        "groups",
        parents=[common],
        help="the groups the user joins (create, update, delete)",
        description="Lists the groups the user joins; with an ACTION, creates, updates or "
        "deletes one.",
    )
    kinds = [int(kind) for kind in SourceType]
    groups.add_argument(
        "--source-type", type=int, choices=kinds, help="0 groups, 1 user groups (default: both)"
    )
    groups.add_argument("--group-name", help="only names containing this text")
    groups.add_argument("--page-size", type=int, default=100, help="groups per request (1-100)")
    group_actions = groups.add_subparsers(dest="action", metavar="ACTION")
    create = group_actions.add_parser(
        "create",
        parents=[common],
        help="create a group (not retried once it may have reached the API)",
    )
    create.add_argument("name", metavar="NAME", help="the group's name")
    update = group_actions.add_parser(
        "update", parents=[common], help="rename a group, pin it, set a member's role"
    )
    update.add_argument("group_id", metavar="GROUP_ID", help="the group's id")
    update.add_argument("--name", required=True, help="its name (the API needs it every time)")
    update.add_argument("--icon-url", help="an http(s) URL of its icon")
    update.add_argument("--member", metavar="USER_ID", help="with --role: the member to set")
    update.add_argument(
        "--role",
        choices=[role.name.lower() for role in UpdateUserGroupRequestRole],
        help="with --member: the member's new role (only the owner may set one)",
    )
    pinning = update.add_mutually_exclusive_group()
    pinning.add_argument("--pin", action="store_true", help="pin it to the top of the list")
    pinning.add_argument("--unpin", action="store_true", help="show it in order")
    delete = group_actions.add_parser("delete", parents=[common], help="delete a group")
    delete.add_argument("group_id", metavar="GROUP_ID", help="the group's id")
    show = group_actions.add_parser("show", parents=[common], help="a group's details")
    show.add_argument("group_id", metavar="GROUP_ID", help="the group's id")
    show.add_argument(
        "--source-type",
        type=int,
        choices=kinds,
        help="0 group, 1 user group (default: the kind it is, asked in turn)",
    )
    for action in (create, update):
        action.add_argument(
            "--source-type", type=int, choices=kinds, required=True, help="0 group, 1 user group"
        )

    members = commands.add_parser(
        "members",
        parents=[common],
        help="the members of a group (list, add, remove)",
        description="Lists, adds or removes the members of a group. A batch in which a user "
        "failed names them, and exits 1.",
    )
    member_actions = members.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = member_actions.add_parser("list", parents=[common], help="a group's members")
    listing.add_argument("group_id", metavar="GROUP_ID", help="the group's id")
    listing.add_argument("--keyword", help="only members whose name contains this text")
    listing.add_argument("--page-size", type=int, default=100, help="members per request (1-100)")
    for name, verb in (("add", "add users to a group"), ("remove", "remove users from a group")):
        batch = member_actions.add_parser(
            name, parents=[common], help=f"{verb}, in one batch (safe to repeat)"
        )
        batch.add_argument("group_id", metavar="GROUP_ID", help="the group's id")
        batch.add_argument("user_ids", metavar="USER_ID", nargs="+", help="a user's id")
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
    ("group_id must", "GROUP_ID must"),
    ("user_ids[", "USER_ID["),
    ("user_ids must", "USER_ID must"),
    ("device_id must", "DEVICE_ID must"),
    ("user_id must be a user id", "--member must be a user id"),
    ("user_id and role go together", "--member and --role go together"),
    ("user_id was given without role", "--member was given without --role"),
    ("role was given without user_id", "--role was given without --member"),
    ("(total_timeout=", "(--timeout "),
)
# The SDK's methods, as the commands that call them: an API error's note (a write not
# retried, say) names what the user can run.
_AS_COMMANDS = (
    ("user_groups.members.list()", "`koodrive members list`"),
    ("user_groups.members.add()", "`koodrive members add`"),
    ("user_groups.members.remove()", "`koodrive members remove`"),
    ("user_groups.retrieve()", "`koodrive groups show`"),
    ("user_groups.list()", "`koodrive groups`"),
    ("user_groups.create()", "`koodrive groups create`"),
    ("user_groups.update()", "`koodrive groups update`"),
    ("user_groups.delete()", "`koodrive groups delete`"),
    ("devices.list()", "`koodrive devices`"),
    ("devices.bind()", "`koodrive devices bind`"),
    ("devices.unbind()", "`koodrive devices unbind`"),
)


def _in_cli_terms(message: str) -> str:
    for sdk_words, cli_words in _IN_CLI_TERMS:
        message = message.replace(sdk_words, cli_words)
    return _as_commands(message).replace("  ", " ")


def _as_commands(message: str) -> str:
    for method, command in _AS_COMMANDS:
        message = message.replace(method, command)
    return message


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
    if args.action == "bind":
        device = client.devices.bind(
            machine_code=args.machine_code, device_name=args.name, device_os=args.os
        )
        _show_device(device, args, "bound")
        return
    if args.action == "unbind":
        _show_device(client.devices.unbind(args.device_id), args, "unbound")
        return
    devices = client.devices.list()
    out = _render.stdout()
    if args.json:
        for device in devices:
            _render.write_json_line(_render.device_record(device), out)
        return
    table = _render.StreamedTable(_render.DEVICE_COLUMNS, out)
    table.write([_render.device_row(device) for device in devices])
    table.close("devices")


def _show_device(device: BoundDeviceEntity, args: argparse.Namespace, done: str) -> None:
    out = _render.stdout()
    if args.json:
        _render.write_json_line(_render.device_record(device), out)
        return
    table = _render.StreamedTable(_render.DEVICE_COLUMNS, out)
    table.write([_render.device_row(device)])
    out.write(f"({done})\n")


def _group_write(client: KooDrive, args: argparse.Namespace) -> None:
    """`groups create|update|delete`: one line saying what was done, or its JSON."""
    groups = client.user_groups
    if args.action == "create":
        group_id = groups.create(group_name=args.name, source_type=args.source_type)
        record: dict[str, object] = {
            "id": group_id,
            "groupName": args.name,
            "sourceType": args.source_type,
        }
        line = f"created {_render.KIND_NAMES[SourceType(args.source_type)]} {group_id}"
    elif args.action == "update":
        top = None
        if args.pin or args.unpin:
            top = (
                UpdateUserGroupRequestTop.PINNED if args.pin else UpdateUserGroupRequestTop.IN_ORDER
            )
        role = None if args.role is None else UpdateUserGroupRequestRole[args.role.upper()]
        groups.update(
            args.group_id,
            group_name=args.name,
            source_type=args.source_type,
            icon_url=args.icon_url,
            top=top,
            user_id=args.member,
            role=role,
        )
        record = {"id": args.group_id, "groupName": args.name, "sourceType": args.source_type}
        if args.icon_url is not None:
            record["iconUrl"] = args.icon_url
        if top is not None:
            record["top"] = top.value
        line = f"updated {_render.KIND_NAMES[SourceType(args.source_type)]} {args.group_id}"
        if role is not None:
            record.update(userId=args.member, role=role.value)
            line += f"; member {args.member} is now {args.role}"
    else:
        groups.delete(args.group_id)
        record = {"id": args.group_id, "deleted": True}
        line = f"deleted group {args.group_id}"
    out = _render.stdout()
    if args.json:
        _render.write_json_line(record, out)
    else:
        out.write(_render.printable(line) + "\n")


def _show_group(client: KooDrive, args: argparse.Namespace) -> None:
    """`groups show`: one group's details. Without --source-type, each kind in turn: a
    group is looked up among groups of one kind (the spec's decision)."""
    kinds = list(SourceType) if args.source_type is None else [SourceType(args.source_type)]
    group: UserGroupDetail | None = None
    for position, kind in enumerate(kinds):
        try:
            group = client.user_groups.retrieve(args.group_id, source_type=kind)
            break
        except BadRequestError:
            if position == len(kinds) - 1:
                raise
    assert group is not None
    out = _render.stdout()
    if args.json:
        _render.write_json_line(_render.detail_record(group), out)
        return
    table = _render.StreamedTable(_render.DETAIL_COLUMNS, out)
    table.write([_render.detail_row(group)])


def _members(client: KooDrive, args: argparse.Namespace) -> int:
    """`members list|add|remove`; the exit status (a batch in which a user failed: 1)."""
    members = client.user_groups.members
    out = _render.stdout()
    if args.action == "list":
        listing = members.list(args.group_id, keyword=args.keyword, limit=args.page_size)
        table = (
            None
            if args.json
            else _render.StreamedTable(
                _render.MEMBER_COLUMNS, out, min_widths=_render.MEMBER_MIN_WIDTHS
            )
        )
        on_screen = out.isatty()
        with _render.paging_progress(listing.pages(), "members", rows_on_screen=on_screen) as pages:
            for page in pages:
                if table is None:
                    for member in page.items:
                        _render.write_json_line(_render.member_record(member), out)
                    out.flush()
                else:
                    table.write([_render.member_row(member) for member in page.items])
        if table is not None:
            table.close("members")
        return EXIT_OK
    batch = members.add if args.action == "add" else members.remove
    result: BatchResult = batch(args.group_id, args.user_ids, allow_failures=True)
    if args.json:
        _render.write_json_line(_render.batch_record(args.group_id, result), out)
    else:
        where = "to" if result.effect == "add" else "from"
        line = f"{result.describe()} {where} group {args.group_id}"
        out.write(_render.printable(line) + "\n")
    if result.ok:
        return EXIT_OK
    out.flush()
    failed = ", ".join(result.failed_user_ids) or "the API named none"
    return _fail(
        _render.printable(
            f"{_as_commands(result.operation)}: status {int(result.status)} "
            f"({result.status.name}); failed: {failed} [trace id: {result.trace_id or '-'}]"
        ),
        EXIT_API_ERROR,
    )


def _groups(client: KooDrive, args: argparse.Namespace) -> None:
    if args.action == "show":
        _show_group(client, args)
        return
    if args.action is not None:
        _group_write(client, args)
        return
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
            elif args.command == "members":
                return _members(client, args)
            else:
                _groups(client, args)
    except (ConfigurationError, InvalidArgumentError) as error:
        return _fail(f"configuration: {_in_cli_terms(str(error))}", EXIT_USAGE)
    except APITimeoutError as error:
        return _fail(
            f"the API did not answer in time: {_in_cli_terms(str(error))}", EXIT_UNREACHABLE
        )
    except APIConnectionError as error:
        broke = "no answer from the API" if error.request_sent else "cannot reach the API"
        return _fail(f"{broke}: {_as_commands(str(error))}", EXIT_UNREACHABLE)
    except APIError as error:
        return _fail(_as_commands(str(error)), EXIT_API_ERROR)
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
