"""Servers under measurement run in their own processes, so the measuring process and the
server do not share an interpreter lock."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(command: list[str], *, ready_path: str = "/openapi.yaml") -> Iterator[str]:
    """Run `command` (which must take `--port`) and yield its base URL once it answers."""
    with serving_process(command, ready_path=ready_path) as (base_url, _):
        yield base_url


@contextmanager
def serving_process(
    command: list[str], *, ready_path: str = "/openapi.yaml"
) -> Iterator[tuple[str, int]]:
    """`serving`, yielding the server's process id beside its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
            try:
                httpx.get(base_url + ready_path, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} did not answer within 60 s") from None
                time.sleep(0.01)
        yield base_url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def emulator(*args: str, log_level: str = "warning") -> list[str]:
    """The emulator command line, with its development credentials."""
    return [str(BIN / "koodrive-emulator"), "--log-level", log_level, *args]


def emulator_with_writer(*args: str, log_level: str = "warning") -> list[str]:
    """`emulator`, with a token for a second user that writes (benchmarks.writer_emulator)."""
    return [
        sys.executable,
        "-m",
        "benchmarks.writer_emulator",
        "--log-level",
        log_level,
        *args,
    ]


def ceiling() -> list[str]:
    return [sys.executable, "-m", "benchmarks.ceiling"]


def prism() -> tuple[list[str] | None, str | None]:
    """Prism mocking the repository's openapi.yaml, or None and why it cannot run.

    scripts/bench installs it (npm) where Node.js is, and names it in KOODRIVE_BENCH_PRISM.
    """
    if shutil.which("node") is None:
        return None, "Node.js is not installed"
    candidates = (os.environ.get("KOODRIVE_BENCH_PRISM"), shutil.which("prism"))
    executable = next((path for path in candidates if path and Path(path).exists()), None)
    if executable is None:
        return None, "Prism is not installed (scripts/bench installs it with npm)"
    return [executable, "mock", "--host", "127.0.0.1", str(SPEC)], None
