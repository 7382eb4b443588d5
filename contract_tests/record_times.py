"""Record times: the item fields `x-koodrive-behaviour` declares as when a record was created
and last updated (`record-times`), judged against the response that lists them.

- neither is later than the response's own time: its `Date` header (whole seconds, so up to
  a second more), else the suite's clock when it read the response; both within the run's
  clock tolerance (`--clock-tolerance`);
- updated is never before created;
- for a record this run created (none yet: the API has no writes), created lies within the
  tolerance of when the run created it. `created_at` is ready for the first write check.

A field that is missing or not a timestamp is the schema checks' to report, not this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from koodrive_spec.behaviour import RecordTimes

# An HTTP-date holds whole seconds: the moment it names may be up to this much earlier
# than the response was made.
DATE_RESOLUTION = timedelta(seconds=1)


@dataclass(frozen=True)
class Reference:
    """The response's own time and where it comes from (said in a finding)."""

    moment: datetime
    source: str  # "its Date header" or "the suite's clock"
    slack: timedelta = timedelta(0)  # the reference's own imprecision

    @classmethod
    def of(cls, headers: Mapping[str, Any], now: datetime | None = None) -> Reference:
        """The response's `Date`, else `now` (default: the clock now)."""
        value = _first(headers, "Date")
        if value:
            try:
                moment = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                moment = None
            if moment is not None and moment.tzinfo is not None:
                return cls(moment.astimezone(UTC), f"its Date header, {value}", DATE_RESOLUTION)
        return cls(now or datetime.now(UTC), "the suite's clock")


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 date-time (`2025-09-15T06:14:48.630Z`), or None if `value` is none."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def problems(
    items: Sequence[Mapping[str, Any]],
    times: RecordTimes,
    *,
    key_of: Any,
    reference: Reference,
    tolerance: timedelta,
    created_at: Mapping[str, datetime] | None = None,
) -> list[str]:
    """What the listed `items` break of their record times, one sentence per kind of
    breach (its first item, and how many in all). `created_at`: when this run created a
    record, by item key."""
    latest = reference.moment + tolerance + reference.slack
    found: dict[str, list[str]] = {}
    for item in items:
        key = str(key_of(item))
        created = parse_time(item.get(times.created)) if times.created else None
        updated = parse_time(item.get(times.updated)) if times.updated else None
        for name, moment in ((times.created, created), (times.updated, updated)):
            if name is not None and moment is not None and moment > latest:
                ahead = moment - reference.moment
                found.setdefault(f"future {name}", []).append(
                    f"item {key}'s {name} {item.get(name)} is {_span(ahead)} later than the "
                    f"response ({reference.source}; clock tolerance {_span(tolerance)}): a "
                    "record time is never in the future"
                )
        if times.created and times.updated and created and updated and updated < created:
            found.setdefault("updated before created", []).append(
                f"item {key}'s {times.updated} {item.get(times.updated)} is before its "
                f"{times.created} {item.get(times.created)}: a record is never updated "
                "before it is created"
            )
        made = (created_at or {}).get(key)
        if times.created and created is not None and made is not None:
            off = abs(created - made)
            if off > tolerance:
                found.setdefault("created elsewhen", []).append(
                    f"item {key}'s {times.created} {item.get(times.created)} is {_span(off)} "
                    f"from when this run created it ({made.isoformat()}; clock tolerance "
                    f"{_span(tolerance)})"
                )
    return [
        sentences[0] + (f" ({len(sentences)} items in all)" if len(sentences) > 1 else "")
        for sentences in found.values()
    ]


def _span(delta: timedelta) -> str:
    """`delta` in words, in its largest whole unit ("30 days", "about 2 hours")."""
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        if seconds >= size or unit == "second":
            count = round(seconds / size)
            about = "about " if seconds % size else ""
            return f"{about}{count} {unit}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable")


def _first(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if str(key).lower() == name.lower():
            if isinstance(value, list):
                return str(value[0]) if value else None
            return str(value)
    return None
