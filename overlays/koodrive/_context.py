"""What the resources need from their client: the generated client, the runner, defaults.

`Context` itself (everything but the runner) lives in `_call.py`, below the runner.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._call import Context
from ._runner import AsyncRunner, SyncRunner

__all__ = ["AsyncContext", "Context", "SyncContext"]


@dataclass(frozen=True)
class SyncContext(Context):
    runner: SyncRunner


@dataclass(frozen=True)
class AsyncContext(Context):
    runner: AsyncRunner
