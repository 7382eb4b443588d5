"""KooDrive emulator: an offline stand-in for the KooDrive API, for development and tests.

State (`Backend`) lives apart from the rules (authentication, validation, paging, faults)
and from the HTTP layer; see docs/emulator.md.
"""

# ruff: noqa: E402 - the extra is checked before anything that needs it is imported

import importlib.util
import sys
from collections.abc import Callable
from types import TracebackType

# What the `emulator` extra installs: module name -> distribution name.
_EXTRA_MODULES = {
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "itsdangerous": "itsdangerous",
    "yaml": "pyyaml",
    "jinja2": "jinja2",
    "markdown_it": "markdown-it-py",
    "jsonschema": "jsonschema",
    "jsonschema_rs": "jsonschema-rs",
}
INSTALL_EXTRA = 'pip install "koodrive-sdk[emulator]"'

_ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


class MissingExtraError(ModuleNotFoundError):
    """The `emulator` extra is not installed; `str(error)` is the one line that says so."""


def _one_line_for_missing_extra(previous: _ExceptHook) -> _ExceptHook:
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if isinstance(error, MissingExtraError):
            print(f"koodrive-emulator: {error}", file=sys.stderr)
        else:
            previous(kind, error, tb)

    return hook


def _require_extra() -> None:
    """Fail with one clear line, not an ImportError traceback, without the extra.

    Code that catches ImportError (pytest.importorskip, say) still can: MissingExtraError
    is one. Only when nothing catches it does the hook print the line alone, so that
    `koodrive-emulator` and `python -c "import koodrive_emulator"` exit with status 1
    and the fix, not a traceback ending in `No module named 'starlette'`.
    """
    missing = [d for m, d in _EXTRA_MODULES.items() if importlib.util.find_spec(m) is None]
    if not missing:
        return
    error = MissingExtraError(
        f"the emulator needs the `emulator` extra, which is not installed "
        f"(missing: {', '.join(missing)}); install it with: {INSTALL_EXTRA}",
        name=missing[0],
    )
    sys.excepthook = _one_line_for_missing_extra(sys.excepthook)
    raise error


_require_extra()

from koodrive_emulator.clock import Clock
from koodrive_emulator.credentials import (
    DEFAULT_TOKEN_TTL,
    DEV_APP_ID,
    DEV_APP_SECRET,
    DEV_TOKEN,
    DEV_USER_ID,
    App,
    Credentials,
)
from koodrive_emulator.faults import Fault, FaultKind, Faults
from koodrive_emulator.fixtures import FixtureError

# The handlers register themselves (and the faults only they play) on import.
from koodrive_emulator.handlers import HANDLERS, OperationCall, handles
from koodrive_emulator.models import Device, Group, SourceType
from koodrive_emulator.rules.paging import PagingBehaviour
from koodrive_emulator.state import Backend

__all__ = [
    "DEFAULT_TOKEN_TTL",
    "DEV_APP_ID",
    "DEV_APP_SECRET",
    "DEV_TOKEN",
    "DEV_USER_ID",
    "HANDLERS",
    "App",
    "Backend",
    "Clock",
    "Credentials",
    "Device",
    "Fault",
    "FaultKind",
    "Faults",
    "FixtureError",
    "Group",
    "MissingExtraError",
    "OperationCall",
    "PagingBehaviour",
    "SourceType",
    "handles",
]
