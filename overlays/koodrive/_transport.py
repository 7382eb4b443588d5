"""The transport of the SDK's own sync client: httpx's `HTTPTransport`, over a network
backend that keeps every socket operation to the current attempt's deadline.

httpx's `HTTPTransport` takes no network backend, so this one builds its httpcore pool as
httpx does for the client the SDK made before (`httpx.Client()`'s defaults: TLS verified
against certifi, or `SSL_CERT_FILE`/`SSL_CERT_DIR`; HTTP/1.1; httpx's default limits; the
`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` of the environment) and passes it
a `DeadlineBackend`. httpcore's errors become httpx's, as in httpx. Public httpx and
httpcore API only; tests/sdk/test_transport.py holds the equivalences to httpx's own.
"""

from __future__ import annotations

import importlib.util
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from typing import Final
from urllib.request import getproxies

import httpcore
import httpx

from ._deadline import Deadline, DeadlineBackend

# httpx.HTTPTransport's and httpx.Client's default `limits`.
DEFAULT_LIMITS: Final = httpx.Limits(max_connections=100, max_keepalive_connections=20)

# Each httpcore error and the httpx error it becomes, the most specific first (the first
# match wins): httpx's own mapping (httpx/_transports/default.py).
_ERRORS: Final[tuple[tuple[type[Exception], type[httpx.TransportError]], ...]] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)

Pool = httpcore.ConnectionPool | httpcore.HTTPProxy | httpcore.SOCKSProxy


class _AsHttpxErrors:
    """`with _AS_HTTPX_ERRORS:` raises httpcore's errors as httpx's (a class, not a
    generator: it is entered twice a request; it keeps no state, so one serves all)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if isinstance(error, Exception):
            for theirs, ours in _ERRORS:
                if isinstance(error, theirs):
                    raise ours(str(error)) from error


_AS_HTTPX_ERRORS: Final = _AsHttpxErrors()


def _as_httpx_errors() -> _AsHttpxErrors:
    """The mapping, called as httpx's own `map_httpcore_exceptions()` is."""
    return _AS_HTTPX_ERRORS


class DeadlineTransport(httpx.BaseTransport):
    """What `httpx.HTTPTransport(proxy=proxy)` would be, every read, write and connect
    kept to the deadline `deadline()` gives when it happens (None: none)."""

    def __init__(
        self, deadline: Callable[[], Deadline | None], proxy: httpx.Proxy | None = None
    ) -> None:
        self._pool = _pool(DeadlineBackend(deadline), proxy)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _AS_HTTPX_ERRORS:
            received = self._pool.handle_request(sent)
        assert isinstance(received.stream, Iterable)
        return httpx.Response(
            status_code=received.status,
            headers=received.headers,
            stream=_ResponseStream(received.stream),
            extensions=received.extensions,
        )

    def close(self) -> None:
        with _AS_HTTPX_ERRORS:
            self._pool.close()


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _AS_HTTPX_ERRORS:
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


def _pool(backend: DeadlineBackend, proxy: httpx.Proxy | None) -> Pool:
    """httpx.HTTPTransport's pool for `proxy`, with `backend`."""
    tls = httpx.create_ssl_context(verify=True, cert=None, trust_env=True)
    most = DEFAULT_LIMITS.max_connections
    idle = DEFAULT_LIMITS.max_keepalive_connections
    expiry = DEFAULT_LIMITS.keepalive_expiry
    if proxy is None:
        return httpcore.ConnectionPool(
            ssl_context=tls,
            max_connections=most,
            max_keepalive_connections=idle,
            keepalive_expiry=expiry,
            http1=True,
            http2=False,
            network_backend=backend,
        )
    url = httpcore.URL(
        scheme=proxy.url.raw_scheme,
        host=proxy.url.raw_host,
        port=proxy.url.port,
        target=proxy.url.raw_path,
    )
    if proxy.url.scheme in ("http", "https"):
        return httpcore.HTTPProxy(
            proxy_url=url,
            proxy_auth=proxy.raw_auth,
            proxy_headers=proxy.headers.raw,
            ssl_context=tls,
            proxy_ssl_context=proxy.ssl_context,
            max_connections=most,
            max_keepalive_connections=idle,
            keepalive_expiry=expiry,
            http1=True,
            http2=False,
            network_backend=backend,
        )
    if proxy.url.scheme in ("socks5", "socks5h"):
        if importlib.util.find_spec("socksio") is None:  # httpx's check and message
            raise ImportError(
                "Using SOCKS proxy, but the 'socksio' package is not installed. "
                "Make sure to install httpx using `pip install httpx[socks]`."
            )
        return httpcore.SOCKSProxy(
            proxy_url=url,
            proxy_auth=proxy.raw_auth,
            ssl_context=tls,
            max_connections=most,
            max_keepalive_connections=idle,
            keepalive_expiry=expiry,
            http1=True,
            http2=False,
            network_backend=backend,
        )
    raise ValueError(
        "Proxy protocol must be either 'http', 'https', 'socks5', or 'socks5h',"
        f" but got {proxy.url.scheme!r}."
    )


def environment_mounts(
    deadline: Callable[[], Deadline | None],
) -> dict[str, httpx.BaseTransport | None]:
    """The mounts httpx.Client() makes of the environment's proxies (a transport through
    each proxy; None for a `NO_PROXY` host: the client's own transport), with ours."""
    return {
        pattern: None if url is None else DeadlineTransport(deadline, httpx.Proxy(url))
        for pattern, url in environment_proxies().items()
    }


def environment_proxies() -> dict[str, str | None]:
    """The proxy for each URL pattern, as httpx reads the environment (`getproxies()`:
    `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`; `NO_PROXY` hosts map to None)."""
    found = getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            proxy = found[scheme]
            mounts[f"{scheme}://"] = proxy if "://" in proxy else f"http://{proxy}"
    for host in (entry.strip() for entry in found.get("no", "").split(",")):
        if host == "*":
            return {}  # NO_PROXY=*: no proxy at all
        if not host:
            continue
        if "://" in host:
            mounts[host] = None
        elif _is_ip(host, ipaddress.IPv4Address) or host.lower() == "localhost":
            mounts[f"all://{host}"] = None
        elif _is_ip(host, ipaddress.IPv6Address):
            mounts[f"all://[{host}]"] = None
        else:
            mounts[f"all://*{host}"] = None  # the host and its subdomains
    return mounts


def _is_ip(host: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        kind(host.split("/")[0])
    except ValueError:
        return False
    return True
