"""`client.devices`: the devices bound to the configured user."""

from __future__ import annotations

from koodrive_client.api.devices import list_bound_devices
from koodrive_client.models import BoundDeviceEntity, ListBoundDevicesResponse

from .._context import AsyncContext, Context, SyncContext
from .._runner import CallOptions, checked_trace_id
from .._types import NOT_GIVEN, NotGiven, Timeout
from ._common import Resource, expect, require_user_id

_OPERATION = "devices.list()"


def _prepare(
    context: Context, timeout: Timeout | NotGiven, max_retries: int | NotGiven, trace_id: str | None
) -> tuple[CallOptions, str]:
    """The call's options and trace id; what is refused, refused before anything is sent."""
    require_user_id(context.settings.user_id, _OPERATION)
    options = context.options.override(timeout=timeout, max_retries=max_retries)
    return options, checked_trace_id(trace_id)


class Devices(Resource[SyncContext]):
    def list(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        trace_id: str | None = None,
    ) -> list[BoundDeviceEntity]:
        """Every device bound to the user (`X-User-Id`); the operation does not page."""
        context = self._context
        options, first_trace_id = _prepare(context, timeout, max_retries, trace_id)

        def send(trace: str) -> list[BoundDeviceEntity]:
            response = list_bound_devices.sync_detailed(
                client=context.generated, x_traceid=trace, language=context.language
            )
            return expect(response, ListBoundDevicesResponse, _OPERATION, trace).data

        return context.runner.run(_OPERATION, send, options, first_trace_id)


class AsyncDevices(Resource[AsyncContext]):
    async def list(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        trace_id: str | None = None,
    ) -> list[BoundDeviceEntity]:
        """Every device bound to the user (`X-User-Id`); the operation does not page."""
        context = self._context
        options, first_trace_id = _prepare(context, timeout, max_retries, trace_id)

        async def send(trace: str) -> list[BoundDeviceEntity]:
            response = await list_bound_devices.asyncio_detailed(
                client=context.generated, x_traceid=trace, language=context.language
            )
            return expect(response, ListBoundDevicesResponse, _OPERATION, trace).data

        return await context.runner.run(_OPERATION, send, options, first_trace_id)
