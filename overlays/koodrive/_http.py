"""The pooled httpx client each KooDrive talks through: its own, or one the user gives.

A given client (`http_client=`, as in openai-python) keeps its transport, proxies, TLS,
limits, headers, cookies, params and event hooks. The SDK sets only what its calls cannot
work without: the base URL, its auth flow, its event hooks after the user's, and its
User-Agent where httpx's default one stands. Everything that can be refused is checked
before anything is changed, so a refused client is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import metadata
from typing import Final

import httpx

from ._hooks import on_request, on_request_async, on_response, on_response_async
from ._types import DEFAULT_TIMEOUT, NotGiven, Timeout, as_httpx_timeout
from .errors import ConfigurationError

HTTP_CLIENT = "http_client"

# What httpx.Client() has when no one set these: the SDK treats them as not chosen.
_HTTPX_DEFAULT_TIMEOUT: Final = httpx.Timeout(5.0)
_HTTPX_USER_AGENT: Final = f"python-httpx/{httpx.__version__}"

_SDK_HOOKS: Final[tuple[Callable[..., object], ...]] = (
    on_request,
    on_response,
    on_request_async,
    on_response_async,
)


def _user_agent() -> str:
    try:
        version = metadata.version("koodrive-sdk")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"koodrive-sdk-python/{version}"


USER_AGENT: Final = _user_agent()


def default_timeout(
    timeout: Timeout | NotGiven, given: httpx.Client | httpx.AsyncClient | None
) -> httpx.Timeout:
    """The `timeout=` argument; else a given client's own, unless it is httpx's default."""
    if not isinstance(timeout, NotGiven):
        return as_httpx_timeout(timeout)
    if given is not None and given.timeout != _HTTPX_DEFAULT_TIMEOUT:
        return given.timeout
    return DEFAULT_TIMEOUT


def check_sync(given: object) -> httpx.Client | None:
    """`given` if KooDrive can use it; otherwise a ConfigurationError naming http_client."""
    if given is None:
        return None
    if not isinstance(given, httpx.Client):
        raise _wrong_kind(given, "KooDrive", httpx.Client, "AsyncKooDrive", httpx.AsyncClient)
    _check_usable(given)
    return given


def check_async(given: object) -> httpx.AsyncClient | None:
    """`given` if AsyncKooDrive can use it; otherwise a ConfigurationError naming http_client."""
    if given is None:
        return None
    if not isinstance(given, httpx.AsyncClient):
        raise _wrong_kind(given, "AsyncKooDrive", httpx.AsyncClient, "KooDrive", httpx.Client)
    _check_usable(given)
    return given


def sync_client(
    given: httpx.Client | None, *, base_url: str, auth: httpx.Auth, timeout: httpx.Timeout
) -> httpx.Client:
    if given is None:
        return httpx.Client(
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            event_hooks={"request": [on_request], "response": [on_response]},
        )
    _adopt(given, base_url=base_url, auth=auth, hooks=(on_request, on_response))
    return given


def async_client(
    given: httpx.AsyncClient | None, *, base_url: str, auth: httpx.Auth, timeout: httpx.Timeout
) -> httpx.AsyncClient:
    if given is None:
        return httpx.AsyncClient(
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT},
            event_hooks={"request": [on_request_async], "response": [on_response_async]},
        )
    _adopt(given, base_url=base_url, auth=auth, hooks=(on_request_async, on_response_async))
    return given


def _adopt(
    given: httpx.Client | httpx.AsyncClient,
    *,
    base_url: str,
    auth: httpx.Auth,
    hooks: tuple[Callable[..., object], Callable[..., object]],
) -> None:
    given.base_url = base_url
    given.auth = auth
    if given.headers.get("User-Agent") == _HTTPX_USER_AGENT:
        given.headers["User-Agent"] = USER_AGENT
    # After the user's hooks: theirs see every response, the SDK's then raise on errors.
    request_hook, response_hook = hooks
    theirs = given.event_hooks
    given.event_hooks = {
        "request": [*theirs.get("request", []), request_hook],
        "response": [*theirs.get("response", []), response_hook],
    }


def _check_usable(given: httpx.Client | httpx.AsyncClient) -> None:
    if given.is_closed:
        raise ConfigurationError(f"{HTTP_CLIENT} is closed; pass an open client")
    installed = [hook for hooks in given.event_hooks.values() for hook in hooks]
    if any(hook in _SDK_HOOKS for hook in installed):
        # A second client would replace the first one's auth flow: its calls would then
        # go out with the second one's credentials.
        raise ConfigurationError(
            f"{HTTP_CLIENT} already serves another KooDrive client; give each client its "
            "own httpx client (with_options() shares one safely)"
        )


def _wrong_kind(
    given: object, owner: str, expected: type, other_owner: str, other: type
) -> ConfigurationError:
    message = f"{HTTP_CLIENT} of {owner} must be an {_name(expected)}, not {_name(type(given))}"
    if isinstance(given, other):
        message += f" (an {_name(other)} goes to {other_owner})"
    return ConfigurationError(message)


def _name(kind: type) -> str:
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"
