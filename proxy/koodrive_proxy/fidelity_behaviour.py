"""Does each side behave as the spec declares? The fidelity score's behaviour comparisons.

Status and shape do not show a filter that is ignored, compared with case, or a listing
whose pages hold other items at another page size. For each behaviour an operation's
`x-koodrive-behaviour` declares, each side is asked the same kind of question, and what it
answers is judged against *that side's own* data:

- a filter that partitions (`partitions`): each value's listing is walked; no item may be
  listed for two values;
- a text filter (`contains-ignoring-case`): probe values are made from the side's own
  unfiltered listing (a part of one item's field, that part in another letter case, a value
  matching nothing); each filtered listing must hold exactly the unfiltered items the
  declared match admits;
- paging: the listing at the walk's page size and at another (the maximum) holds the same
  items in the same order, no page longer than asked, and `total` tells the count at both;
- `exclusive-owner`: another user's listing (app mode: the app acts for that user) shares
  no item with the side's own.

Each side's verdict is "as declared" or what breaks the declaration ("lists items that do
not match"), and the two verdicts are compared: a difference is one side honouring the
declaration where the other does not (or breaking it in another way). So the live API and
the emulator need not hold the same data. A check a side cannot judge (a listing that does
not end, too few items to make a probe from) is not scored, and is reported with the reason.

With `same_data` (the emulator seeded like the live tenant) the probes are made from the
live side's data and sent to both, and each listing's item keys, their order where paging
fixes it, and `total` are compared across sides as well.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from koodrive_spec.behaviour import Behaviour, Filter, Match
from koodrive_spec.reader import Operation, Parameter, Spec

from koodrive_proxy.fidelity_requests import Listing, page_size_parameter, sized, walk_query

AS_DECLARED = "as declared"
ALIKE = "alike"
SAME_DATA = "(same data)"
_FEW = 3  # keys named in a summary
# Values a probe for "matches nothing" tries, in turn, until one no item contains.
_NOTHING = ("zzzz", "qxqx", "zqzqzq", "xjxjxjxj")

# One side's listing of an operation walked to its end from the query of its first page,
# acting for the side's user or (True) another: `fidelity_requests.walk` over its sends.
Lister = Callable[[str, Mapping[str, str], bool], Listing]


@dataclass(frozen=True)
class Verdict:
    outcome: str | None  # AS_DECLARED, what breaks the declaration; None: not judged
    summary: str  # the request, the counts and a few keys; or why it was not judged


@dataclass(frozen=True)
class Check:
    case: str  # "listUserGroups groupName contains-ignoring-case, sourceType=0"
    aspect: str  # "a value matching nothing"
    live: Verdict
    emulator: Verdict

    @property
    def judged(self) -> bool:
        return self.live.outcome is not None and self.emulator.outcome is not None


def behaviour_checks(
    spec: Spec,
    live: Lister,
    emulator: Lister,
    *,
    walk_page_size: int,
    same_data: bool = False,
    other_users: bool = True,
) -> Iterator[Check]:
    """Every behaviour comparison of every listing operation, in the spec's order.
    `other_users`: whether the sides can act for another user (app credentials)."""
    walkers = (_Walker(live), _Walker(emulator))
    for operation in spec.operations.values():
        behaviour = spec.behaviours.get(operation.operation_id)
        if behaviour is None or behaviour.items is None:
            continue
        checker = _Checker(operation, behaviour, walkers, walk_page_size, same_data)
        yield from checker.checks(other_users=other_users)


class _Walker:
    """One side's listings (the lister walks each once, however many checks read it)."""

    def __init__(self, lister: Lister) -> None:
        self._lister = lister

    def __call__(
        self, operation: str, query: Mapping[str, str], *, other_user: bool = False
    ) -> Listing:
        return self._lister(operation, query, other_user)


Scope = tuple[str, dict[str, str]]  # ("sourceType=0", the first page's query)


