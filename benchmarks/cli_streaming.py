"""6. `koodrive groups` over a large listing: time to its first row, whole time, peak memory.

The command runs as a user runs it, in its own process, against an emulator seeded with
that many groups, its output read through a pipe line by line. The first row is the first
line that is a group (after the table's two header lines, or the first JSON line). Peak
memory is the command's own high-water resident set size (`VmHWM` in /proc), read every
20 ms while it runs (it never falls), in table mode and in `--json` mode. Not `wait4`'s
`ru_maxrss`: a process started from this one by vfork and exec keeps, in that figure, the
resident size this process had when it started it (Linux records the old memory's peak at
exec), so the command was charged with the benchmark's own memory, which grows from section
to section (90 MiB in one run, 166 in the next, for a command that peaks under 40).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from koodrive_emulator import Credentials

from benchmarks import servers


@dataclass(frozen=True)
class CliRun:
    mode: str
    groups: int  # rows printed
    first_row_seconds: float
    total_seconds: float
    peak_rss_mib: float


def _run(base_url: str, mode: str) -> CliRun:
    development = Credentials.development()
    env = {
        **os.environ,
        "KOODRIVE_BASE_URL": base_url,
        "KOODRIVE_TOKEN": development.token,
        "KOODRIVE_USER_ID": development.user_id,
    }
    command = [str(servers.BIN / "koodrive"), "groups", *(["--json"] if mode == "json" else [])]
    header_lines = 0 if mode == "json" else 2
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env)  # noqa: S603
    assert process.stdout is not None
    peak = _HighWater(process.pid)
    peak.start()
    first_row: float | None = None
    lines = 0
    try:
        for _ in process.stdout:
            lines += 1
            if first_row is None and lines > header_lines:
                first_row = time.perf_counter() - started
    except BaseException:
        process.kill()
        process.wait()
        raise
    finally:
        process.stdout.close()
    _, status, _ = os.wait4(process.pid, 0)
    total = time.perf_counter() - started
    peak.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or first_row is None:
        raise RuntimeError(f"koodrive groups ({mode}) exited {process.returncode}")
    # The table ends with a line that counts the groups: what is left are the groups.
    rows = lines - header_lines - (0 if mode == "json" else 1)
    return CliRun(mode, rows, first_row, total, peak.kib / 1024)


class _HighWater(threading.Thread):
    """Reads a process's `VmHWM` until the process is gone: the last value read is its
    peak resident size up to then."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._status = Path(f"/proc/{pid}/status")
        self.kib = 0

    def run(self) -> None:
        while True:
            try:
                text = self._status.read_text()
            except OSError:
                return  # reaped
            line = next((line for line in text.splitlines() if line.startswith("VmHWM:")), None)
            if line is None:
                return  # exiting: its memory is gone
            self.kib = max(self.kib, int(line.split()[1]))
            time.sleep(0.02)


def measure(groups: int) -> list[CliRun]:
    with servers.serving(servers.emulator("--groups", str(groups))) as url:
        return [_run(url, mode) for mode in ("table", "json")]
