"""4. The contract suite's wall time: `scripts/contract` end to end, emulator start included.

Where the time goes is read from schemathesis' own report of each phase ("Stateful (in
23.14s)"); the rest of the wall time is starting Python, the emulator and schemathesis,
loading the spec, and the suite's summary.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


_PHASE = re.compile(r"(Examples|Coverage|Fuzzing|Stateful) \(in ([0-9.]+)s\)")


@dataclass(frozen=True)
class ContractRun:
    seconds: float
    test_cases: int
    phases: dict[str, float]  # schemathesis' phase -> its seconds

    @property
    def outside_phases(self) -> float:
        return self.seconds - sum(self.phases.values())

    @property
    def cases_per_second(self) -> float:
        return self.test_cases / self.seconds


def measure() -> ContractRun:
    with tempfile.TemporaryDirectory(prefix="koodrive-bench-contract-") as reports:
        start = time.perf_counter()
        result = subprocess.run(  # noqa: S603
            [str(ROOT / "scripts" / "contract"), "--reports", reports],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"scripts/contract failed:\n{result.stdout[-3000:]}")
    cases = re.search(r"test cases:\s+([0-9]+) generated", result.stdout)
    if cases is None:
        raise RuntimeError(f"could not read the number of test cases:\n{result.stdout[-2000:]}")
    phases = {name: float(took) for name, took in _PHASE.findall(result.stdout)}
    return ContractRun(seconds, int(cases[1]), phases)