class _Checker:
    def __init__(
        self,
        operation: Operation,
        behaviour: Behaviour,
        walkers: tuple[_Walker, _Walker],
        walk_page_size: int,
        same_data: bool,
    ) -> None:
        self.operation = operation
        self.op = operation.operation_id
        self.behaviour = behaviour
        self.walkers = walkers
        self.same_data = same_data
        base = walk_query(operation, behaviour, walk_page_size)
        for name in behaviour.text_filters:
            base.pop(name, None)
        self.partitions: list[tuple[Filter, list[Scope]]] = []
        for filter_ in behaviour.filters:
            parameter = operation.parameter(filter_.parameter)
            values = parameter.schema.get("enum") if parameter is not None else None
            if filter_.match is Match.PARTITIONS and isinstance(values, list):
                scopes = [
                    (f"{filter_.parameter}={value}", {**base, filter_.parameter: str(value)})
                    for value in values
                ]
                self.partitions.append((filter_, scopes))
        self.scopes: list[Scope] = [s for _, scopes in self.partitions for s in scopes] or [
            ("", base)
        ]

    def checks(self, *, other_users: bool) -> Iterator[Check]:
        for filter_, scopes in self.partitions:
            yield from self._partitions(filter_, scopes)
        for scope in self.scopes:
            yield from self._paging(scope)
        for filter_ in self.behaviour.filters:
            if filter_.match is Match.CONTAINS_IGNORING_CASE:
                for scope in self.scopes:
                    yield from self._text_filter(filter_, scope)
        if self.behaviour.exclusive_owner and self.behaviour.owner is not None:
            yield self._exclusive_owner(other_users)

    def _case(self, what: str, scope: str = "") -> str:
        return f"{self.op} {what}" + (f", {scope}" if scope else "")

    # --- partitions ----------------------------------------------------------------------

    def _partitions(self, filter_: Filter, scopes: list[Scope]) -> Iterator[Check]:
        case = self._case(f"{filter_.parameter} {filter_.match}")
        verdicts = [self._disjoint(walker, scopes) for walker in self.walkers]
        yield Check(case, "each item listed for one value only", *verdicts)
        if self.same_data:
            for name, query in scopes:
                yield _across(case, f"items of {name} {SAME_DATA}", self._both(query), False)

    def _disjoint(self, walker: _Walker, scopes: list[Scope]) -> Verdict:
        listings = [(name, walker(self.op, query)) for name, query in scopes]
        for name, listing in listings:
            if not listing.complete:
                return Verdict(None, f"the listing of {name} {_unfinished(listing)}")
        counts = ", ".join(f"{name}: {len(set(listing.keys))} items" for name, listing in listings)
        if sum(1 for _, listing in listings if listing.keys) < 2:
            return Verdict(None, f"fewer than two values list items ({counts})")
        seen = Counter(key for _, listing in listings for key in set(listing.keys))
        shared = sorted(key for key, times in seen.items() if times > 1)
        if shared:
            return Verdict(
                "an item is listed for two values",
                f"{counts}; {len(shared)} listed for more than one: {_few(shared)}",
            )
        return Verdict(AS_DECLARED, f"{counts}; none listed for two")

    # --- paging --------------------------------------------------------------------------

    def _paging(self, scope: Scope) -> Iterator[Check]:
        size = page_size_parameter(self.operation, self.behaviour)
        if size is None:
            return
        name, query = scope
        first = int(query[size.name])
        second = _other_page_size(size, first)
        if second is None:
            return
        case = self._case("paging", name)
        aspect = f"the same items in the same order at {first} and at {second} a page"
        verdicts = [
            self._pages_agree(walker, query, size.name, first, second) for walker in self.walkers
        ]
        yield Check(case, aspect, *verdicts)
        if self.same_data:
            yield _across(case, f"items in order {SAME_DATA}", self._both(query), True)

    def _pages_agree(
        self, walker: _Walker, query: dict[str, str], size: str, first: int, second: int
    ) -> Verdict:
        one = walker(self.op, query)
        if not one.complete:  # the walk's own aspects score that
            return Verdict(None, f"at {first} a page the listing {_unfinished(one)}")
        other = walker(self.op, {**query, size: str(second)})
        summary = f"{_pages(one, first)}; {_pages(other, second)}"
        if not one.keys and not other.keys and other.complete:
            return Verdict(None, f"lists no items ({summary})")
        problems = []
        if not other.complete:
            problems.append(f"at {second} a page the listing {_unfinished(other, brief=True)}")
        if any(length > first for length in one.page_lengths) or any(
            length > second for length in other.page_lengths
        ):
            problems.append("a page longer than asked")
        if one.repeats or other.repeats:
            problems.append("an item repeats")
        if other.complete and one.keys != other.keys:
            reordered = set(one.keys) == set(other.keys) and not (one.repeats or other.repeats)
            problems.append("another order" if reordered else "other items")
            at = _first_difference(one.keys, other.keys)
            summary += (
                f"; item {at + 1} is {_key_at(one, at)} at {first} a page, "
                f"{_key_at(other, at)} at {second}"
            )
        paging = self.behaviour.paging
        told = one.total == len(one.keys) and other.total == len(other.keys)
        if paging is not None and paging.total is not None and other.complete and not told:
            problems.append("total does not tell the count")
        return Verdict("; ".join(problems) or AS_DECLARED, summary)

    # --- text filters --------------------------------------------------------------------

    def _text_filter(self, filter_: Filter, scope: Scope) -> Iterator[Check]:
        name, query = scope
        case = self._case(f"{filter_.parameter} {filter_.match}", name)
        parameter = self.operation.parameter(filter_.parameter)
        assert parameter is not None  # the spec reader checked it
        live, emulator = self.walkers
        if self.same_data:
            shared = _probes(live(self.op, query), filter_, parameter)
            probes = (shared, shared)
        else:
            probes = (
                _probes(live(self.op, query), filter_, parameter),
                _probes(emulator(self.op, query), filter_, parameter),
            )
        for aspect in _PROBES:
            verdicts = [
                self._filtered(walker, query, filter_, found[aspect])
                for walker, found in zip(self.walkers, probes, strict=True)
            ]
            yield Check(case, aspect, *verdicts)
            value = probes[0][aspect]
            if self.same_data and isinstance(value, _Probe):
                filtered = {**query, filter_.parameter: value.value}
                yield _across(case, f"{aspect}: items {SAME_DATA}", self._both(filtered), False)

    def _filtered(
        self, walker: _Walker, query: dict[str, str], filter_: Filter, probe: _Probe | str
    ) -> Verdict:
        unfiltered = walker(self.op, query)
        if not unfiltered.complete:
            return Verdict(None, f"the unfiltered listing {_unfinished(unfiltered)}")
        if isinstance(probe, str):
            return Verdict(None, probe)
        value, asked = probe.value, f"{filter_.parameter}={probe.value!r}"
        filtered = walker(self.op, {**query, filter_.parameter: value})
        if not filtered.complete:
            failed = filtered.failed
            outcome = f"answered HTTP {failed.status}" if failed else "does not end"
            return Verdict(outcome, f"{asked}: the listing {_unfinished(filtered)}")
        expected = {
            key
            for item, key in zip(unfiltered.items, unfiltered.keys, strict=True)
            if filter_.admits(item, value)
        }
        unmatched = sorted(
            {
                key
                for item, key in zip(filtered.items, filtered.keys, strict=True)
                if not filter_.admits(item, value)
            }
        )
        missing = sorted(expected - set(filtered.keys))
        summary = (
            f"{asked}: {len(set(filtered.keys))} listed; {len(expected)} of the "
            f"{len(set(unfiltered.keys))} unfiltered match ({probe.source})"
        )
        problems = []
        if unmatched:
            problems.append("lists items that do not match")
            summary += f"; listed but not matching: {_few(unmatched)}"
        if missing:
            problems.append("leaves out items that match")
            summary += f"; left out: {_few(missing)}"
        return Verdict("; ".join(problems) or AS_DECLARED, summary)

    # --- exclusive owner -----------------------------------------------------------------

    def _exclusive_owner(self, other_users: bool) -> Check:
        case = self._case("exclusive owner")
        aspect = "another user's listing shares no item"
        if not other_users:
            reason = "needs app credentials on both sides: a token acts for its own user only"
            return Check(case, aspect, Verdict(None, reason), Verdict(None, reason))
        live, emulator = (self._own_only(walker) for walker in self.walkers)
        return Check(case, aspect, live, emulator)

    def _own_only(self, walker: _Walker) -> Verdict:
        ours = [walker(self.op, query) for _, query in self.scopes]
        for listing in ours:
            if not listing.complete:
                return Verdict(None, f"the user's own listing {_unfinished(listing)}")
        keys = {key for listing in ours for key in listing.keys}
        if not keys:
            return Verdict(None, "the user's own listing is empty")
        theirs = [walker(self.op, query, other_user=True) for _, query in self.scopes]
        refused = next((listing.failed for listing in theirs if listing.failed), None)
        if refused is not None:
            return Verdict(AS_DECLARED, f"another user's listing refused: {refused.described}")
        their_keys = {key for listing in theirs for key in listing.keys}
        shared = sorted(keys & their_keys)
        counts = f"own: {len(keys)} items; another user's: {len(their_keys)} items"
        if shared:
            return Verdict(
                "another user's listing shares items",
                f"{counts}; {len(shared)} in both: {_few(shared)}",
            )
        return Verdict(AS_DECLARED, f"{counts}; none in both")

    def _both(self, query: Mapping[str, str]) -> tuple[Listing, Listing]:
        live, emulator = self.walkers
        return live(self.op, query), emulator(self.op, query)


