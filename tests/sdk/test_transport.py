"""The sync client's own transport (koodrive/_transport.py): set up as httpx sets up its
own, and each socket operation kept to the current deadline (the end-to-end cases, a
dripping head over a pooled connection, a proxy and TLS, are in test_deadlines.py).

Where the SDK repeats what httpx does (its error mapping, its reading of the environment's
proxies, its default limits), httpx's own code is the oracle: a test here fails when an
httpx release changes what the SDK mirrors. Those oracles are httpx internals, read by
these tests only.
"""

from __future__ import annotations

import importlib.util
import inspect
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
import pytest
from httpx._transports.default import map_httpcore_exceptions
from httpx._utils import get_environment_proxies
from koodrive._deadline import Deadline, DeadlineBackend, KeptStream
from koodrive._transport import (
    DEFAULT_LIMITS,
    DeadlineTransport,
    _as_httpx_errors,
    environment_proxies,
)

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def clear_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


# --- what the SDK mirrors of httpx --------------------------------------------------------


def test_the_limits_are_httpx_defaults() -> None:
    for made in (httpx.HTTPTransport, httpx.Client):
        assert inspect.signature(made).parameters["limits"].default == DEFAULT_LIMITS


HTTPCORE_ERRORS = [
    kind
    for name in httpcore.__all__
    if isinstance(kind := getattr(httpcore, name), type) and issubclass(kind, Exception)
]


@pytest.mark.parametrize("error", HTTPCORE_ERRORS, ids=lambda kind: kind.__name__)
def test_each_httpcore_error_becomes_what_httpx_makes_of_it(error: type[Exception]) -> None:
    def raised(mapping: Any) -> Exception:
        try:
            with mapping():
                raise error("the message")
        except Exception as raised:
            return raised
        raise AssertionError("nothing raised")

    theirs, ours = raised(map_httpcore_exceptions), raised(_as_httpx_errors)
    assert type(ours) is type(theirs)
    assert str(ours) == str(theirs) == "the message"


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"HTTP_PROXY": "http://proxy.corp.example:3128"},
        {"https_proxy": "proxy.corp.example:8080"},  # no scheme: http:// is assumed
        {"HTTP_PROXY": "http://a:1", "HTTPS_PROXY": "https://b:2", "ALL_PROXY": "socks5://c:3"},
        {
            "HTTPS_PROXY": "http://proxy:3128",
            "NO_PROXY": "localhost, 127.0.0.1,::1,192.168.0.0/16,.corp.example,example.com,"
            "http://direct.example,,",
        },
        {"HTTP_PROXY": "http://proxy:3128", "NO_PROXY": "a.example,*,b.example"},
    ],
    ids=["none", "http", "no-scheme", "every-scheme", "no-proxy", "no-proxy-star"],
)
def test_the_environments_proxies_are_read_as_httpx_reads_them(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_proxies(monkeypatch)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert environment_proxies() == get_environment_proxies()


def test_a_socks_proxy_without_socksio_is_refused_as_httpx_refuses_it() -> None:
    if importlib.util.find_spec("socksio") is not None:
        pytest.skip("socksio is installed")
    proxy = httpx.Proxy("socks5://127.0.0.1:1080")
    with pytest.raises(ImportError) as theirs:
        httpx.HTTPTransport(proxy=proxy)
    with pytest.raises(ImportError) as ours:
        DeadlineTransport(lambda: None, proxy)
    assert str(ours.value) == str(theirs.value)


# --- each operation kept to the deadline --------------------------------------------------


class Recording(httpcore.NetworkStream):
    """A stream that records the timeout each operation was given."""

    def __init__(self, seen: list[tuple[str, float | None]]) -> None:
        self.seen = seen

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.seen.append(("read", timeout))
        return b"x"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.seen.append(("write", timeout))

    def close(self) -> None:
        self.seen.append(("close", None))

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self.seen.append(("tls", timeout))
        return Recording(self.seen)

    def get_extra_info(self, info: str) -> Any:
        return f"the stream's {info}"


class RecordingBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self.seen: list[tuple[str, float | None]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.seen.append(("connect", timeout))
        return Recording(self.seen)


def operations(deadline: Deadline | None, timeout: float | None) -> list[tuple[str, float | None]]:
    """Connect, TLS, write, read through a DeadlineBackend: the timeouts each was given."""
    recorded = RecordingBackend()
    backend = DeadlineBackend(lambda: deadline, recorded)
    stream = backend.connect_tcp("koodrive.test", 443, timeout)
    tls = stream.start_tls(ssl.create_default_context(), "koodrive.test", timeout)
    assert isinstance(tls, KeptStream)
    tls.write(b"GET / HTTP/1.1\r\n\r\n", timeout)
    assert tls.read(65536, timeout) == b"x"
    assert tls.get_extra_info("socket") == "the stream's socket"
    tls.close()
    return recorded.seen


def test_without_a_deadline_each_operation_keeps_its_own_timeout() -> None:
    for timeout in (5.0, None):
        seen = operations(None, timeout)
        assert seen == [(name, timeout) for name in ("connect", "tls", "write", "read")] + [
            ("close", None)
        ]


@pytest.mark.parametrize("timeout", [30.0, None])
def test_each_operation_waits_at_most_the_time_left(timeout: float | None) -> None:
    deadline = Deadline(time.monotonic() + 2.0, "total_timeout", 2.0)
    seen = operations(deadline, timeout)

    assert [name for name, _ in seen] == ["connect", "tls", "write", "read", "close"]
    assert all(left is not None and 1.5 < left <= 2.0 for _, left in seen[:-1]), seen


def test_a_shorter_timeout_of_its_own_is_kept() -> None:
    deadline = Deadline(time.monotonic() + 20.0, "attempt_timeout", 20.0)
    assert operations(deadline, 0.5)[:-1] == [
        ("connect", 0.5),
        ("tls", 0.5),
        ("write", 0.5),
        ("read", 0.5),
    ]


def test_past_the_deadline_no_operation_starts() -> None:
    passed = Deadline(time.monotonic() - 0.001, "attempt_timeout", 1.0)
    recorded = RecordingBackend()
    backend = DeadlineBackend(lambda: passed, recorded)
    stream = KeptStream(Recording(recorded.seen), lambda: passed)

    with pytest.raises(httpcore.ConnectTimeout, match="attempt_timeout=1 s passed"):
        backend.connect_tcp("koodrive.test", 443, 5.0)
    with pytest.raises(httpcore.ConnectTimeout):
        stream.start_tls(ssl.create_default_context(), "koodrive.test", 5.0)
    with pytest.raises(httpcore.WriteTimeout):
        stream.write(b"x", 5.0)
    with pytest.raises(httpcore.ReadTimeout):
        stream.read(1, 5.0)
    assert recorded.seen == []
