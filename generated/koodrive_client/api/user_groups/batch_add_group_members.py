from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.batch_add_group_members_request import BatchAddGroupMembersRequest
from ...models.batch_members_result import BatchMembersResult
from ...models.gateway_error import GatewayError
from ...models.service_error import ServiceError
from ...types import UNSET, Response, Unset, response_json


def _get_kwargs(
    group_id: str,
    *,
    body: BatchAddGroupMembersRequest,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_traceid, Unset):
        headers["X-Traceid"] = x_traceid

    if not isinstance(language, Unset):
        headers["language"] = language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/koodrive/ose/v1/usergroups/{group_id}/members/batchAdd".format(
            group_id=quote(str(group_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    if "json" in _kwargs:
        from ...types import json_content

        _kwargs["content"] = json_content(_kwargs.pop("json"))
    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BatchMembersResult | GatewayError | ServiceError | None:
    if response.status_code == 200:
        response_200 = BatchMembersResult.from_dict(response_json(response))

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

    if response.status_code == 403:

        def _parse_response_403(data: object) -> GatewayError | ServiceError:
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

        response_403 = _parse_response_403(response_json(response))

        return response_403

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

    if response.status_code == 413:

        def _parse_response_413(data: object) -> GatewayError | ServiceError:
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

        response_413 = _parse_response_413(response_json(response))

        return response_413

    if response.status_code == 415:

        def _parse_response_415(data: object) -> GatewayError | ServiceError:
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

        response_415 = _parse_response_415(response_json(response))

        return response_415

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
) -> Response[BatchMembersResult | GatewayError | ServiceError]:
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
    body: BatchAddGroupMembersRequest,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> Response[BatchMembersResult | GatewayError | ServiceError]:
    """Add members to a user group

     Adds each user named in `amendModRoles` as a member (role `2`). The batch is one
    transaction, and `status` says how it went: `0` every user is a member now, `1`
    some are and `failedList` names the others, `2` none was added and `failedList`
    names them all. A user who is a member already counts as added, unchanged, so a
    batch is safe to repeat. A user fails when the tenant has no such user, when the
    group is full (200 members) or when the user joins 200 groups already. The owner
    and administrators may add members; another member gets 403 `13000410`, a user
    who is not a member 400 `13000309` (see `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.
        body (BatchAddGroupMembersRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchMembersResult | GatewayError | ServiceError]
    """

    kwargs = _get_kwargs(
        group_id=group_id,
        body=body,
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
    body: BatchAddGroupMembersRequest,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> BatchMembersResult | GatewayError | ServiceError | None:
    """Add members to a user group

     Adds each user named in `amendModRoles` as a member (role `2`). The batch is one
    transaction, and `status` says how it went: `0` every user is a member now, `1`
    some are and `failedList` names the others, `2` none was added and `failedList`
    names them all. A user who is a member already counts as added, unchanged, so a
    batch is safe to repeat. A user fails when the tenant has no such user, when the
    group is full (200 members) or when the user joins 200 groups already. The owner
    and administrators may add members; another member gets 403 `13000410`, a user
    who is not a member 400 `13000309` (see `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.
        body (BatchAddGroupMembersRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchMembersResult | GatewayError | ServiceError
    """

    return sync_detailed(
        group_id=group_id,
        client=client,
        body=body,
        x_traceid=x_traceid,
        language=language,
    ).parsed


async def asyncio_detailed(
    group_id: str,
    *,
    client: AuthenticatedClient,
    body: BatchAddGroupMembersRequest,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> Response[BatchMembersResult | GatewayError | ServiceError]:
    """Add members to a user group

     Adds each user named in `amendModRoles` as a member (role `2`). The batch is one
    transaction, and `status` says how it went: `0` every user is a member now, `1`
    some are and `failedList` names the others, `2` none was added and `failedList`
    names them all. A user who is a member already counts as added, unchanged, so a
    batch is safe to repeat. A user fails when the tenant has no such user, when the
    group is full (200 members) or when the user joins 200 groups already. The owner
    and administrators may add members; another member gets 403 `13000410`, a user
    who is not a member 400 `13000309` (see `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.
        body (BatchAddGroupMembersRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BatchMembersResult | GatewayError | ServiceError]
    """

    kwargs = _get_kwargs(
        group_id=group_id,
        body=body,
        x_traceid=x_traceid,
        language=language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    group_id: str,
    *,
    client: AuthenticatedClient,
    body: BatchAddGroupMembersRequest,
    x_traceid: str | Unset = UNSET,
    language: str | Unset = "en-US",
) -> BatchMembersResult | GatewayError | ServiceError | None:
    """Add members to a user group

     Adds each user named in `amendModRoles` as a member (role `2`). The batch is one
    transaction, and `status` says how it went: `0` every user is a member now, `1`
    some are and `failedList` names the others, `2` none was added and `failedList`
    names them all. A user who is a member already counts as added, unchanged, so a
    batch is safe to repeat. A user fails when the tenant has no such user, when the
    group is full (200 members) or when the user joins 200 groups already. The owner
    and administrators may add members; another member gets 403 `13000410`, a user
    who is not a member 400 `13000309` (see `x-koodrive-decisions`).

    Args:
        group_id (str): A record's id (a group's, a device's), a long string of digits.
        x_traceid (str | Unset):
        language (str | Unset):  Default: 'en-US'.
        body (BatchAddGroupMembersRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BatchMembersResult | GatewayError | ServiceError
    """

    return (
        await asyncio_detailed(
            group_id=group_id,
            client=client,
            body=body,
            x_traceid=x_traceid,
            language=language,
        )
    ).parsed