# --- probes --------------------------------------------------------------------------------

_PART = "a part of one value"
_OTHER_CASE = "that part in another case"
_MATCHING_NOTHING = "a value matching nothing"
_PROBES = (_PART, _OTHER_CASE, _MATCHING_NOTHING)


@dataclass(frozen=True)
class _Probe:
    value: str
    source: str  # where it came from: "part of 'Design Team'"


def _probes(unfiltered: Listing, filter_: Filter, parameter: Parameter) -> dict[str, _Probe | str]:
    """Each probe's value, or why there is none, from a side's unfiltered listing."""
    if not unfiltered.complete:
        reason = f"the listing the probes come from {_unfinished(unfiltered)}"
        return dict.fromkeys(_PROBES, reason)
    field = filter_.field or ""
    names = [value for item in unfiltered.items if isinstance(value := item.get(field), str)]
    found: dict[str, _Probe | str] = {}
    part = _part(names)
    if part is None:
        reason = f"no listed {field} has a part of ASCII letters or digits"
        found[_PART] = found[_OTHER_CASE] = reason
    else:
        piece, whole = part
        found[_PART] = _Probe(piece, f"part of {whole!r}")
        other = piece.swapcase()
        found[_OTHER_CASE] = (
            _Probe(other, f"{piece!r} of {whole!r} in another case")
            if other != piece
            else f"{piece!r} has no letter to change case"
        )
    folded = [name.casefold() for name in names]
    nothing = next((c for c in _NOTHING if not any(c.casefold() in n for n in folded)), None)
    found[_MATCHING_NOTHING] = (
        _Probe(nothing, f"in no listed {field}")
        if nothing is not None
        else f"every value tried is in some listed {field}"
    )
    return {aspect: _fitting(value, parameter) for aspect, value in found.items()}


