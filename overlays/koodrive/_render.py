"""How the `koodrive` command shows results: a rich table or JSON lines, plus progress.

`rich` (the `cli` extra) is imported only here and only when a table or a progress bar is
wanted, so `--json` works without it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from koodrive_client.models import BoundDeviceEntity, SourceType, UserGroupInfo

from .errors import ConfigurationError
from .pagination import Page

if TYPE_CHECKING:
    from rich.console import Console

Row = tuple[str, ...]
DEVICE_COLUMNS: Row = ("Device ID", "Name", "OS", "Machine code", "Created (UTC)")
GROUP_COLUMNS: Row = ("Group ID", "Name", "Kind", "Owner", "Created (UTC)", "Updated (UTC)")
KIND_NAMES = {SourceType.GROUP: "group", SourceType.USER_GROUP: "user group"}


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def api_time(moment: datetime) -> str:
    """The API's own form, UTC to the millisecond: 2024-04-25T06:49:49.000Z.

    The generated `to_dict()` writes `isoformat()` (`+00:00`, microseconds); `--json`
    mirrors the API's bodies instead.
    """
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def device_row(device: BoundDeviceEntity) -> Row:
    return (
        device.device_id,
        device.device_name,
        device.device_os,
        device.machine_code,
        when(device.create_time),
    )


def group_row(group: UserGroupInfo, kind: SourceType) -> Row:
    return (
        group.id,
        group.group_name,
        KIND_NAMES[kind],
        group.owner_id,
        when(group.created_time),
        when(group.updated_time),
    )


def write_json_line(record: dict[str, object], out: TextIO) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def device_record(device: BoundDeviceEntity) -> dict[str, object]:
    return {**device.to_dict(), "createTime": api_time(device.create_time)}


def group_record(group: UserGroupInfo, kind: SourceType) -> dict[str, object]:
    return {
        **group.to_dict(),
        "createdTime": api_time(group.created_time),
        "updatedTime": api_time(group.updated_time),
        "sourceType": int(kind),
    }


def rich_console(*, stderr: bool) -> Console:
    try:
        from rich.console import Console
    except ImportError:  # pragma: no cover - the cli extra is part of the dev install
        raise ConfigurationError(
            "tables need the 'rich' package: pip install 'koodrive-sdk[cli]', or use --json"
        ) from None
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        # Piped into a file or a pager: wide enough that no id is cut short.
        console.width = max(console.width, 160)
    return console


def print_table(title: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(*columns, title=title, title_justify="left")
    for row in rows:
        # Text, not str: a group named "[bold]x" is shown as is, never read as markup.
        table.add_row(*(Text(cell) for cell in row))
    rich_console(stderr=False).print(table)


@contextmanager
def paging_progress(
    pages: Iterator[Page[UserGroupInfo]], label: str
) -> Iterator[Iterator[Page[UserGroupInfo]]]:
    """`pages`, showing on stderr how many of the `total` groups arrived (terminals only)."""
    try:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    except ImportError:  # pragma: no cover
        yield pages
        return
    console = rich_console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=not console.is_interactive,
    )
    task = progress.add_task(label, total=None)

    def counted() -> Iterator[Page[UserGroupInfo]]:
        for page in pages:
            progress.update(task, total=page.total, advance=len(page.items))
            yield page

    with progress:
        yield counted()


def stdout() -> TextIO:
    return sys.stdout
