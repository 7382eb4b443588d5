"""`client.user_groups`: the groups the user joins, paged by cursor."""

from __future__ import annotations

from koodrive_client.api.user_groups import list_user_groups
from koodrive_client.models import ListUserGroupsResponse, SourceType, UserGroupInfo
from koodrive_client.types import UNSET, Unset

from .._context import AsyncContext, Context, SyncContext
from .._runner import CallOptions, checked_trace_id, new_trace_id
from .._types import NOT_GIVEN, NotGiven, Timeout
from ..errors import InvalidArgumentError, MalformedResponseError
from ..pagination import FIRST_PAGE, AsyncPager, Page, SyncPager
from ._common import Resource, expect

_OPERATION = "user_groups.list()"
DEFAULT_PAGE_SIZE = 100


class _Query:
    """One listing's parameters, checked once, shared by all its pages."""

    def __init__(
        self,
        context: Context,
        source_type: SourceType | int,
        group_name: str | None,
        page_size: int,
        timeout: Timeout | NotGiven,
        max_retries: int | NotGiven,
        trace_id: str | None,
    ) -> None:
        try:
            self.source_type = SourceType(source_type)
        except ValueError:
            allowed = ", ".join(f"{kind.value} (SourceType.{kind.name})" for kind in SourceType)
            raise InvalidArgumentError(
                f"source_type must be one of {allowed}; got {source_type!r}"
            ) from None
        self.group_name: str | Unset = UNSET if group_name is None else group_name
        self.page_size = page_size
        self.options: CallOptions = context.options.override(
            timeout=timeout, max_retries=max_retries
        )
        if trace_id is not None:
            checked_trace_id(trace_id)
        self._trace_id = trace_id

    def trace_id(self) -> str:
        """The caller's trace id for every page, or a fresh one per page."""
        return self._trace_id or new_trace_id()


def _page(body: ListUserGroupsResponse, trace_id: str) -> Page[UserGroupInfo]:
    def malformed(problem: str) -> MalformedResponseError:
        return MalformedResponseError(f"{_OPERATION}: {problem}", trace_id=trace_id)

    next_cursor = body.next_cursor
    if isinstance(next_cursor, Unset):
        cursor = None
    elif isinstance(next_cursor, str) and next_cursor:
        cursor = next_cursor
    else:
        raise malformed(f"nextCursor must be a non-empty string when present; got {next_cursor!r}")
    if not isinstance(body.total, int) or isinstance(body.total, bool):
        raise malformed(f"total must be an integer; got {body.total!r}")
    return Page(items=body.user_group_list, total=body.total, next_cursor=cursor, trace_id=trace_id)


class UserGroups(Resource[SyncContext]):
    def list(
        self,
        *,
        source_type: SourceType | int,
        group_name: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        cursor: str = FIRST_PAGE,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        trace_id: str | None = None,
    ) -> SyncPager[UserGroupInfo]:
        """Every group of `source_type` (optionally whose name contains `group_name`).

        Iterate for the groups, across as many pages as it takes; `.pages()` for the pages
        and their `total`. Nothing is fetched before iteration. `cursor` resumes a listing
        from a page's `next_cursor`.
        """
        context = self._context
        query = _Query(context, source_type, group_name, page_size, timeout, max_retries, trace_id)

        def fetch(page_cursor: str) -> Page[UserGroupInfo]:
            def send(trace: str) -> Page[UserGroupInfo]:
                response = list_user_groups.sync_detailed(
                    client=context.generated,
                    page_size=query.page_size,
                    page_cursor=page_cursor,
                    group_name=query.group_name,
                    source_type=query.source_type,
                    x_traceid=trace,
                    language=context.language,
                )
                return _page(expect(response, ListUserGroupsResponse, _OPERATION, trace), trace)

            return context.runner.run(_OPERATION, send, query.options, query.trace_id())

        return SyncPager(fetch, cursor)


class AsyncUserGroups(Resource[AsyncContext]):
    def list(
        self,
        *,
        source_type: SourceType | int,
        group_name: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        cursor: str = FIRST_PAGE,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        trace_id: str | None = None,
    ) -> AsyncPager[UserGroupInfo]:
        """`async for` every group of `source_type`; `.pages()` for the pages and `total`."""
        context = self._context
        query = _Query(context, source_type, group_name, page_size, timeout, max_retries, trace_id)

        async def fetch(page_cursor: str) -> Page[UserGroupInfo]:
            async def send(trace: str) -> Page[UserGroupInfo]:
                response = await list_user_groups.asyncio_detailed(
                    client=context.generated,
                    page_size=query.page_size,
                    page_cursor=page_cursor,
                    group_name=query.group_name,
                    source_type=query.source_type,
                    x_traceid=trace,
                    language=context.language,
                )
                return _page(expect(response, ListUserGroupsResponse, _OPERATION, trace), trace)

            return await context.runner.run(_OPERATION, send, query.options, query.trace_id())

        return AsyncPager(fetch, cursor)