def _fitting(probe: _Probe | str, parameter: Parameter) -> _Probe | str:
    """The probe, or why it breaks the parameter's length bounds."""
    if isinstance(probe, str):
        return probe
    low, high = parameter.schema.get("minLength"), parameter.schema.get("maxLength")
    if (isinstance(low, int) and len(probe.value) < low) or (
        isinstance(high, int) and len(probe.value) > high
    ):
        return f"{probe.value!r} breaks the length bounds of {parameter.name}"
    return probe


def _part(names: Sequence[str]) -> tuple[str, str] | None:
    """A proper part of one of `names` (and the name), of ASCII letters or digits: first one
    with letters (they tell case apart) that some names contain and some do not, then any.
    A proper part tells contains from exact; one not in every name, a filter from none."""
    folded = [name.casefold() for name in names]
    for with_case, some_only in ((True, True), (False, True), (True, False), (False, False)):
        for length in (3, 2, 1):
            for name in names:
                if len(name) <= length:
                    continue
                for start in range(len(name) - length + 1):
                    piece = name[start : start + length]
                    # ASCII only: servers fold other letters their own way ('ß' is 'SS').
                    if not (piece.isascii() and piece.isalnum()):
                        continue
                    if with_case and piece.swapcase() == piece:
                        continue
                    hits = sum(piece.casefold() in other for other in folded)
                    if some_only and hits == len(names):
                        continue
                    return piece, name
    return None


