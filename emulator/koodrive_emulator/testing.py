"""Running the emulator inside a test process (moto's `mock_aws`, over real HTTP).

with running_emulator() as emulator:
    client = KooDrive(base_url=emulator.base_url, token=emulator.credentials.token)
    emulator.faults.throttle(retry_after=1, times=2, operation="listUserGroups")
    ...
    emulator.verify("listUserGroups", where={"pageSize": 100})
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from koodrive import signing
from koodrive_spec.reader import Spec

from koodrive_emulator.app import EmulatorApp, EmulatorContext
from koodrive_emulator.clock import Clock
from koodrive_emulator.credentials import Credentials
from koodrive_emulator.faults import Faults
from koodrive_emulator.journal import DEFAULT_JOURNAL_SIZE, Journal, JournalEntry, Where
from koodrive_emulator.limits import BODY_TIMEOUT, HEADER_TIMEOUT
from koodrive_emulator.rules.paging import PagingBehaviour
from koodrive_emulator.server import EmulatorServer
from koodrive_emulator.state import Backend, BackendSnapshot


@dataclass(frozen=True)
class RunningEmulator:
    """A served emulator and the live objects behind it (change them during the test)."""

    base_url: str
    backend: Backend
    faults: Faults
    credentials: Credentials
    clock: Clock
    paging: PagingBehaviour
    journal: Journal
    snapshots: dict[str, BackendSnapshot]  # saved by name (POST /_emulator/snapshots/{name})

    @classmethod
    def of(cls, base_url: str, context: EmulatorContext) -> RunningEmulator:
        return cls(
            base_url,
            context.backend,
            context.faults,
            context.credentials,
            context.clock,
            context.paging,
            context.journal,
            context.snapshots,
        )

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def requests(self) -> list[JournalEntry]:
        """The requests received so far, oldest first (see journal.py)."""
        return self.journal.entries()

    def verify(
        self,
        operation: str,
        *,
        count: int | None = None,
        where: Where | None = None,
    ) -> list[JournalEntry]:
        """The requests to `operation` that match `where` (parameter name -> value as sent,
        or a predicate over a JournalEntry); AssertionError telling the near misses unless
        there are exactly `count` of them (None: at least one)."""
        return self.journal.verify(
            operation, count=count, where=where, operations=self.faults.spec.operation_ids()
        )

    def token_headers(self, *, with_user: bool = False, plus_form: bool = False) -> dict[str, str]:
        """`Authorization` with the primary token (`Bearer <t>`, or `Bearer+<t>`); with
        `with_user`, also `X-User-Id` and a current `X-Date` (list-bound-devices needs them)."""
        separator = "+" if plus_form else " "
        headers = {"Authorization": f"Bearer{separator}{self.credentials.token}"}
        if with_user:
            headers["X-User-Id"] = self.credentials.user_id
            headers["X-Date"] = signing.format_x_date(self.clock.now())
        return headers

    def signed_headers(
        self,
        path: str,
        query: str = "",
        *,
        method: str = "GET",
        body: bytes = b"",
        user_id: str | None = None,
        x_date: datetime | None = None,
        app_id: str | None = None,
        app_secret: str | None = None,
    ) -> dict[str, str]:
        """`Host`, `X-Date`, `X-User-Id` and an app-signed `Authorization` for a request to
        `path` with the raw `query` string, signed with koodrive.signing like the SDK does.
        Defaults: the primary app and user, and the emulator clock's current time."""
        return signed_headers(
            self.base_url,
            path,
            query,
            method=method,
            body=body,
            user_id=user_id or self.credentials.user_id,
            x_date=x_date or self.clock.now(),
            app_id=app_id or self.credentials.app_id,
            app_secret=app_secret or self.credentials.app_secret,
        )


def signed_headers(
    base_url: str,
    path: str,
    query: str = "",
    *,
    user_id: str,
    x_date: datetime,
    app_id: str,
    app_secret: str,
    method: str = "GET",
    body: bytes = b"",
) -> dict[str, str]:
    """`Host`, `X-Date`, `X-User-Id` and an app-signed `Authorization` for a request to an
    emulator at `base_url`, in this process or not (a `koodrive-emulator` process, say)."""
    headers = {
        "Host": base_url.removeprefix("http://"),
        "X-Date": signing.format_x_date(x_date),
        "X-User-Id": user_id,
    }
    authorization = signing.sign(
        app_id=app_id,
        app_secret=app_secret,
        method=method,
        path=path,
        query=query,
        headers=headers,
        payload=body,
    )
    return {**headers, "Authorization": authorization.header_value()}


@contextmanager
def running_emulator(
    *,
    backend: Backend | None = None,
    credentials: Credentials | None = None,
    faults: Faults | None = None,
    clock: Clock | None = None,
    paging: PagingBehaviour | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    admin: bool = True,
    header_timeout: float = HEADER_TIMEOUT,
    body_timeout: float = BODY_TIMEOUT,
    spec: Spec | None = None,
    journal_size: int = DEFAULT_JOURNAL_SIZE,
) -> Iterator[RunningEmulator]:
    """Serve an emulator on `host`:`port` (0: a free port) until the block ends.

    The credentials date their tokens with the emulator's clock (given credentials are
    switched to it, their tokens re-dated), so that moving that clock ages the tokens
    too. `admin` serves the admin API under /_emulator/; its reset puts back the state
    `backend` had when the block began. `spec`: check requests against another spec
    than the one shipped, such as a changed copy (`Spec.from_text`). `journal_size`: how many
    requests the journal keeps (0: none).
    """
    if clock is None:
        clock = credentials.clock if credentials is not None else Clock()
    if credentials is None:
        credentials = Credentials.development(clock=clock)
    context = EmulatorContext(
        backend=backend if backend is not None else Backend.default(spec=spec),
        credentials=credentials,
        faults=faults if faults is not None else Faults(spec=spec),
        clock=clock,
        paging=paging if paging is not None else PagingBehaviour(),
        journal=Journal(journal_size),
    )
    app = EmulatorApp(context, admin=admin, spec=spec)
    with EmulatorServer(
        app, host=host, port=port, header_timeout=header_timeout, body_timeout=body_timeout
    ) as server:
        yield RunningEmulator.of(server.base_url, context)
