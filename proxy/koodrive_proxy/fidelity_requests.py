"""What the fidelity score sends and reads back, for `fidelity` and `fidelity_behaviour`
alike: an answer read from a response, the valid value of a parameter, the query of a
listing walked page by page, and the walk itself, each read from the spec."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from koodrive_spec.behaviour import Behaviour, OffsetPaging
from koodrive_spec.reader import Operation, Parameter, Spec

MAX_PAGES = 500  # a walk that has not ended by then does not end
MAX_PAGE_SIZE_WANTED = 100  # a valid request's page size, when the spec gives none
_EXCERPT = 300

Query = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Answer:
    status: int
    body: object  # the JSON, or the text when it is not JSON
    kind: str  # "success", "service-error", "gateway-error", "not-json", "empty"
    code: object

    @property
    def excerpt(self) -> str:
        text = (
            self.body if isinstance(self.body, str) else json.dumps(self.body, ensure_ascii=False)
        )
        return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."

    @property
    def described(self) -> str:
        """`HTTP 200 {...}`: the status and the start of the body."""
        return f"HTTP {self.status} {self.excerpt}"


def answer_of(response: httpx.Response, success_codes: frozenset[int]) -> Answer:
    try:
        body: object = response.json()
    except ValueError:
        text = response.text
        return Answer(response.status_code, text, "not-json" if text else "empty", None)
    if isinstance(body, Mapping) and "error_code" in body:
        return Answer(response.status_code, body, "gateway-error", body.get("error_code"))
    code = body.get("code") if isinstance(body, Mapping) else None
    as_number = int(code) if isinstance(code, str) and code.isdigit() else code
    success = response.is_success and as_number in success_codes
    return Answer(response.status_code, body, "success" if success else "service-error", code)


def example_of(parameter: Parameter) -> str | None:
    """The parameter's default, else its example, else its first listed value, as text."""
    schema = parameter.schema
    for key in ("default", "example"):
        if key in schema:
            return str(schema[key])
    examples = schema.get("examples")
    if isinstance(examples, list) and examples:
        return str(examples[0])
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return str(enum[0])
    return None


def valid_value(parameter: Parameter, behaviour: Behaviour | None) -> str:
    """A value the parameter accepts: the first page's cursor for a cursor, the first
    page's offset (0) for an offset, the largest page for a page size the spec gives no
    value of."""
    cursor = behaviour.cursor_paging if behaviour is not None else None
    if cursor is not None and parameter.name == cursor.cursor:
        return cursor.first_cursor
    offset = behaviour.offset_paging if behaviour is not None else None
    if offset is not None and parameter.name == offset.offset:
        return "0"
    example = example_of(parameter)
    if example is not None:
        return example
    paging = behaviour.paging if behaviour is not None else None
    if paging is not None and parameter.name == paging.page_size:
        return str(sized(parameter, MAX_PAGE_SIZE_WANTED))
    return ""


def valid_query(operation: Operation, behaviour: Behaviour | None) -> dict[str, str]:
    """Each required query parameter at a valid value."""
    return {
        p.name: valid_value(p, behaviour)
        for p in operation.parameters
        if p.location == "query" and p.required
    }


def page_size_parameter(operation: Operation, behaviour: Behaviour | None) -> Parameter | None:
    paging = behaviour.paging if behaviour is not None else None
    if paging is None or paging.page_size is None:
        return None
    found = operation.parameter(paging.page_size)
    return found if found is not None and found.location == "query" else None


def sized(parameter: Parameter, wanted: int) -> int:
    """`wanted` brought within the page size's bounds."""
    low, high = parameter.schema.get("minimum"), parameter.schema.get("maximum")
    chosen = max(wanted, low if isinstance(low, int) else 1)
    return min(chosen, high) if isinstance(high, int) else chosen


def walk_query(operation: Operation, behaviour: Behaviour | None, page_size: int) -> dict[str, str]:
    """The valid query of a listing's first page, `page_size` items a page (within bounds)."""
    query = valid_query(operation, behaviour)
    size = page_size_parameter(operation, behaviour)
    if size is not None:
        query[size.name] = str(sized(size, page_size))
    return query


