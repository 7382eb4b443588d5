"""6. `koodrive groups` over a large listing: time to its first row, whole time, peak memory.

The command runs as a user runs it, in its own process, against an emulator seeded with
that many groups, its output read through a pipe line by line. The first row is the first
line that is a group (after the table's two header lines, or the first JSON line). Peak
memory is the command's own maximum resident set size, as the kernel reports it when the
process is reaped (`wait4`), in table mode and in `--json` mode.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass

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
    _, status, usage = os.wait4(process.pid, 0)
    total = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0 or first_row is None:
        raise RuntimeError(f"koodrive groups ({mode}) exited {process.returncode}")
    # The table ends with a line that counts the groups: what is left are the groups.
    rows = lines - header_lines - (0 if mode == "json" else 1)
    return CliRun(mode, rows, first_row, total, usage.ru_maxrss / 1024)


def measure(groups: int) -> list[CliRun]:
    with servers.serving(servers.emulator("--groups", str(groups))) as url:
        return [_run(url, mode) for mode in ("table", "json")]
