"""`client.devices`: the devices bound to the configured user."""

from __future__ import annotations

from koodrive_client.api.devices import list_bound_devices
from koodrive_client.models import BoundDeviceEntity, ListBoundDevicesResponse

from .._context import AsyncContext, SyncContext
from .._runner import checked_trace_id
from .._types import NOT_GIVEN, NotGiven, Timeout
from ._common import expect, require_user_id

_OPERATION = "devices.list()"


class Devices:
    def __init__(self, context: SyncContext) -> None:
        self._context = context

    def list(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        trace_id: str | None = None,
    ) -> list[BoundDeviceEntity]:
        """Every device bound to the user (`X-User-Id`); the operation does not page."""
        context = self._context
        require_user_id(context.settings.user_id, _OPERATION)
        options = context.options.override(timeout=timeout, max_retries=max_retries)

        def send(trace: str) -> list[BoundDeviceEntity]:
            response = list_bound_devices.sync_detailed(
                client=context.generated, x_traceid=trace, language=context.language
            )
            return expect(response, ListBoundDevicesResponse, _OPERATION, trace).data

        return context.runner.run(_OPERATION, send, options, checked_trace_id(trace_id))


class AsyncDevices:
    def __init__(self, context: AsyncContext) -> None:
        self._context = context

    async def list(
        self,
        *,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        trace_id: str | None = None,
    ) -> list[BoundDeviceEntity]:
        """Every device bound to the user (`X-User-Id`); the operation does not page."""
        context = self._context
        require_user_id(context.settings.user_id, _OPERATION)
        options = context.options.override(timeout=timeout, max_retries=max_retries)

        async def send(trace: str) -> list[BoundDeviceEntity]:
            response = await list_bound_devices.asyncio_detailed(
                client=context.generated, x_traceid=trace, language=context.language
            )
            return expect(response, ListBoundDevicesResponse, _OPERATION, trace).data

        return await context.runner.run(_OPERATION, send, options, checked_trace_id(trace_id))
