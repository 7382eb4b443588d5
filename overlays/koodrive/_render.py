"""How the `koodrive` command shows results: a table or JSON lines, streamed as pages
arrive, plus a progress count on a terminal. Plain text: the command needs nothing beyond
the SDK's own dependencies."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TextIO, TypeVar

from koodrive_client.models import (
    BoundDeviceEntity,
    MemberInfo,
    MemberRole,
    SourceType,
    UserGroupDetail,
    UserGroupInfo,
)

from .batches import BatchResult
from .pagination import Page

Row = tuple[str, ...]
ItemT = TypeVar("ItemT")
DEVICE_COLUMNS: Row = ("Device ID", "Name", "OS", "Machine code", "Created (UTC)")
GROUP_COLUMNS: Row = ("Group ID", "Name", "Kind", "Owner", "Created (UTC)", "Updated (UTC)")
KIND_NAMES = {SourceType.GROUP: "group", SourceType.USER_GROUP: "user group"}
DETAIL_COLUMNS: Row = (
    "Group ID", "Name", "Kind", "Owner", "Tenant", "Created (UTC)", "Updated (UTC)", "Icon",
)  # fmt: skip
MEMBER_COLUMNS: Row = ("User ID", "Name", "Role", "Department", "Pinned", "Joined (UTC)")
ROLE_NAMES = {
    MemberRole.OWNER: "owner",
    MemberRole.ADMINISTRATOR: "administrator",
    MemberRole.MEMBER: "member",
}
MEMBER_MIN_WIDTHS = {"Role": max(len(name) for name in ROLE_NAMES.values()), "Name": 16}
# Widths a later page may need although the first did not: both kinds, longer names.
GROUP_MIN_WIDTHS = {"Kind": max(len(name) for name in KIND_NAMES.values()), "Name": 24}


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


def detail_row(group: UserGroupDetail) -> Row:
    return (
        group.id,
        group.group_name,
        KIND_NAMES.get(group.source_type, str(group.source_type)),
        group.owner_id,
        group.tenant_id,
        when(group.created_time),
        when(group.updated_time),
        group.icon_url or "",
    )


def detail_record(group: UserGroupDetail) -> dict[str, object]:
    return {
        **group.to_dict(),
        "createdTime": api_time(group.created_time),
        "updatedTime": api_time(group.updated_time),
    }


def member_row(member: MemberInfo) -> Row:
    return (
        member.user_id,
        member.user_name or "",
        ROLE_NAMES.get(member.role, str(member.role)),
        member.dept_name or "",
        "yes" if member.top else "",
        when(member.created_time),
    )


def member_record(member: MemberInfo) -> dict[str, object]:
    return {
        **member.to_dict(),
        "createdTime": api_time(member.created_time),
        "updatedTime": api_time(member.updated_time),
    }


def batch_record(group_id: str, result: BatchResult) -> dict[str, object]:
    """A batch's result as `--json` shows it: the status by value and by name, the ids
    as strings."""
    return {
        "groupId": group_id,
        "effect": result.effect,
        "status": int(result.status),
        "statusName": result.status.name,
        "userIds": list(result.user_ids),
        "failedUserIds": list(result.failed_user_ids),
    }


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


class StreamedTable:
    """A table written row by row as pages arrive, so the first rows show at once and
    memory stays flat however long the listing.

    Column widths are fixed by the header and the first rows written; a later cell that is
    wider is cut with '…'. Widths count terminal cells (a CJK character takes two), and
    control characters are shown as '?', so no cell can move the cursor or recolour the
    terminal.
    """

    def __init__(
        self,
        columns: Sequence[str],
        out: TextIO,
        *,
        min_widths: Mapping[str, int] | None = None,
        max_width: int = 48,
    ) -> None:
        self._columns = tuple(columns)
        self._min_widths = min_widths or {}
        self._out = out
        self._max_width = max_width
        self._widths: list[int] | None = None
        self.rows = 0

    def write(self, rows: Sequence[Row]) -> None:
        cleaned = [tuple(_printable(cell) for cell in row) for row in rows]
        if self._widths is None:
            self._widths = [
                min(
                    max(
                        _cells(name),
                        self._min_widths.get(name, 0),
                        *(_cells(row[index]) for row in cleaned),
                    ),
                    self._max_width,
                )
                for index, name in enumerate(self._columns)
            ]
            self._line(self._columns)
            self._line(tuple("-" * width for width in self._widths))
        for row in cleaned:
            self._line(row)
        self.rows += len(cleaned)
        self._out.flush()

    def close(self, noun: str) -> None:
        if self._widths is None:
            self.write([])
        self._out.write(f"({self.rows} {noun})\n")
        self._out.flush()

    def _line(self, row: Row) -> None:
        assert self._widths is not None
        cells = [_fit(cell, width) for cell, width in zip(row, self._widths, strict=True)]
        self._out.write("  ".join(cells).rstrip() + "\n")


def printable(text: str) -> str:
    """`text` with every control character shown as '?': fit for a terminal."""
    return _printable(text)


def _printable(text: str) -> str:
    if text.isascii() and text.isprintable():
        return text  # most cells: nothing to replace, without a lookup per character
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


def _cells(text: str) -> int:
    if text.isascii():
        return len(text)  # one cell each (control characters are '?' by now)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    if _cells(text) > width:
        kept, used = [], 0
        for ch in text:
            size = _cells(ch)
            if used + size > width - 1:
                break
            kept.append(ch)
            used += size
        text = "".join(kept) + "…"
    return text + " " * (width - _cells(text))


@contextmanager
def paging_progress(
    pages: Iterator[Page[ItemT]], label: str, *, rows_on_screen: bool
) -> Iterator[Iterator[Page[ItemT]]]:
    """`pages`, counting on stderr how many of the `total` items arrived, when stderr is
    a terminal and the rows are not going to that screen (where they are the progress)."""
    if rows_on_screen or not sys.stderr.isatty():
        yield pages
        return

    def counted() -> Iterator[Page[ItemT]]:
        done = 0
        for page in pages:
            done += len(page.items)
            sys.stderr.write(f"\r{label}: {done}/{page.total}")
            sys.stderr.flush()
            yield page

    try:
        yield counted()
    finally:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def stdout() -> TextIO:
    return sys.stdout
