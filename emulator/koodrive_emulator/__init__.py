"""KooDrive emulator: an offline stand-in for the KooDrive API, for development and tests.

State (`Backend`) lives apart from the rules (authentication, validation, paging, faults)
and from the HTTP layer; see docs/emulator.md.
"""

import importlib
import importlib.util
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

# What the `emulator` extra installs: module name -> distribution name.
_EXTRA_MODULES = {
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "httptools": "httptools",
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

# The public names, each imported on first use (PEP 562): importing one module of the
# package must not import the SDK, the server or the generated code it serves.
_EXPORTS = {
    "Clock": "koodrive_emulator.clock",
    "DEFAULT_TOKEN_TTL": "koodrive_emulator.credentials",
    "DEV_APP_ID": "koodrive_emulator.credentials",
    "DEV_APP_SECRET": "koodrive_emulator.credentials",
    "DEV_TOKEN": "koodrive_emulator.credentials",
    "DEV_USER_ID": "koodrive_emulator.credentials",
    "App": "koodrive_emulator.credentials",
    "Credentials": "koodrive_emulator.credentials",
    "Distribution": "koodrive_emulator.faults",
    "Fault": "koodrive_emulator.faults",
    "FaultKind": "koodrive_emulator.faults",
    "Faults": "koodrive_emulator.faults",
    "FixtureError": "koodrive_emulator.fixtures",
    "HANDLERS": "koodrive_emulator.handlers",
    "Journal": "koodrive_emulator.journal",
    "JournalEntry": "koodrive_emulator.journal",
    "OperationCall": "koodrive_emulator.handlers",
    "handles": "koodrive_emulator.handlers",
    "Device": "koodrive_emulator.models",
    "Group": "koodrive_emulator.models",
    "SourceType": "koodrive_emulator.models",
    "PagingBehaviour": "koodrive_emulator.rules.paging",
    "Backend": "koodrive_emulator.state",
    "BackendSnapshot": "koodrive_emulator.state",
}

if TYPE_CHECKING:
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
    from koodrive_emulator.faults import Distribution, Fault, FaultKind, Faults
    from koodrive_emulator.fixtures import FixtureError
    from koodrive_emulator.handlers import HANDLERS, OperationCall, handles
    from koodrive_emulator.journal import Journal, JournalEntry
    from koodrive_emulator.models import Device, Group, SourceType
    from koodrive_emulator.rules.paging import PagingBehaviour
    from koodrive_emulator.state import Backend, BackendSnapshot


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'koodrive_emulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_TOKEN_TTL",
    "DEV_APP_ID",
    "DEV_APP_SECRET",
    "DEV_TOKEN",
    "DEV_USER_ID",
    "HANDLERS",
    "App",
    "Backend",
    "BackendSnapshot",
    "Clock",
    "Credentials",
    "Device",
    "Distribution",
    "Fault",
    "FaultKind",
    "Faults",
    "FixtureError",
    "Group",
    "Journal",
    "JournalEntry",
    "MissingExtraError",
    "OperationCall",
    "PagingBehaviour",
    "SourceType",
    "handles",
]
