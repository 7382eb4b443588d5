from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.gateway_error import GatewayError
from ...models.get_user_group_response import GetUserGroupResponse
from ...models.service_error import ServiceError
from ...models.source_type import SourceType
from ...types import UNSET, Response, Unset, response_json


def _get_kwargs(
    group_id: str,
    *,
    source_type: SourceType,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_traceid, Unset):
        headers["X-Traceid"] = x_traceid

    if not isinstance(language, Unset):
        headers["language"] = language

    params: dict[str, Any] = {}

    json_source_type = source_type.value
    params["sourceType"] = json_source_type

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/koodrive/ose/v1/usergroups/{group_id}".format(
            group_id=quote(str(group_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> GatewayError | ServiceError | GetUserGroupResponse | None:
    if response.status_code == 200:
        response_200 = GetUserGroupResponse.from_dict(response_json(response))

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
) -> Response[GatewayError | ServiceError | GetUserGroupResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    group_id: str,
    *,
    client: AuthenticatedClient,
    source_type: SourceType,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> Response[GatewayError | ServiceError | GetUserGroupResponse]:
    """Get a user group's details

     One group the user joins, with its tenant, kind and icon. Any member may read it,
    whatever their role; a user who is not a member gets 400 `13000309`, as for an id
    that does not exist, and so does a `sourceType` that is not the group's (see
    `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        source_type (SourceType): Kind of group: `0` a group, `1` a user group.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GatewayError | ServiceError | GetUserGroupResponse]
    """

    kwargs = _get_kwargs(
        group_id=group_id,
        source_type=source_type,
        x_traceid=x_traceid,
        language=language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    group_id: str,
    *,
    client: AuthenticatedClient,
    source_type: SourceType,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> GatewayError | ServiceError | GetUserGroupResponse | None:
    """Get a user group's details

     One group the user joins, with its tenant, kind and icon. Any member may read it,
    whatever their role; a user who is not a member gets 400 `13000309`, as for an id
    that does not exist, and so does a `sourceType` that is not the group's (see
    `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        source_type (SourceType): Kind of group: `0` a group, `1` a user group.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GatewayError | ServiceError | GetUserGroupResponse
    """

    return sync_detailed(
        group_id=group_id,
        client=client,
        source_type=source_type,
        x_traceid=x_traceid,
        language=language,
    ).parsed


async def asyncio_detailed(
    group_id: str,
    *,
    client: AuthenticatedClient,
    source_type: SourceType,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> Response[GatewayError | ServiceError | GetUserGroupResponse]:
    """Get a user group's details

     One group the user joins, with its tenant, kind and icon. Any member may read it,
    whatever their role; a user who is not a member gets 400 `13000309`, as for an id
    that does not exist, and so does a `sourceType` that is not the group's (see
    `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        source_type (SourceType): Kind of group: `0` a group, `1` a user group.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[GatewayError | ServiceError | GetUserGroupResponse]
    """

    kwargs = _get_kwargs(
        group_id=group_id,
        source_type=source_type,
        x_traceid=x_traceid,
        language=language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    group_id: str,
    *,
    client: AuthenticatedClient,
    source_type: SourceType,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> GatewayError | ServiceError | GetUserGroupResponse | None:
    """Get a user group's details

     One group the user joins, with its tenant, kind and icon. Any member may read it,
    whatever their role; a user who is not a member gets 400 `13000309`, as for an id
    that does not exist, and so does a `sourceType` that is not the group's (see
    `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        source_type (SourceType): Kind of group: `0` a group, `1` a user group.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        GatewayError | ServiceError | GetUserGroupResponse
    """

    return (
        await asyncio_detailed(
            group_id=group_id,
            client=client,
            source_type=source_type,
            x_traceid=x_traceid,
            language=language,
        )
    ).parsed