@dataclass(frozen=True)
class Listing:
    """A listing walked page by page, as far as it went."""

    query: Query  # the first page's
    items: tuple[Mapping[str, Any], ...]
    keys: tuple[str, ...]  # each item's key (`item-key`), in the order listed
    page_lengths: tuple[int, ...]
    total: object  # the first `total` a page told, None when none did
    # a page without a next cursor came, or (offset paging) the offset reached `total` or a
    # page was empty (False: one failed, or it never ended)
    ends: bool
    failed: Answer | None  # the answer that was no success listing, if one was not
    last: Answer
    pages: int  # the answers read

    @property
    def complete(self) -> bool:
        return self.ends and self.failed is None

    @property
    def repeats(self) -> bool:
        return len(set(self.keys)) != len(self.keys)


def walk(
    send: Callable[[Sequence[tuple[str, str]]], Answer],
    behaviour: Behaviour,
    query: Mapping[str, str],
    *,
    max_pages: int = MAX_PAGES,
) -> Listing:
    """Follow a listing from `query` (its first page) to its end, or until a page fails, a
    cursor comes back (it would loop), or `max_pages` were read. An operation that does not
    page is one page. An offset-paged listing (`behaviour.offset_paging`) is walked from
    offset 0, each page's offset the last one's plus its length, until the offset reaches
    the first page's `total` or a page is empty."""
    if behaviour.offset_paging is not None:
        return _walk_offsets(send, behaviour, behaviour.offset_paging, query, max_pages)
    paging = behaviour.cursor_paging
    sent = dict(query)
    followed: set[str] = set()
    items: list[Mapping[str, Any]] = []
    lengths: list[int] = []
    total: object = None
    answer = send(list(sent.items()))

    def listing(ends: bool, failed: Answer | None) -> Listing:
        return _listing(behaviour, query, items, lengths, total, ends, failed, answer)

    while True:
        listed = behaviour.items_of(answer.body) if answer.kind == "success" else None
        if listed is None:
            return listing(False, answer)
        items += listed
        lengths.append(len(listed))
        body = answer.body if isinstance(answer.body, Mapping) else {}
        if paging is None:
            return listing(True, None)
        if total is None and paging.total is not None:
            total = body.get(paging.total)
        cursor = body.get(paging.next_cursor)
        if not cursor or len(lengths) >= max_pages or str(cursor) in followed:
            return listing(not cursor, None)
        followed.add(str(cursor))
        sent[paging.cursor] = str(cursor)
        answer = send(list(sent.items()))


def _listing(
    behaviour: Behaviour,
    query: Mapping[str, str],
    items: Sequence[Mapping[str, Any]],
    lengths: Sequence[int],
    total: object,
    ends: bool,
    failed: Answer | None,
    last: Answer,
) -> Listing:
    """A walk as it stands: every page read counts, a failed one too."""
    return Listing(
        tuple(query.items()),
        tuple(items),
        tuple(behaviour.key_of(item) for item in items),
        tuple(lengths),
        total,
        ends,
        failed,
        last,
        len(lengths) + (failed is not None),
    )


def _walk_offsets(
    send: Callable[[Sequence[tuple[str, str]]], Answer],
    behaviour: Behaviour,
    paging: OffsetPaging,
    query: Mapping[str, str],
    max_pages: int,
) -> Listing:
    sent = {**query, paging.offset: "0"}
    items: list[Mapping[str, Any]] = []
    lengths: list[int] = []
    total: object = None
    offset = 0
    while True:
        answer = send(list(sent.items()))
        listed = behaviour.items_of(answer.body) if answer.kind == "success" else None
        failed = answer if listed is None else None
        if listed is not None:
            items += listed
            lengths.append(len(listed))
            body = answer.body if isinstance(answer.body, Mapping) else {}
            if total is None:
                total = body.get(paging.total)
            offset += len(listed)
        told = total if isinstance(total, int) and not isinstance(total, bool) else None
        ends = listed is not None and (not listed or (told is not None and offset >= told))
        if failed is not None or ends or len(lengths) >= max_pages:
            return _listing(behaviour, query, items, lengths, total, ends, failed, answer)
        sent[paging.offset] = str(offset)


def key_listing(spec: Spec, operation_id: str, parameter: str) -> str | None:
    """The listing whose item keys are the values of `operation_id`'s path parameter
    `parameter`, as the spec declares it: the listing a read is the `detail-of`, or the
    `joined` listing of a membership batch whose `members` listing this is (a group the
    user joins). None when the spec names none."""
    behaviour = spec.behaviours.get(operation_id)
    detail = behaviour.detail_of if behaviour is not None else None
    if detail is not None and detail.key == parameter:
        return detail.listing
    for other in spec.behaviours.values():
        membership = other.membership
        if (
            membership is not None
            and membership.group == parameter
            and membership.members == operation_id
        ):
            return membership.joined
    return None
