"""What the emulator cannot be made to do: a server that repeats a cursor, or a Retry-After
given as an HTTP date. These check the SDK's own logic directly, without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from koodrive import AsyncPager, Page, PaginationError, SyncPager
from koodrive._classify import retry_after_seconds


def stuck_server(cursor: str) -> Page[int]:
    """Answers every page request with one item and the same next cursor, forever."""
    return Page(items=[1], total=10, next_cursor="same", trace_id="t" * 58)


def test_a_cursor_sent_back_unchanged_is_an_error_not_an_endless_loop() -> None:
    with pytest.raises(PaginationError, match="a nextCursor it had already sent") as caught:
        list(SyncPager(stuck_server))

    assert caught.value.trace_id == "t" * 58


@pytest.mark.anyio
async def test_the_async_pager_has_the_same_guard() -> None:
    async def fetch(cursor: str) -> Page[int]:
        return stuck_server(cursor)

    with pytest.raises(PaginationError):
        [item async for item in AsyncPager(fetch)]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past: no wait
        ("-5", 0.0),
        ("soon", None),
        ("nan", None),
        (None, None),
    ],
)
def test_retry_after_in_seconds_or_as_an_http_date(
    header: str | None, seconds: float | None
) -> None:
    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)

    assert retry_after_seconds(header, now=now) == seconds
