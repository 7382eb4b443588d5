"""5. This emulator beside an earlier version of itself, under the same load, side by side.

The earlier version is taken from git (`git archive`, so the working tree is untouched) and
run from a temporary directory on this same interpreter and its installed dependencies.
Both servers run for the whole measurement with the same data; wrk drives them in turns
(earlier, then this one, for each operation, round after round), and each operation's
ratio is the median over rounds of this version's requests/s over the earlier one's in
that round. The default baseline is the last commit before the spec-driven emulator:
`BASELINE`, the hand-written routes, parsers and pager it replaced.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from benchmarks import servers
from benchmarks.load import DEVICES, GROUPS, Load, token_headers, wrk

ROOT = Path(__file__).resolve().parent.parent
# The last commit whose emulator had hand-written routes, parameter parsing and paging.
BASELINE = "1475c29"
# What the earlier version's emulator imports from its own tree.
_TREES = ("openapi.yaml", "emulator", "overlays", "generated")


@dataclass(frozen=True)
class Comparison:
    label: str
    baseline: list[Load]
    current: list[Load]

    @property
    def ratios(self) -> list[float]:
        return [
            now.requests_per_second / then.requests_per_second
            for now, then in zip(self.current, self.baseline, strict=True)
        ]

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def baseline_rate(self) -> float:
        return statistics.median(load.requests_per_second for load in self.baseline)

    @property
    def current_rate(self) -> float:
        return statistics.median(load.requests_per_second for load in self.current)


class MissingBaseline(RuntimeError):
    """The baseline commit is not in this clone's history."""


@contextmanager
def checked_out(ref: str) -> Iterator[Path]:
    """The emulator's trees at `ref`, in a temporary directory."""
    archive = subprocess.run(  # noqa: S603
        ["git", "archive", "--format=tar", ref, *_TREES],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise MissingBaseline(
            f"{ref} is not in this clone's history (a shallow clone?); fetch it or pass "
            f"--baseline (git said: {archive.stderr.decode(errors='replace').strip()})"
        )
    with tempfile.TemporaryDirectory(prefix="koodrive-baseline-") as scratch:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(scratch, filter="tar")
        yield Path(scratch)


def _emulator_at(tree: Path) -> list[str]:
    """A command running the emulator of `tree` (its packages first on the path)."""
    path = os.pathsep.join(str(tree / folder) for folder in ("emulator", "overlays", "generated"))
    code = f"import sys; sys.path[:0] = {path.split(os.pathsep)!r}; " + (
        "from koodrive_emulator.cli import main; sys.exit(main())"
    )
    return [sys.executable, "-c", code, "--log-level", "info", "--groups", "2500"]


def measure(*, rounds: int, seconds: int, ref: str = BASELINE) -> list[Comparison]:
    token = token_headers()
    with (
        checked_out(ref) as tree,
        servers.serving(_emulator_at(tree)) as earlier,
        servers.serving(servers.emulator("--groups", "2500", log_level="info")) as now,
    ):
        targets = [("listBoundDevices, token", DEVICES), ("listUserGroups, token", GROUPS)]
        loads: dict[str, tuple[list[Load], list[Load]]] = {label: ([], []) for label, _ in targets}
        for _ in range(rounds):
            for label, path in targets:
                then, current = loads[label]
                then.append(wrk(label, earlier + path, token, seconds=seconds, connections=16))
                current.append(wrk(label, now + path, token, seconds=seconds, connections=16))
    return [Comparison(label, then, current) for label, (then, current) in loads.items()]
