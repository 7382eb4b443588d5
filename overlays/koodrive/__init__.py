"""KooDrive SDK: a typed client for the KooDrive API.

    from koodrive import KooDrive, SourceType

    client = KooDrive()  # KOODRIVE_BASE_URL, KOODRIVE_TOKEN, ... from the environment
    for group in client.user_groups.list(source_type=SourceType.USER_GROUP):
        print(group.id, group.group_name)

The results are the generated models (`koodrive_client.models`); those the methods take and
return are re-exported here (`koodrive_resources._models`, generated with the methods). An
optional field a response leaves out reads as `UNSET` (falsy, of type `Unset`), as the
generated models have it.
"""

from koodrive_client.types import UNSET, Unset
from koodrive_resources import _models
from koodrive_resources._models import *  # noqa: F403 (its __all__ is generated)

from . import errors
from ._client import AsyncKooDrive, KooDrive
from ._response import RawResponse
from ._types import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, NOT_GIVEN, NotGiven, Timeout
from ._version import VERSION
from .auth import AppSignatureAuth, TokenAuth
from .batches import BatchMembersError, BatchResult
from .errors import *  # noqa: F403 (errors.__all__ is the one list of exceptions)
from .hooks import AttemptInfo, CallHooks, Outcome
from .pagination import AsyncPager, Page, SyncPager
from .retries import Backoff

__version__ = VERSION
__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "UNSET",
    "AppSignatureAuth",
    "AsyncKooDrive",
    "AsyncPager",
    "AttemptInfo",
    "Backoff",
    "BatchMembersError",
    "BatchResult",
    "CallHooks",
    "KooDrive",
    "NotGiven",
    "Outcome",
    "Page",
    "RawResponse",
    "SyncPager",
    "Timeout",
    "TokenAuth",
    "Unset",
]
__all__ += errors.__all__
__all__ += _models.__all__
