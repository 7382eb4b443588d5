"""Checks of what each operation promises beyond its schemas (`x-koodrive-behaviour`).

Per response, on every case of every phase:

- `success_as_declared`: a 2xx is the declared success status, with the declared `code`;
- `headers_echoed`: each echoed header the request sent comes back unchanged on a success;
- `page_within_request`: a page holds no more items than `pageSize` asked for, and each one
  matches the filters the request sent;
- `record_times_as_declared`: the listed items' record times (`record-times`) are not later
  than the response, within the clock tolerance, and updated is not before created;
- `invalid_requests_refused`: a request that breaks a parameter's schema, as it went on
  the wire, or that sends a cursor the target never issued for its parameters, gets the
  declared refusal (400 with code 13000102), whatever phase or mode made it.

Once per operation, after the first request the target accepted (so the credentials are
proven), with requests of their own:

- `listings_page_as_declared`: whole listings followed to the end, within a bound: no item
  twice, the listing ends, the items add up to `total`, no page longer than `pageSize`;
- `filters_applied_as_declared`: every item matches the filters, a filter drops no item
  that matches it, and listings for two values of a partitioning filter share no item;
- `cursors_refused_as_declared`: an altered cursor, a made-up one, and an issued one sent
  with other values of the parameters it is bound to get the declared refusal;
- `owner_data_only`: another user's listing shares no item with ours where an item belongs
  to one user only.

Each failure names the broken promise and the requests (curl) that show it.
"""

from __future__ import annotations

import math
import os
import secrets
import string
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import requests
import schemathesis
from koodrive_spec.behaviour import Behaviour, CursorPaging, Filter, Match, OffsetPaging
from koodrive_spec.document import resolve

from contract_tests import operations, record_times, wire
from contract_tests.auth_provider import AUTH_HEADERS, security_requirements, sent_mode
from contract_tests.credentials import AuthMode, Credentials, another_user
from contract_tests.cursors import ISSUED, bound_values
from contract_tests.probing import Sender, Sent, curl_of, result_code
from contract_tests.request_auth import requirement_for
from contract_tests.run_settings import REPORTS_VARIABLE, RunSettings
from contract_tests.summary import PROMISES_HEADER
from contract_tests.throttling import Throttling
from contract_tests.types import Case
from contract_tests.unexercised import Unexercised
from contract_tests.wire import wire_text

# A listing may have short or even empty pages before its end; one that needs more than
# this many pages per page-size's worth of items (plus a margin) is taken as never ending.
PAGES_PER_FULL_PAGE = 4
EXTRA_PAGES = 20
MAX_PAGES = 500  # a hard bound on one walk, whatever `total` says
PAGES_PER_WALK = 5  # the page size of a walk is chosen so that a listing takes about this many

_ALPHANUMERIC = string.ascii_letters + string.digits
# Where a security scheme of an apiKey header gives the header's schema.
SCHEMA_EXTENSION = "x-koodrive-schema"


class BrokenPromise(AssertionError):
    """One or more promises broken, each with the curl commands that show it."""

    def __init__(self, operation: str, problems: Sequence[str]) -> None:
        super().__init__(f"{operation} {PROMISES_HEADER}\n" + "\n".join(problems))


_KINDS: dict[str, type[BrokenPromise]] = {}


def broken(kind: str, operation: str, problems: Sequence[str]) -> BrokenPromise:
    """A BrokenPromise of its own type per `kind`: schemathesis keeps one failure per check,
    operation and exception type, so that two kinds (pageSize out of bounds, sourceType
    missing) are both reported, not merged into the first."""
    found = _KINDS.get(kind)
    if found is None:
        name = "BrokenPromise_" + "".join(ch if ch.isalnum() else "_" for ch in kind)
        found = _KINDS.setdefault(kind, type(name, (BrokenPromise,), {}))
    return found(operation, problems)


# Accepted cases whose listing is empty, tried before an operation's checks run on one.
MAX_EMPTY_PLANS = 20


def _problem(text: str, *sent: Sent | str) -> str:
    curls = [s if isinstance(s, str) else s.curl for s in sent]
    return "- " + text + "".join(f"\n    {curl}" for curl in curls)


def _total_disagrees(total_field: str, listing: Listing, where: str) -> str:
    """The problem of a listing whose total is not the number of items it yields."""
    return _problem(
        f"`{total_field}` is {listing.total} but the listing yields "
        f"{len(listing.items)} items over {len(listing.pages)} pages ({where})",
        listing.pages[0],
        listing.pages[-1],
    )


def _verdict(case: Case, response: schemathesis.Response, problems: Sequence[str]) -> bool:
    """True when nothing is broken; else a BrokenPromise quoting this response's request."""
    if problems:
        curl = curl_of(response.request, case)
        raise BrokenPromise(case.operation.label, [_problem(p, curl) for p in problems])
    return True


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            if isinstance(value, list):
                return str(value[0]) if value else None
            return str(value)
    return None


def _text_headers(request: requests.PreparedRequest) -> dict[str, str]:
    return {
        name: value if isinstance(value, str) else value.decode("latin-1")
        for name, value in request.headers.items()
    }


