"""One thread at a time in `ast.parse`, for the run's two schemathesis workers.

CPython 3.11 keeps the AST constructor's recursion depth in per-interpreter state, not per
thread (python/cpython#106905, fixed in later releases): two threads building ASTs at once
can fail one of them with `SystemError: AST constructor recursion depth mismatch`.
Hypothesis parses a module's source to describe its lambdas (the first time it meets each
module), so two workers starting their coverage phases together hit it now and then, and
a run reported a "Runtime Error" that was no fault of the target. Parsing under one lock
removes the race; it costs nothing after the first parse of each module (cached).
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any

_lock = threading.Lock()
_parse = ast.parse


def _locked_parse(*args: Any, **kwargs: Any) -> Any:
    with _lock:
        return _parse(*args, **kwargs)


def install() -> None:
    """Serialize `ast.parse` on the CPython versions with the race (3.12 and older)."""
    if sys.version_info < (3, 13) and ast.parse is _parse:
        setattr(ast, "parse", _locked_parse)  # noqa: B010 (a module function, replaced)