# --- helpers -------------------------------------------------------------------------------


def _other_page_size(size: Parameter, first: int) -> int | None:
    """A second page size to compare with `first`: the maximum, else the minimum."""
    for bound in ("maximum", "minimum"):
        value = size.schema.get(bound)
        if isinstance(value, int) and value != first:
            return value
    fallback = sized(size, first * 3)
    return fallback if fallback != first else None


def _across(case: str, aspect: str, listings: tuple[Listing, Listing], ordered: bool) -> Check:
    """The same request's listing on both sides, compared item by item (same data only)."""
    live, emulator = listings
    summaries = [_pages(listing) for listing in listings]
    if not live.complete or not emulator.complete:
        reasons = [
            f"{_pages(listing)}: the listing {_unfinished(listing)}"
            if not listing.complete
            else summary
            for listing, summary in zip(listings, summaries, strict=True)
        ]
        return Check(case, aspect, Verdict(None, reasons[0]), Verdict(None, reasons[1]))
    keys = [listing.keys if ordered else tuple(sorted(set(listing.keys))) for listing in listings]
    if keys[0] == keys[1] and live.total == emulator.total:
        return Check(case, aspect, Verdict(ALIKE, summaries[0]), Verdict(ALIKE, summaries[1]))
    outcomes = []
    for mine, theirs, listing in ((keys[0], keys[1], live), (keys[1], keys[0], emulator)):
        outcome = f"{len(mine)} items, total {listing.total}"
        only = sorted(set(mine) - set(theirs))
        if only:
            outcome += f"; not on the other side: {_few(only)}"
        elif mine != theirs and set(mine) == set(theirs):
            at = _first_difference(mine, theirs)
            outcome += f"; item {at + 1} is {mine[at]}"
        outcomes.append(outcome)
    return Check(
        case,
        aspect,
        Verdict(outcomes[0], summaries[0]),
        Verdict(outcomes[1], summaries[1]),
    )


def _pages(listing: Listing, size: int | None = None) -> str:
    query = ", ".join(f"{name}={value}" for name, value in listing.query if value)
    head = f"at {size} a page" if size is not None else query
    pages = f"{listing.pages} page" + ("" if listing.pages == 1 else "s")
    return (
        f"{head}: {len(listing.keys)} items in {pages} "
        f"(longest {max(listing.page_lengths, default=0)}), total {listing.total}"
    )


def _unfinished(listing: Listing, *, brief: bool = False) -> str:
    if listing.failed is not None:
        failed = listing.failed
        return f"answered HTTP {failed.status}" if brief else f"failed: {failed.described}"
    return f"did not end after {listing.pages} pages"


def _first_difference(one: Sequence[str], other: Sequence[str]) -> int:
    """Where two key sequences first differ (the shorter one's length if one ends first)."""
    for at, (left, right) in enumerate(zip(one, other, strict=False)):
        if left != right:
            return at
    return min(len(one), len(other))


def _key_at(listing: Listing, index: int) -> str:
    return listing.keys[index] if index < len(listing.keys) else "none (the listing ended)"


def _few(keys: Sequence[str]) -> str:
    more = f" (+{len(keys) - _FEW})" if len(keys) > _FEW else ""
    return ", ".join(keys[:_FEW]) + more
