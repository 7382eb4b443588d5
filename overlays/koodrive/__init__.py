"""KooDrive SDK: a typed client for the KooDrive API.

    from koodrive import KooDrive, SourceType

    client = KooDrive()  # KOODRIVE_BASE_URL, KOODRIVE_TOKEN, ... from the environment
    for group in client.user_groups.list(source_type=SourceType.USER_GROUP):
        print(group.id, group.group_name)

The results are the generated models (`koodrive_client.models`), re-exported here.
"""

from koodrive_client.models import BoundDeviceEntity, SourceType, UserGroupInfo

from ._client import AsyncKooDrive, KooDrive
from ._types import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven, Timeout
from .auth import AppSignatureAuth, TokenAuth
from .errors import (
    APIConnectionError,
    APIError,
    APIResultError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    GatewayAuthenticationError,
    GatewayBadRequestError,
    GatewayError,
    GatewayNotFoundError,
    GatewayRateLimitError,
    GatewayServerError,
    InvalidArgumentError,
    KooDriveError,
    MalformedResponseError,
    NotFoundError,
    PaginationError,
    RateLimitError,
    ServerError,
)
from .pagination import AsyncPager, Page, SyncPager
from .retries import Backoff

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResultError",
    "APIStatusError",
    "APITimeoutError",
    "AppSignatureAuth",
    "AsyncKooDrive",
    "AsyncPager",
    "AuthenticationError",
    "Backoff",
    "BadRequestError",
    "BoundDeviceEntity",
    "ConfigurationError",
    "GatewayAuthenticationError",
    "GatewayBadRequestError",
    "GatewayError",
    "GatewayNotFoundError",
    "GatewayRateLimitError",
    "GatewayServerError",
    "InvalidArgumentError",
    "KooDrive",
    "KooDriveError",
    "MalformedResponseError",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PaginationError",
    "RateLimitError",
    "ServerError",
    "SourceType",
    "SyncPager",
    "Timeout",
    "TokenAuth",
    "UserGroupInfo",
]
