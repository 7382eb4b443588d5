"""What the resources need from their client: the generated client, the runner, defaults."""

from __future__ import annotations

from dataclasses import dataclass

from koodrive_client import AuthenticatedClient
from koodrive_client.types import UNSET, Unset

from ._runner import AsyncRunner, CallOptions, SyncRunner
from .config import Settings


@dataclass(frozen=True)
class Context:
    generated: AuthenticatedClient
    options: CallOptions
    settings: Settings

    @property
    def language(self) -> str | Unset:
        return UNSET if self.settings.language is None else self.settings.language


@dataclass(frozen=True)
class SyncContext(Context):
    runner: SyncRunner


@dataclass(frozen=True)
class AsyncContext(Context):
    runner: AsyncRunner
