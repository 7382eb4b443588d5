"""`scripts/contract --shard K/N`: a deterministic share of the spec's operations.

The operations a run tests (every one, or a live read-only run's safe ones) are sorted by
operationId and dealt round-robin: shard K of N gets the 1st-based positions K, K+N, K+2N...
The same spec and the same settings give every machine the same split; the shards are
disjoint and together hold every operation; each is non-empty when N is at most the number
of operations (more shards than that is refused: an empty shard would test nothing).

What belongs to the run as a whole, not to one operation, is done by shard 1 only
(`Shard.run_wide`), so that the shards together do what one unsharded run does, once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

SHARD_VARIABLE = "KOODRIVE_CONTRACT_SHARD"

_SHARD = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


class ShardError(ValueError):
    """A `--shard` value that is no K/N with 1 <= K <= N."""


@dataclass(frozen=True)
class Shard:
    index: int  # K, 1-based
    count: int  # N

    @classmethod
    def parse(cls, text: str) -> Shard:
        found = _SHARD.fullmatch(text)
        if found is None:
            raise ShardError(f"must be K/N, such as 2/3 (shard K of N), got {text!r}")
        index, count = int(found[1]), int(found[2])
        if count < 1:
            raise ShardError(f"N must be 1 or more, got {text!r}")
        if not 1 <= index <= count:
            raise ShardError(f"K must be from 1 to N ({count}), got {text!r}")
        return cls(index, count)

    @property
    def run_wide(self) -> bool:
        """Whether this shard does what belongs to the whole run (shard 1 does)."""
        return self.index == 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def operations(self, operation_ids: Iterable[str]) -> list[str]:
        """This shard's operationIds, sorted: ShardError if there are fewer than N."""
        ordered = sorted(set(operation_ids))
        if self.count > len(ordered):
            raise ShardError(
                f"{self.count} shards for {len(ordered)} operations: at most "
                f"{len(ordered)} shards (each must test something)"
            )
        return ordered[self.index - 1 :: self.count]


WHOLE = Shard(1, 1)


def parse_setting(text: str) -> Shard:
    """The shard a `KOODRIVE_CONTRACT_SHARD` value names; empty: the whole run."""
    return Shard.parse(text) if text.strip() else WHOLE
