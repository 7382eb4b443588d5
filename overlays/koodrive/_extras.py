"""Per-call `extra_headers` and `extra_query`: checked before anything is sent, added to
the request before the auth flow signs it, so a signed call stays valid.

What the SDK itself sends cannot be overridden this way: the credentials and what they
sign (`Authorization`, `X-Date`, `X-User-Id`, `Host`), the trace id, the language, and
every parameter the operation declares (each has its argument). The generated resources
name them per operation, from the spec (`Operation.owned_headers`, `.owned_query`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from .errors import InvalidArgumentError

ExtraHeaders = Mapping[str, str]
ExtraQuery = Mapping[str, str | int | float]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field-name
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e]*")  # printable ASCII: no CR, LF, NUL, no other bytes
# Meaningful for one connection only (RFC 9110 section 7.6.1): never a call's to set, and
# never forwarded by a proxy (koodrive-proxy reads this set too).
CONNECTION_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# How the request is framed and carried: httpx's to write, never a call's. A Content-Length
# or Transfer-Encoding of one's own breaks the framing; the rest belong to one connection.
FRAMING = dict.fromkeys(
    CONNECTION_HEADERS | {"content-length", "expect"}, "it frames the request (httpx sets it)"
)


@dataclass(frozen=True)
class Extras:
    """What one call adds to each of its requests."""

    headers: tuple[tuple[str, str], ...] = ()
    query: tuple[tuple[str, str], ...] = ()

    def apply(self, request: httpx.Request) -> None:
        for name, value in self.headers:
            request.headers[name] = value
        if self.query:
            request.url = request.url.copy_merge_params(dict(self.query))


NO_EXTRAS = Extras()


def checked_extras(
    headers: ExtraHeaders | None,
    query: ExtraQuery | None,
    *,
    owned_headers: Mapping[str, str],
    owned_query: Mapping[str, str],
) -> Extras:
    """The call's extras, or InvalidArgumentError naming the entry and what is allowed.

    `owned_headers`: lower-case header name -> what sets it; `owned_query`: parameter name
    -> the argument that sets it."""
    if not headers and not query:
        return NO_EXTRAS
    return Extras(
        headers=tuple(
            _header(name, value, owned_headers) for name, value in _items(headers, "extra_headers")
        ),
        query=tuple(
            _query(name, value, owned_query) for name, value in _items(query, "extra_query")
        ),
    )


def _items(given: Mapping[str, object] | None, argument: str) -> list[tuple[object, object]]:
    if given is None:
        return []
    if not isinstance(given, Mapping):
        raise InvalidArgumentError(f"{argument} must be a mapping of names to values")
    return list(given.items())


def _header(name: object, value: object, owned: Mapping[str, str]) -> tuple[str, str]:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise InvalidArgumentError(
            f"extra_headers: {name!r} is not a header name (letters, digits and !#$%&'*+-.^_`|~)"
        )
    who = owned.get(name.lower()) or FRAMING.get(name.lower())
    if who is not None:
        raise InvalidArgumentError(
            f"extra_headers[{name!r}] would override what the SDK sends: {who}"
        )
    if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value):
        raise InvalidArgumentError(
            f"extra_headers[{name!r}] must be a string of printable ASCII characters "
            "(no CR, LF, NUL or other control characters, no non-ASCII letters)"
        )
    return name, value


def _query(name: object, value: object, owned: Mapping[str, str]) -> tuple[str, str]:
    if not isinstance(name, str) or not name:
        raise InvalidArgumentError(f"extra_query: {name!r} is not a parameter name")
    argument = owned.get(name)
    if argument is not None:
        raise InvalidArgumentError(
            f"extra_query[{name!r}] would override a parameter the operation declares: "
            f"pass {argument} instead"
        )
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidArgumentError(
            f"extra_query[{name!r}] must be a string or a number, not {type(value).__name__}"
        )
    return name, str(value)
