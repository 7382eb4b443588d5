"""4. The contract suite's wall time: `scripts/contract` end to end, emulator start included,
over every operation of the spec (schemathesis' "Operations: 11 selected / 11 total").

Where the time goes is read from schemathesis' own report of each phase ("Stateful (in
23.14s)"), and the time per operation is the wall time over the operations it tested; the
rest of the wall time is starting Python, the emulator and schemathesis, loading the spec,
and the suite's summary.
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
_OPERATIONS = re.compile(r"Operations:\s+([0-9]+) selected / ([0-9]+) total")


@dataclass(frozen=True)
class ContractRun:
    seconds: float
    test_cases: int
    phases: dict[str, float]  # schemathesis' phase -> its seconds
    operations: int  # the operations the suite tested
    operations_in_spec: int

    @property
    def seconds_per_operation(self) -> float:
        return self.seconds / self.operations

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
    operations = _OPERATIONS.search(result.stdout)
    if operations is None:
        raise RuntimeError(f"could not read the operations tested:\n{result.stdout[-2000:]}")
    phases = {name: float(took) for name, took in _PHASE.findall(result.stdout)}
    return ContractRun(seconds, int(cases[1]), phases, int(operations[1]), int(operations[2]))