def _json(response: schemathesis.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _describe(query: Mapping[str, Any]) -> str:
    return ", ".join(f"{name}={wire_text(value)}" for name, value in query.items())


def fresh_echoes(case: Case, behaviour: Behaviour) -> dict[str, str]:
    """A fresh value for each echoed header (`X-Traceid`), of its schema's length, checked
    against its schema; a header the suite cannot make a valid value for is left out."""
    values = {}
    for parameter in operations.parameters_of(case.operation):
        if parameter.name not in behaviour.echoed_headers:
            continue
        length = parameter.schema.get("minLength") or parameter.schema.get("maxLength") or 32
        value = "".join(secrets.choice(_ALPHANUMERIC) for _ in range(int(length)))
        if not wire.problems([parameter], {}, {parameter.name: value}):
            values[parameter.name] = value
    return values


def _fresh(plan: Plan) -> dict[str, str]:
    return fresh_echoes(plan.case, plan.behaviour)


def _refused(sent: Sent, expected_status: int, expected_code: int) -> bool:
    return sent.status == expected_status and sent.code() == expected_code


# --- listings ----------------------------------------------------------------------------


@dataclass
class Listing:
    """What following one listing to its end found."""

    query: dict[str, Any]  # the first page's query (cursor included)
    items: list[Mapping[str, Any]] = field(default_factory=list)
    pages: list[Sent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cursors: list[str] = field(default_factory=list)  # the next cursors issued, in order
    first_page: dict[str, int] = field(default_factory=dict)  # item key -> page first listed
    repeats: int = 0
    echo_reported: set[str] = field(default_factory=set)
    total: int | None = None
    complete: bool = False  # ended as the spec says, without a problem
    throttled: str | None = None  # why throttling stopped it before its end, if it did

    def keys(self, behaviour: Behaviour) -> set[str]:
        return {behaviour.key_of(item) for item in self.items}


class Walker:
    """Follows listings page by page with the suite's credentials; remembers each walk, so
    that every check reading a listing reads the same one. A walk that is to see what
    changed since (a write of the run's, or a tenant's) must be made with `anew=True`."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self._lock = threading.Lock()
        self._walks: dict[tuple[str, str, str], Listing] = {}
        self._sizes: dict[tuple[str, str, str], object] = {}

    def walk(
        self,
        case: Case,
        mode: AuthMode,
        behaviour: Behaviour,
        query: Mapping[str, Any],
        *,
        anew: bool = False,
    ) -> Listing:
        """The listing of `query`, as first walked in this run; `anew`: walked now, and
        remembered in place of the earlier walk."""
        key = (case.operation.label, mode.value, _describe(query))
        with self._lock:  # one walk at a time: a live target is rate-limited anyway
            if anew or key not in self._walks:
                listing = self._follow(case, mode, behaviour, dict(query))
                if listing.problems:
                    # Once more before blaming the target: a live listing may have changed
                    # while it was followed (a group added or removed between two pages).
                    again = self._follow(case, mode, behaviour, dict(query))
                    # A retry the gateway throttled neither confirms nor clears the problem.
                    listing = again if not again.problems and not again.throttled else listing
                if listing.repeats > 1:
                    listing.problems.append(f"- ({listing.repeats} items repeated in all)")
                self._walks[key] = listing
            return self._walks[key]

    def sized(
        self, case: Case, mode: AuthMode, behaviour: Behaviour, query: Mapping[str, Any]
    ) -> dict[str, Any]:
        """`query` with a page size that splits its listing into about PAGES_PER_WALK pages:
        the first page at the largest page size says how many items there are."""
        paging = behaviour.paging
        if paging is None or paging.page_size is None or paging.total is None:
            return dict(query)
        key = (case.operation.label, mode.value, _describe(query))
        with self._lock:
            if key not in self._sizes:
                self._sizes[key] = self._size_for(
                    case, mode, behaviour, paging.page_size, paging.total, query
                )
            return {**query, paging.page_size: self._sizes[key]}

    def _size_for(
        self,
        case: Case,
        mode: AuthMode,
        behaviour: Behaviour,
        page_size: str,
        total_field: str,
        query: Mapping[str, Any],
    ) -> object:
        schema = _schema_of(case, page_size)
        largest = schema.get("maximum", query.get(page_size))
        smallest = schema.get("minimum", 1)
        probe = self.sender.send(
            case,
            mode,
            query={**query, page_size: largest},
            headers=fresh_echoes(case, behaviour),
        )
        total = probe.body.get(total_field) if isinstance(probe.body, dict) else None
        if not isinstance(total, int) or isinstance(total, bool) or not isinstance(largest, int):
            return largest
        return max(smallest, min(largest, math.ceil(total / PAGES_PER_WALK) or smallest))

    def _follow(
        self, case: Case, mode: AuthMode, behaviour: Behaviour, query: dict[str, Any]
    ) -> Listing:
        listing = Listing(dict(query))
        if behaviour.offset_paging is not None:
            return self._follow_offsets(case, mode, behaviour, behaviour.offset_paging, listing)
        paging = behaviour.cursor_paging
        if paging is None:  # one response holds the whole listing
            sent = self._page(case, mode, behaviour, query, listing)
            if sent is not None:
                self._take(behaviour, listing, sent, 1, _describe(query))
                listing.complete = not listing.problems
            return listing
        where = _describe({k: v for k, v in query.items() if k != paging.cursor})
        page_size = _page_size(paging, query)
        bound = MAX_PAGES
        page_query = dict(query)
        for number in range(1, MAX_PAGES + 1):
            sent = self._page(case, mode, behaviour, page_query, listing)
            if sent is None:
                return listing
            body = sent.body if isinstance(sent.body, dict) else {}
            total = body.get(paging.total) if paging.total is not None else None
            if isinstance(total, int) and not isinstance(total, bool):
                if listing.total is None:
                    listing.total = total
                    if page_size:
                        full_pages = math.ceil(total / page_size)
                        bound = min(MAX_PAGES, PAGES_PER_FULL_PAGE * full_pages + EXTRA_PAGES)
                elif total != listing.total:
                    listing.problems.append(
                        _problem(
                            f"`{paging.total}` changed from {listing.total} to {total} on page "
                            f"{number} of one listing ({where})",
                            sent,
                        )
                    )
            items = self._take(behaviour, listing, sent, number, where)
            if page_size is not None and items > page_size:
                listing.problems.append(
                    _problem(
                        f"page {number} holds {items} items, more than "
                        f"{paging.page_size}={page_size} ({where})",
                        sent,
                    )
                )
            next_cursor = body.get(paging.next_cursor)
            if not isinstance(next_cursor, str):
                listing.complete = not listing.problems
                break
            if next_cursor in listing.cursors or next_cursor == query.get(paging.cursor):
                listing.problems.append(
                    _problem(
                        f"page {number} sent back a cursor issued before: the listing loops "
                        f"and never ends ({where})",
                        sent,
                    )
                )
                return listing
            listing.cursors.append(next_cursor)
            ISSUED.remember(case.operation.label, next_cursor, bound_values(paging, query))
            if number >= bound:
                listing.problems.append(
                    _problem(
                        f"the listing did not end: page {number}, for a total of "
                        f"{listing.total}, still has a `{paging.next_cursor}` ({where})",
                        listing.pages[0],
                        sent,
                    )
                )
                return listing
            page_query = {**query, paging.cursor: next_cursor}
        if paging.total is not None and listing.complete and len(listing.items) != listing.total:
            listing.problems.append(_total_disagrees(paging.total, listing, where))
            listing.complete = False
        return listing

    def _follow_offsets(
        self,
        case: Case,
        mode: AuthMode,
        behaviour: Behaviour,
        paging: OffsetPaging,
        listing: Listing,
    ) -> Listing:
        """An offset-paged listing walked as its spec says a client walks it: `offset` 0,
        then each page's offset plus `limit`, until `offset` reaches `total`; then one page
        at `offset` = `total`, which must be empty."""
        query = listing.query
        where = _describe(_without(query, paging.offset))
        limit = _page_size(paging, query)
        if limit is None or limit < 1:
            listing.problems.append(f"- no valid {paging.limit} to walk the listing with ({where})")
            return listing
        offset = 0
        for number in range(1, MAX_PAGES + 1):
            sent = self._page(case, mode, behaviour, {**query, paging.offset: offset}, listing)
            if sent is None:
                return listing
            body = sent.body if isinstance(sent.body, dict) else {}
            total = body.get(paging.total)
            if not isinstance(total, int) or isinstance(total, bool):
                return listing  # the schema checks report a missing or mistyped total
            if listing.total is None:
                listing.total = total
            elif total != listing.total:
                listing.problems.append(
                    _problem(
                        f"`{paging.total}` changed from {listing.total} to {total} at "
                        f"{paging.offset}={offset} of one listing ({where}): a walk's "
                        f"`{paging.total}` is stable",
                        listing.pages[0],
                        sent,
                    )
                )
                return listing
            items = self._take(behaviour, listing, sent, number, where)
            if items > limit:
                listing.problems.append(
                    _problem(
                        f"the page at {paging.offset}={offset} holds {items} items, more than "
                        f"{paging.limit}={limit} ({where})",
                        sent,
                    )
                )
            if offset + limit >= listing.total:
                break
            if items == 0:
                listing.problems.append(
                    _problem(
                        f"the page at {paging.offset}={offset} is empty, but `{paging.total}` is "
                        f"{listing.total}: the listing ends before its end ({where})",
                        listing.pages[0],
                        sent,
                    )
                )
                return listing
            offset += limit
        else:
            listing.problems.append(
                _problem(
                    f"the listing did not end within {MAX_PAGES} pages ({where})", listing.pages[0]
                )
            )
            return listing
        past = self._page(case, mode, behaviour, {**query, paging.offset: listing.total}, listing)
        listing.pages.pop()  # the probe past the end is no page of the listing
        if past is None:
            return listing
        beyond = behaviour.items_of(past.body) or []
        if beyond:
            listing.problems.append(
                _problem(
                    f"{paging.offset}={listing.total}, at `{paging.total}`, answered "
                    f"{len(beyond)} items (first {behaviour.key_of(beyond[0])}); an "
                    f"{paging.offset} at or past `{paging.total}` gives an empty page ({where})",
                    past,
                )
            )
        if len(listing.items) != listing.total:
            listing.problems.append(_total_disagrees(paging.total, listing, where))
        listing.complete = not listing.problems
        return listing

    def _take(
        self,
        behaviour: Behaviour,
        listing: Listing,
        sent: Sent,
        number: int,
        where: str,
    ) -> int:
        """Add a page's items to the listing, reporting any listed before; how many it held."""
        items = behaviour.items_of(sent.body) or []
        for item in items:
            item_key = behaviour.key_of(item)
            first = listing.first_page.get(item_key)
            if first is not None:
                listing.repeats += 1
                if listing.repeats == 1:  # the first shows it; the count says how often
                    listing.problems.append(
                        _problem(
                            f"the listing repeated item {item_key} on page {number}, first "
                            f"listed on page {first} ({where})",
                            listing.pages[first - 1],
                            sent,
                        )
                    )
            else:
                listing.first_page[item_key] = number
                listing.items.append(item)
        return len(items)

    def _page(
        self,
        case: Case,
        mode: AuthMode,
        behaviour: Behaviour,
        query: Mapping[str, Any],
        listing: Listing,
    ) -> Sent | None:
        """One page, sent with a fresh trace id; None (and a problem) when it is no success."""
        echoed = fresh_echoes(case, behaviour)
        sent = self.sender.send(case, mode, query=query, headers=echoed)
        listing.pages.append(sent)
        what = "the first page" if len(listing.pages) == 1 else f"page {len(listing.pages)}"
        if sent.throttled:
            # The gateway's throttling outlasted the waiting: no broken promise, but the
            # listing was not followed to its end, which the checks reading it must say.
            listing.throttled = (
                f"{what} of a listing ({_describe(_position_free(behaviour, query))}) was still "
                f"answered {sent.status} after waiting out throttling, so the listing was not "
                "followed to its end"
            )
            return None
        if sent.status != behaviour.success.status or sent.code() != behaviour.success.code:
            listing.problems.append(
                _problem(
                    f"{what} of a listing answered {sent.status} with code {sent.code()!r}; "
                    f"a valid request gets {behaviour.success.status} with code "
                    f"{behaviour.success.code} ({_describe(query)})",
                    sent,
                )
            )
            return None
        for name, value in echoed.items():
            got = sent.headers.get(name)
            if got != value and name not in listing.echo_reported:  # once per listing
                listing.echo_reported.add(name)
                listing.problems.append(_echo_problem(name, value, got, sent))
        return sent


def _echo_problem(name: str, value: str, got: str | None, sent: Sent | str) -> str:
    if got is None:
        return _problem(f"{name} {value} was sent but not echoed", sent)
    return _problem(f"{name} {value} was sent but echoed as {got}", sent)


def _position_free(behaviour: Behaviour, query: Mapping[str, Any]) -> dict[str, Any]:
    """`query` without what places a page in its listing (the cursor, the offset)."""
    if behaviour.cursor_paging is not None:
        return _without(query, behaviour.cursor_paging.cursor)
    if behaviour.offset_paging is not None:
        return _without(query, behaviour.offset_paging.offset)
    return dict(query)


def _page_size(paging: CursorPaging | OffsetPaging | None, query: Mapping[str, Any]) -> int | None:
    if paging is None or paging.page_size is None:
        return None
    value = query.get(paging.page_size)
    try:
        return int(wire_text(value)) if value is not None else None
    except ValueError:
        return None


# --- planning the walks ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The listings an operation's checks follow, from one accepted case."""

    case: Case
    mode: AuthMode
    behaviour: Behaviour
    base: dict[str, Any]  # the accepted case's query: first-page cursor, no contains-filters


def _schema_of(case: Case, name: str) -> Mapping[str, Any]:
    parameter = operations.parameter_of(case.operation, name)
    return parameter.schema if parameter is not None else {}


def plan_for(case: Case, mode: AuthMode, behaviour: Behaviour) -> Plan:
    # The path parameters too: a listing is bound to them as to the query's.
    query = {**(case.path_parameters or {})}
    query.update(case.query if isinstance(case.query, dict) else {})
    paging = behaviour.cursor_paging
    if paging is not None:
        query[paging.cursor] = paging.first_cursor
    if behaviour.offset_paging is not None:
        query[behaviour.offset_paging.offset] = 0  # the first page
    for name in behaviour.text_filters:
        query.pop(name, None)
    return Plan(case, mode, behaviour, query)


def partition_values(plan: Plan) -> list[tuple[Filter | None, dict[str, Any]]]:
    """A first-page query per value of each partitioning filter (the base alone if none)."""
    queries: list[tuple[Filter | None, dict[str, Any]]] = []
    for filter_ in plan.behaviour.filters:
        if filter_.match is not Match.PARTITIONS:
            continue
        values = _schema_of(plan.case, filter_.parameter).get("enum")
        if isinstance(values, list):
            queries += [(filter_, {**plan.base, filter_.parameter: value}) for value in values]
    return queries or [(None, plan.base)]


def _needle(names: Sequence[str]) -> str | None:
    """A piece of text some of `names` contain and some do not, in another letter case
    where it has letters (the filter ignores case)."""
    folded = [name.casefold() for name in names]
    for with_letters in (True, False):  # letters first: only they tell case apart
        for length in (3, 2, 1):
            for name in names:
                for start in range(max(0, len(name) - length + 1)):
                    piece = name[start : start + length]
                    # ASCII letters and digits only: servers fold other letters their own
                    # way ('ß' is 'SS' to Python), and may trim spaces.
                    if not (piece.isascii() and piece.isalnum()):
                        continue
                    if with_letters and piece.swapcase() == piece:
                        continue
                    hits = sum(piece.casefold() in other for other in folded)
                    if 0 < hits < len(names):
                        return piece.swapcase()
    return None


def left_out(
    walker: Walker,
    plan: Plan,
    filter_: Filter,
    needle: str,
    *,
    unfiltered: Listing,
    filtered: Listing,
) -> list[str]:
    """The keys of the items that match `needle` and that `filtered` (the listing filtered
    by it, walked after `unfiltered`) leaves out, in order.

    Writes run beside the check (the run's other worker, or a tenant's users): an item
    deleted, renamed or moved to another listing between the two walks is no broken filter.
    So the unfiltered listing is walked anew after the filtered one, and only an item that
    matches in both unfiltered walks is left out. The walk must be made anew: the walker
    remembers walks, and `unfiltered` may be one made long before."""
    behaviour = plan.behaviour
    if not filtered.complete:
        return []
    expected = {behaviour.key_of(item) for item in unfiltered.items if filter_.admits(item, needle)}
    missing = expected - filtered.keys(behaviour)
    if not missing:
        return []
    again = walker.walk(plan.case, plan.mode, behaviour, dict(unfiltered.query), anew=True)
    if not again.complete:
        return sorted(missing)
    still = {behaviour.key_of(item) for item in again.items if filter_.admits(item, needle)}
    return sorted(missing & still)


def register(
    credentials: Credentials,
    settings: RunSettings,
    throttling: Throttling | None = None,
    unexercised: Unexercised | None = None,
) -> None:
    """Register the checks with schemathesis for this run."""
    throttling = throttling or Throttling(None)
    sender = Sender(credentials, clock_tolerance=settings.clock_tolerance, throttling=throttling)
    walker = Walker(sender)
    if unexercised is None:
        reports = os.environ.get(REPORTS_VARIABLE)
        unexercised = Unexercised(Path(reports) if reports else None)

    def skipped(check: str, plan: Plan, reason: str) -> list[str]:
        unexercised.note(check, plan.case.operation.label, reason)
        return []

    def once_per_operation(
        name: str, run: Callable[[Plan], list[str]]
    ) -> Callable[[schemathesis.CheckContext, schemathesis.Response, Case], bool | None]:
        lock = threading.Lock()
        done: set[str] = set()
        busy: set[str] = set()
        empty_plans: dict[str, int] = {}

        def after_response(
            ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
        ) -> bool | None:
            behaviour = operations.behaviour_of(case.operation)
            mode = sent_mode(case)
            positive = case.meta is not None and case.meta.generation.mode.is_positive
            if behaviour is None or mode is None or not positive:
                return None
            if behaviour.write is not None or behaviour.membership is not None:
                return None  # a listing's checks: a write's are contract_tests.writes'
            if behaviour.items is None:
                return None  # a read of one record lists nothing to walk
            if response.status_code != behaviour.success.status:
                return None
            label = case.operation.label
            with lock:
                if label in done or label in busy:
                    return None
                busy.add(label)
            try:
                plan = plan_for(case, mode, behaviour)
                # A case whose listing is empty (a path parameter naming nothing the target
                # holds) would judge nothing: a later one may list items. After enough
                # tries the plan runs anyway, and the checks say what they could not judge.
                tried = empty_plans.get(label, 0)
                if behaviour.items is not None and tried < MAX_EMPTY_PLANS:
                    # The walk the listing check makes first (sized, cached): no extra cost.
                    sized = walker.sized(plan.case, plan.mode, behaviour, plan.base)
                    probe = walker.walk(plan.case, plan.mode, behaviour, sized)
                    if not probe.items and not probe.problems and not probe.throttled:
                        if tried == 0:  # said now, taken back if a later case lists items
                            skipped(name, plan, "every accepted request's listing was empty")
                        empty_plans[label] = tried + 1
                        return None
                with lock:
                    done.add(label)
                if empty_plans.get(label):
                    unexercised.retract(name, label)
                problems = run(plan)
            finally:
                with lock:
                    busy.discard(label)
            if problems:
                raise BrokenPromise(label, problems)
            return True

        return after_response

    @schemathesis.check
    def success_as_declared(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
    ) -> bool | None:
        """A 2xx is the declared success status, and its body carries the success `code`."""
        behaviour = operations.behaviour_of(case.operation)
        if behaviour is None or not 200 <= response.status_code < 300:
            return None
        expected = behaviour.success
        problems = []
        if response.status_code != expected.status:
            problems.append(f"a success answered {response.status_code}, not {expected.status}")
        code = result_code(_json(response))
        if isinstance(code, bool) or code != expected.code:
            problems.append(
                f"a {response.status_code} whose `code` is {code!r}, not {expected.code}"
            )
        return _verdict(case, response, problems)

    @schemathesis.check
    def headers_echoed(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
    ) -> bool | None:
        """Each echoed header the request sent comes back unchanged with a success."""
        behaviour = operations.behaviour_of(case.operation)
        if behaviour is None or response.status_code != behaviour.success.status:
            return None
        problems = []
        for name in behaviour.echoed_headers:
            value = _header(_text_headers(response.request), name)
            if value is None:
                continue
            got = _header(response.headers, name)
            if got != value.strip(" \t"):
                problems.append(_echo_problem(name, value, got, curl_of(response.request, case)))
        if problems:
            raise BrokenPromise(case.operation.label, problems)
        return True if behaviour.echoed_headers else None

    @schemathesis.check
    def page_within_request(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
    ) -> bool | None:
        """No more items than the page size asked for; each matches the filters sent."""
        behaviour = operations.behaviour_of(case.operation)
        if behaviour is None or response.status_code != behaviour.success.status:
            return None
        items = behaviour.items_of(_json(response))
        if items is None:
            return None
        sent = {
            name: values[0] for name, values in wire.query_of(response.request.url or "").items()
        }
        problems = []
        size = _page_size(behaviour.paging, sent)
        if size is not None and len(items) > size and behaviour.paging is not None:
            problems.append(f"a page of {len(items)} items for {behaviour.paging.page_size}={size}")
        for filter_ in behaviour.filters:
            value = sent.get(filter_.parameter)
            if value is None:
                continue
            unmatched = [item for item in items if not filter_.admits(item, value)]
            if unmatched:
                problems.append(
                    f"item {behaviour.key_of(unmatched[0])} ({filter_.field}="
                    f"{unmatched[0].get(filter_.field or '')!r}) listed for "
                    f"{filter_.parameter}={value!r}, which it does not match ({filter_.match})"
                )
        return _verdict(case, response, problems)

    @schemathesis.check
    def record_times_as_declared(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
    ) -> bool | None:
        """The listed items' record times (`record-times`) are not later than the response
        (its Date, else our clock, within the clock tolerance), and updated is not before
        created."""
        behaviour = operations.behaviour_of(case.operation)
        if behaviour is None or behaviour.record_times is None:
            return None
        if response.status_code != behaviour.success.status:
            return None
        items = behaviour.items_of(_json(response))
        if not items:
            return None
        found = record_times.problems(
            items,
            behaviour.record_times,
            key_of=behaviour.key_of,
            reference=record_times.Reference.of(response.headers),
            tolerance=timedelta(seconds=settings.clock_tolerance),
        )
        return _verdict(case, response, found)

    @schemathesis.check
    def invalid_requests_refused(
        ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
    ) -> bool | None:
        """A request that breaks a parameter's schema on the wire, or sends a cursor not issued
        for its parameters, gets the declared refusal (400 with code 13000102)."""
        behaviour = operations.behaviour_of(case.operation)
        if behaviour is None or sent_mode(case) is None:
            return None  # without our credentials, a 401 comes first
        if _credential_broken(case, _text_headers(response.request), credentials):
            return None  # a credential header sent broken or left out: a 401 comes first
        if throttling.is_throttled(case.operation, response.status_code):
            return None  # the gateway throttled it (still, after waiting) before judging it
        url = response.request.url or ""
        query = wire.query_of(url)
        problems = wire.problems(
            operations.parameters_of(case.operation),
            query,
            _text_headers(response.request),
            case.path_parameters,
        )
        paging = behaviour.cursor_paging
        if not problems and paging is not None:
            cursor = query.get(paging.cursor, [paging.first_cursor])[0]
            if cursor != paging.first_cursor:
                bound = ISSUED.bound_of(case.operation.label, cursor)
                sent = operations.sent_values(case, url)
                if bound is None:
                    problems.append(f"{paging.cursor} {cursor[:24]!r}… was never issued")
                elif bound != bound_values(paging, sent):
                    problems.append(
                        f"{paging.cursor} was issued for {_describe(dict(bound)) or 'no filters'}"
                        f", sent with {_describe(dict(bound_values(paging, sent))) or 'none'}"
                    )
        if not problems:
            return None
        expected = behaviour.invalid_request
        code = result_code(_json(response))
        if response.status_code == expected.status and code == expected.code:
            return True
        kind = problems[0].split("=", 1)[0].split(" ", 1)[0]  # the parameter it breaks
        raise broken(
            kind,
            case.operation.label,
            [
                _problem(
                    f"an invalid request ({'; '.join(problems)}) answered "
                    f"{response.status_code} with code {code!r}; the spec promises "
                    f"{expected.status} with code {expected.code}",
                    curl_of(response.request, case),
                )
            ],
        )

    def throttled(check: str, plan: Plan, *listings: Listing) -> None:
        for listing in listings:
            if listing.throttled is not None:
                skipped(check, plan, listing.throttled)

    def listings(plan: Plan) -> list[str]:
        problems: list[str] = []
        for _, query in partition_values(plan):
            listing = walker.walk(
                plan.case,
                plan.mode,
                plan.behaviour,
                walker.sized(plan.case, plan.mode, plan.behaviour, query),
            )
            problems += listing.problems
            throttled("listings_page_as_declared", plan, listing)
        return problems

    def filters(plan: Plan) -> list[str]:
        behaviour, problems = plan.behaviour, []
        partitions = [
            (
                filter_,
                walker.walk(
                    plan.case,
                    plan.mode,
                    behaviour,
                    walker.sized(plan.case, plan.mode, plan.behaviour, query),
                ),
            )
            for filter_, query in partition_values(plan)
        ]
        throttled("filters_applied_as_declared", plan, *(listing for _, listing in partitions))
        judged = [listing for by, listing in partitions if by is not None and listing.items]
        for declared in behaviour.filters:
            if declared.match is Match.PARTITIONS and len(judged) < 2:
                skipped(
                    "filters_applied_as_declared",
                    plan,
                    f"{declared.parameter}: fewer than two of its values list any item",
                )
        by_key: dict[str, tuple[dict[str, Any], Sent]] = {}
        for filter_, listing in partitions:
            if filter_ is None or not listing.pages:
                continue
            for item in listing.items:
                key = behaviour.key_of(item)
                earlier = by_key.get(key)
                if earlier is not None and earlier[0] != listing.query:
                    problems.append(
                        _problem(
                            f"item {key} is listed for "
                            f"{_describe(_only(earlier[0], filter_.parameter))} and for "
                            f"{_describe(_only(listing.query, filter_.parameter))}: the filter "
                            "partitions items, so it looks ignored",
                            earlier[1],
                            listing.pages[0],
                        )
                    )
                    break
                by_key.setdefault(key, (listing.query, listing.pages[0]))
        for filter_ in behaviour.filters:
            if filter_.match is not Match.CONTAINS_IGNORING_CASE:
                continue
            complete = [listing for _, listing in partitions if listing.complete]
            needles = [
                _needle([str(item.get(filter_.field or "")) for item in listing.items])
                for listing in complete
            ]
            if not complete:
                reason = "no listing was followed to its end " + (
                    "(throttling stopped them)"
                    if any(listing.throttled for _, listing in partitions)
                    else "without a broken promise"
                )
            elif not any(needles):
                reason = (
                    f"no listed {filter_.field} has letters or digits that only some of the "
                    "others share"
                )
            if not complete or not any(needles):
                skipped("filters_applied_as_declared", plan, f"{filter_.parameter}: {reason}")
            for _, unfiltered in partitions:
                if not unfiltered.complete:
                    continue
                names = [str(item.get(filter_.field or "")) for item in unfiltered.items]
                needle = _needle(names)
                if needle is None:
                    continue
                query = {**unfiltered.query, filter_.parameter: needle}
                filtered = walker.walk(plan.case, plan.mode, behaviour, query)
                problems += filtered.problems
                throttled("filters_applied_as_declared", plan, filtered)
                for item in filtered.items:
                    if not filter_.admits(item, needle):
                        problems.append(
                            _problem(
                                f"item {behaviour.key_of(item)} ({filter_.field}="
                                f"{item.get(filter_.field or '')!r}) listed for "
                                f"{filter_.parameter}={needle!r}, which it does not match "
                                f"({filter_.match})",
                                filtered.pages[0],
                            )
                        )
                        break
                missing = left_out(
                    walker, plan, filter_, needle, unfiltered=unfiltered, filtered=filtered
                )
                if missing:
                    problems.append(
                        _problem(
                            f"{filter_.parameter}={needle!r} left out item {missing[0]}, which "
                            f"matches it ({filter_.match}; {len(missing)} left out in all)",
                            filtered.pages[0],
                        )
                    )
                break  # one filtered listing per filter is enough
        return problems

    def cursors(plan: Plan) -> list[str]:
        behaviour, paging = plan.behaviour, plan.behaviour.cursor_paging
        if paging is None:
            return []
        listing = next(
            (
                walked
                for _, query in partition_values(plan)
                if (
                    walked := walker.walk(
                        plan.case,
                        plan.mode,
                        behaviour,
                        walker.sized(plan.case, plan.mode, plan.behaviour, query),
                    )
                ).cursors
            ),
            None,
        )
        if listing is None:
            followed = [
                walker.walk(
                    plan.case,
                    plan.mode,
                    behaviour,
                    walker.sized(plan.case, plan.mode, plan.behaviour, query),
                )
                for _, query in partition_values(plan)
            ]
            if any(each.throttled for each in followed):
                throttled("cursors_refused_as_declared", plan, *followed)
                return []
            return skipped(
                "cursors_refused_as_declared", plan, "no listing has a second page, so no cursor"
            )
        issued = listing.cursors[0]
        query = {**listing.query, paging.cursor: issued}
        variants: list[tuple[str, dict[str, Any]]] = [
            (
                "an altered cursor (one character changed)",
                {**query, paging.cursor: _altered(issued)},
            ),
            (
                "a made-up cursor",
                {
                    **query,
                    paging.cursor: secrets.token_urlsafe(max(8, len(issued) * 3 // 4))[
                        : len(issued)
                    ],
                },
            ),
        ]
        in_path = operations.path_names(plan.case.operation)
        for name in paging.bound_to:
            other = _other_value(plan, name, query.get(name))
            if other is None and name in in_path:
                continue  # a path parameter is never left out
            if other is None:
                variants.append((f"an issued cursor sent without {name}", _without(query, name)))
            else:
                variants.append(
                    (
                        f"an issued cursor sent with {name}={wire_text(other)}",
                        {**query, name: other},
                    )
                )
            if query.get(name) is not None and other is not None and name not in in_path:
                variants.append((f"an issued cursor sent without {name}", _without(query, name)))
        expected = behaviour.invalid_request
        issued_for = _describe(_without(listing.query, paging.cursor))
        problems = []
        for description, variant in variants:
            sent = walker.sender.send(plan.case, plan.mode, query=variant, headers=_fresh(plan))
            if sent.throttled:
                skipped(
                    "cursors_refused_as_declared",
                    plan,
                    f"{description}: still answered {sent.status} after waiting out throttling",
                )
                continue
            if not _refused(sent, expected.status, expected.code):
                problems.append(
                    _problem(
                        f"{description} got {sent.status} with code {sent.code()!r}; the spec "
                        f"promises {expected.status} with code {expected.code} "
                        f"(the cursor was issued for {issued_for})",
                        listing.pages[0],
                        sent,
                    )
                )
        return problems

    def owners(plan: Plan) -> list[str]:
        behaviour = plan.behaviour
        if not behaviour.exclusive_owner or behaviour.owner is None:
            return []
        if AuthMode.APP not in credentials.modes:
            # A token acts for its own user only: no other user's listing to read.
            return skipped("owner_data_only", plan, "needs app mode (a token acts for one user)")
        ours = walker.walk(plan.case, AuthMode.APP, behaviour, plan.base)
        other_user = settings.other_user_id or another_user(credentials.user_id)
        theirs = walker.sender.send(
            plan.case, AuthMode.APP, query=plan.base, user_id=other_user, headers=_fresh(plan)
        )
        if ours.throttled or theirs.throttled:
            throttled("owner_data_only", plan, ours)
            if theirs.throttled:
                skipped(
                    "owner_data_only",
                    plan,
                    f"user {other_user}'s listing was still answered {theirs.status} after "
                    "waiting out throttling",
                )
            return []
        if theirs.status != behaviour.success.status:
            # The target refuses to act for that user: nothing leaks, nothing to compare.
            return skipped(
                "owner_data_only", plan, f"the target refused to list user {other_user}'s data"
            )
        keys = ours.keys(behaviour)
        shared = [
            behaviour.key_of(item)
            for item in behaviour.items_of(theirs.body) or []
            if behaviour.key_of(item) in keys
        ]
        if not shared:
            return []
        return [
            _problem(
                f"item {shared[0]} is listed for {behaviour.owner} {credentials.user_id} and for "
                f"{behaviour.owner} {other_user} ({len(shared)} shared): each item belongs to "
                "one user only",
                ours.pages[0],
                theirs,
            )
        ]

    for name, run in (
        ("listings_page_as_declared", listings),
        ("filters_applied_as_declared", filters),
        ("cursors_refused_as_declared", cursors),
        ("owner_data_only", owners),
    ):
        schemathesis.check(_named(name, once_per_operation(name, run)))


def _named(
    name: str,
    function: Callable[[schemathesis.CheckContext, schemathesis.Response, Case], bool | None],
) -> Callable[[schemathesis.CheckContext, schemathesis.Response, Case], bool | None]:
    function.__name__ = function.__qualname__ = name
    return function


def _credential_broken(case: Case, sent: Mapping[str, str], credentials: Credentials) -> bool:
    """Whether the credentials went on the wire other than the suite makes them: a token
    not ours, a header the sent mode's security requirement names left out, or a credential
    header empty or breaking the schema its security scheme gives it (`x-koodrive-schema`:
    an `X-Date` that is no date). The target refuses them (401) before it reads any
    parameter."""
    document = operations.spec_of(case.operation).document
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    mode = sent_mode(case)
    if mode is AuthMode.TOKEN and _header(sent, "Authorization") != f"Bearer {credentials.token}":
        return True
    try:
        requirement = requirement_for(mode, security_requirements(case.operation)) if mode else []
    except KeyError:
        return True  # a mode the operation does not take
    for scheme_name in requirement:
        scheme = schemes.get(scheme_name) or {}
        if scheme.get("in") == "header" and _header(sent, str(scheme.get("name"))) is None:
            return True
    for name in AUTH_HEADERS:
        value = _header(sent, name)
        if value is None:
            continue
        if not value.strip():
            return True
        for scheme in schemes.values():
            if str(scheme.get("name", "")).lower() != name.lower() or scheme.get("in") != "header":
                continue
            schema = resolve(scheme.get(SCHEMA_EXTENSION) or {}, document)
            if schema and not jsonschema.Draft202012Validator(schema).is_valid(value.strip()):
                return True
    return False


def _altered(cursor: str) -> str:
    middle = len(cursor) // 2
    char = cursor[middle]
    if char.isdigit():
        replacement = str((int(char) + 1) % 10)
    elif char.isalpha() and char.swapcase() != char:
        replacement = char.swapcase()
    else:
        replacement = "A" if char != "A" else "B"
    return cursor[:middle] + replacement + cursor[middle + 1 :]


def _other_value(plan: Plan, name: str, current: object) -> object | None:
    """Another valid value of parameter `name` than `current` (None: leave it out instead)."""
    schema = _schema_of(plan.case, name)
    values = schema.get("enum")
    if isinstance(values, list):
        others = [value for value in values if wire_text(value) != wire_text(current)]
        return others[0] if others else None
    if schema.get("type") == "string":
        text = "zz" if current is None else wire_text(current) + "z"
        candidates = [text[: schema.get("maxLength", len(text))]]
        if current is not None and wire_text(current):
            # An id of digits: another id, its last digit changed, still valid.
            last = wire_text(current)[-1]
            swapped = "0" if last != "0" else "1"
            candidates.append(wire_text(current)[:-1] + (swapped if last.isdigit() else "z"))
        parameter = operations.parameter_of(plan.case.operation, name)
        valid = [
            candidate
            for candidate in candidates
            if parameter is not None
            and not wire.problems([parameter], {name: [candidate]}, {}, {name: candidate})
        ]
        return valid[0] if valid else candidates[0]
    return None


def _without(query: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in query.items() if key != name}


def _only(query: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {name: query.get(name)}
