from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.gateway_error import GatewayError
from ...models.list_bound_devices_response import ListBoundDevicesResponse
from ...models.service_error import ServiceError
from ...types import UNSET, Response, Unset, response_json


def _get_kwargs(
    *,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_traceid, Unset):
        headers["X-Traceid"] = x_traceid

    if not isinstance(language, Unset):
        headers["language"] = language

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/koodrive/ose/v1/backup/device",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GatewayError | ServiceError | ListBoundDevicesResponse | None:
    if response.status_code == 200:
        response_200 = ListBoundDevicesResponse.from_dict(response_json(response))

        return response_200

    if response.status_code == 400:

        def _parse_response_400(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_400 = _parse_response_400(response_json(response))

        return response_400

    if response.status_code == 401:

        def _parse_response_401(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_401 = _parse_response_401(response_json(response))

        return response_401

    if response.status_code == 404:

        def _parse_response_404(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_404 = _parse_response_404(response_json(response))

        return response_404

    if response.status_code == 429:

        def _parse_response_429(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_429 = _parse_response_429(response_json(response))

        return response_429

    if response.status_code == 500:

        def _parse_response_500(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_500 = _parse_response_500(response_json(response))

        return response_500

    if response.status_code == 502:

        def _parse_response_502(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_502 = _parse_response_502(response_json(response))

        return response_502

    if response.status_code == 503:

        def _parse_response_503(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_503 = _parse_response_503(response_json(response))

        return response_503

    if response.status_code == 504:

        def _parse_response_504(data: object) -> GatewayError | ServiceError:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_error_body_type_0 = ServiceError.from_dict(data)

                return componentsschemas_error_body_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_error_body_type_1 = GatewayError.from_dict(data)

            return componentsschemas_error_body_type_1

        response_504 = _parse_response_504(response_json(response))

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[GatewayError | ServiceError | ListBoundDevicesResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> Response[GatewayError | ServiceError | ListBoundDevicesResponse]:
    """List the devices bound to a user

     Returns every device bound to the user named by `X-User-Id`, in one response (the
    operation does not page).

    `X-User-Id` and `X-Date` are required in both authentication modes: the vendor's
    table marks them mandatory although its example request omits them.

    Args:
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GatewayError | ServiceError | ListBoundDevicesResponse]
    """

    kwargs = _get_kwargs(
        x_traceid=x_traceid,
        language=language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> GatewayError | ServiceError | ListBoundDevicesResponse | None:
    """List the devices bound to a user

     Returns every device bound to the user named by `X-User-Id`, in one response (the
    operation does not page).

    `X-User-Id` and `X-Date` are required in both authentication modes: the vendor's
    table marks them mandatory although its example request omits them.

    Args:
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GatewayError | ServiceError | ListBoundDevicesResponse
    """

    return sync_detailed(
        client=client,
        x_traceid=x_traceid,
        language=language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> Response[GatewayError | ServiceError | ListBoundDevicesResponse]:
    """List the devices bound to a user

     Returns every device bound to the user named by `X-User-Id`, in one response (the
    operation does not page).

    `X-User-Id` and `X-Date` are required in both authentication modes: the vendor's
    table marks them mandatory although its example request omits them.

    Args:
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GatewayError | ServiceError | ListBoundDevicesResponse]
    """

    kwargs = _get_kwargs(
        x_traceid=x_traceid,
        language=language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> GatewayError | ServiceError | ListBoundDevicesResponse | None:
    """List the devices bound to a user

     Returns every device bound to the user named by `X-User-Id`, in one response (the
    operation does not page).

    `X-User-Id` and `X-Date` are required in both authentication modes: the vendor's
    table marks them mandatory although its example request omits them.

    Args:
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GatewayError | ServiceError | ListBoundDevicesResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            x_traceid=x_traceid,
            language=language,
        )
    ).parsed
