"""The record-time judge (contract_tests.record_times) on its own: what the suite's
`record_times_as_declared` check says of listed items, against a fixed reference time.
The end-to-end proof, an emulator fault per rule, is in test_suite_catches_behaviour_faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from koodrive_spec.behaviour import RecordTimes

from contract_tests.record_times import Reference, problems

GROUP = RecordTimes(created="createdTime", updated="updatedTime")
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _judge(*items: dict[str, str], tolerance: int = 0, **kwargs: object) -> list[str]:
    return problems(
        items,
        GROUP,
        key_of=lambda item: item["id"],
        reference=kwargs.pop("reference", Reference(NOW, "the suite's clock")),  # type: ignore[arg-type]
        tolerance=timedelta(seconds=tolerance),
        **kwargs,  # type: ignore[arg-type]
    )


def _group(key: str, created: datetime, updated: datetime | None = None) -> dict[str, str]:
    def text(moment: datetime) -> str:
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    return {"id": key, "createdTime": text(created), "updatedTime": text(updated or created)}


def test_past_times_in_order_are_fine() -> None:
    assert _judge(_group("1", NOW - timedelta(days=3), NOW), _group("2", NOW)) == []


def test_a_time_later_than_the_response_is_found_within_the_tolerance() -> None:
    ahead = _group("1", NOW + timedelta(seconds=30))

    assert _judge(ahead, tolerance=60) == []
    found = _judge(ahead, tolerance=10)
    assert found[0].startswith(
        "item 1's createdTime 2026-01-02T03:04:35.000Z is 30 seconds later than the response "
        "(the suite's clock; clock tolerance 10 seconds)"
    )
    assert len(found) == 2  # createdTime and updatedTime, each said once


def test_the_date_header_is_the_reference_to_its_second() -> None:
    reference = Reference.of({"date": "Fri, 02 Jan 2026 03:04:05 GMT"}, now=NOW + timedelta(days=9))
    assert reference.moment == NOW
    assert "its Date header" in reference.source

    # Made in the same second the Date names: not later than the response.
    assert _judge(_group("1", NOW + timedelta(milliseconds=999)), reference=reference) == []
    assert _judge(_group("1", NOW + timedelta(days=30)), reference=reference)


def test_a_response_without_a_usable_date_is_judged_by_our_clock() -> None:
    assert Reference.of({}, now=NOW).source == "the suite's clock"
    assert Reference.of({"Date": "yesterday"}, now=NOW).moment == NOW


def test_updated_before_created_is_found_once_with_a_count() -> None:
    found = _judge(
        _group("1", NOW - timedelta(days=1), NOW - timedelta(days=2)),
        _group("2", NOW - timedelta(days=1), NOW - timedelta(days=3)),
    )

    assert found == [
        "item 1's updatedTime 2025-12-31T03:04:05.000Z is before its createdTime "
        "2026-01-01T03:04:05.000Z: a record is never updated before it is created (2 items in all)"
    ]


def test_a_record_this_run_created_is_dated_when_it_was_created() -> None:
    made = {"1": NOW - timedelta(minutes=5)}

    assert _judge(_group("1", NOW - timedelta(minutes=5)), created_at=made) == []
    found = _judge(_group("1", NOW - timedelta(days=2)), tolerance=60, created_at=made)
    assert found == [
        "item 1's createdTime 2025-12-31T03:04:05.000Z is about 2 days from when this run "
        "created it (2026-01-02T02:59:05+00:00; clock tolerance 1 minute)"
    ]


def test_what_is_no_timestamp_is_left_to_the_schema_checks() -> None:
    assert _judge({"id": "1", "createdTime": "soon", "updatedTime": "2020-01-01"}) == []
