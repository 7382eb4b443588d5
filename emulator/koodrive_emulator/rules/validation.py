"""Parameter and header validation, mirroring the constraints written in openapi.yaml.

Every problem is reported at once in the service's style:
`Verify parameters failed: pageSize must be an integer from 1 to 100`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from koodrive_emulator.models import SourceType

MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 1024
MAX_GROUP_NAME_LENGTH = 128
_TRACE_ID = re.compile(r"[0-9A-Za-z]{58}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?")
_INTEGER = re.compile(r"-?[0-9]{1,12}")


class ValidationError(Exception):
    """Bad parameters; `str(error)` is the service's `msg`."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Verify parameters failed: " + "; ".join(self.problems))


@dataclass(frozen=True)
class GroupsQuery:
    page_size: int
    page_cursor: str
    source_type: SourceType
    group_name: str | None


def trace_id(headers: Mapping[str, str]) -> str | None:
    """The request's X-Traceid when it is well formed (only then is it echoed)."""
    value = headers.get("x-traceid")
    return value if value is not None and _TRACE_ID.fullmatch(value) else None


def header_problems(headers: Mapping[str, str]) -> list[str]:
    problems = []
    value = headers.get("x-traceid")
    if value is not None and not _TRACE_ID.fullmatch(value):
        problems.append("X-Traceid must be exactly 58 characters from [0-9A-Za-z]")
    value = headers.get("language")
    if value is not None and not _LANGUAGE.fullmatch(value):
        problems.append("language must be a language code such as en-US or zh-CN")
    return problems


def check_headers(headers: Mapping[str, str]) -> None:
    problems = header_problems(headers)
    if problems:
        raise ValidationError(problems)


def parse_groups_query(
    params: Sequence[tuple[str, str]], headers: Mapping[str, str], *, lenient: bool = False
) -> GroupsQuery:
    """The list-user-groups query, or ValidationError naming every bad parameter.

    `lenient` plays a flawed server (a fault): a whole-number pageSize out of bounds is
    clamped into them and a missing sourceType reads as 0, where the spec says 400.
    """
    values: dict[str, list[str]] = {}
    for name, value in params:
        values.setdefault(name, []).append(value)
    problems = header_problems(headers)

    def single(name: str, required_hint: str) -> str | None:
        given = values.get(name)
        if given is None:
            if required_hint:
                problems.append(f"{name} is required ({required_hint})")
            return None
        if len(given) > 1:
            problems.append(f"{name} must be given once")
            return None
        return given[0]

    given_size = single("pageSize", "an integer from 1 to 100")
    if lenient and given_size is not None and _INTEGER.fullmatch(given_size):
        given_size = str(min(max(int(given_size), 1), MAX_PAGE_SIZE))
    page_size = _page_size(given_size, problems)
    cursor = single("pageCursor", "empty for the first page, then the previous nextCursor")
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        problems.append(f"pageCursor must be at most {MAX_CURSOR_LENGTH} characters")
    source = single("sourceType", "" if lenient else "0 for groups, 1 for user groups")
    if lenient and source is None:
        source = "0"
    source_type = None
    if source is not None:
        if source in ("0", "1"):
            source_type = SourceType(int(source))
        else:
            problems.append("sourceType must be 0 (groups) or 1 (user groups)")
    group_name = single("groupName", "")
    if group_name is not None and not 1 <= len(group_name) <= MAX_GROUP_NAME_LENGTH:
        problems.append(f"groupName must be 1 to {MAX_GROUP_NAME_LENGTH} characters")
    if problems or page_size is None or cursor is None or source_type is None:
        raise ValidationError(problems)
    return GroupsQuery(page_size, cursor, source_type, group_name)


def _page_size(value: str | None, problems: list[str]) -> int | None:
    if value is None:
        return None
    if _INTEGER.fullmatch(value) and 1 <= int(value) <= MAX_PAGE_SIZE:
        return int(value)
    problems.append(f"pageSize must be an integer from 1 to {MAX_PAGE_SIZE}")
    return None
