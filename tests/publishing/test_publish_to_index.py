"""The path a team takes: scripts/publish uploads to a real package index (pypiserver on
127.0.0.1, uploads behind a password), `pip install koodrive-sdk` from it into a fresh
virtual environment, and the installed package lists the groups of a running emulator."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from distcheck import spec_version
from koodrive_emulator import Backend, SourceType
from koodrive_emulator.testing import running_emulator

# One worker runs the module under pytest-xdist (--dist loadgroup): one index server for it.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("publish-to-index")]

ROOT = Path(__file__).resolve().parents[2]
VERSION = spec_version(ROOT / "openapi.yaml")
PYPI_SERVER = Path(sys.executable).with_name("pypi-server")
USERNAME = "publisher"
PASSWORD = f"upload-{secrets.token_hex(12)}"
# What the fresh environment runs: the installed package only, nothing from this checkout.
LIST_GROUPS = """
import json, os, sys
from importlib import metadata

import koodrive
from koodrive import KooDrive, SourceType

base_url, user_id = sys.argv[1:3]
with KooDrive(base_url=base_url, token=os.environ["E2E_TOKEN"], user_id=user_id) as client:
    groups = client.user_groups.list(source_type=SourceType.USER_GROUP, page_size=2)
    names = [[group.id, group.group_name] for group in groups]
print(json.dumps({
    "groups": names,
    "module": koodrive.__file__,
    "version": metadata.version("koodrive-sdk"),
}))
"""


@dataclass(frozen=True)
class PackageIndex:
    url: str
    packages: Path

    @property
    def simple_url(self) -> str:
        return self.url + "simple/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"pypi-server exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"pypi-server did not answer {url}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def package_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageIndex]:
    root = tmp_path_factory.mktemp("index")
    packages = root / "packages"
    packages.mkdir()
    # The `{SHA}` form of `htpasswd -s`, which passlib reads for pypiserver.
    digest = base64.b64encode(hashlib.sha1(PASSWORD.encode()).digest()).decode()
    htpasswd = root / "htpasswd"
    htpasswd.write_text(f"{USERNAME}:{{SHA}}{digest}\n")
    port = free_port()
    log = root / "pypi-server.log"
    command = [
        str(PYPI_SERVER), "run", "--host", "127.0.0.1", "--port", str(port),
        "--authenticate", "update", "--passwords", str(htpasswd), str(packages),
    ]  # fmt: skip
    with log.open("wb") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url + "health", server, log)
        yield PackageIndex(url, packages)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def publish(
    index: PackageIndex, outdir: Path, password: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TWINE_USERNAME": USERNAME, "TWINE_PASSWORD": password}
    command = [
        str(ROOT / "scripts/publish"), "--repository-url", index.url,
        "--outdir", str(outdir), *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=environment, check=False)


def fresh_environment() -> dict[str, str]:
    """The process environment minus anything that would let this checkout leak in."""
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}


def test_a_wrong_password_is_refused_and_never_shown(
    package_index: PackageIndex, tmp_path: Path
) -> None:
    wrong = f"wrong-{secrets.token_hex(12)}"
    before = sorted(package_index.packages.iterdir())

    result = publish(package_index, tmp_path / "dist", wrong)

    assert result.returncode == 1
    assert "scripts/publish: twine upload failed" in result.stderr
    assert "403 Forbidden" in result.stderr
    assert "check TWINE_USERNAME and TWINE_PASSWORD" in result.stderr
    assert wrong not in result.stdout + result.stderr
    assert sorted(package_index.packages.iterdir()) == before


def test_publish_then_install_from_the_index_and_list_groups(
    package_index: PackageIndex, tmp_path: Path
) -> None:
    # 1. Publish, as a release job would.
    published = publish(package_index, tmp_path / "dist", PASSWORD)
    assert published.returncode == 0, published.stdout + published.stderr
    assert PASSWORD not in published.stdout + published.stderr
    wheel, sdist = f"koodrive_sdk-{VERSION}-py3-none-any.whl", f"koodrive_sdk-{VERSION}.tar.gz"
    assert f"Uploading {wheel}" in published.stdout
    assert sorted(p.name for p in package_index.packages.iterdir()) == [wheel, sdist]

    # 2. A rerun of the job skips what is there instead of failing.
    rerun = publish(package_index, tmp_path / "dist", PASSWORD, "--skip-existing")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{wheel} is already on {package_index.simple_url}: skipped" in rerun.stdout
    assert "==> nothing to upload" in rerun.stdout

    # 3. A team installs it from the index into a fresh virtual environment.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=fresh_environment())
    python = venv / "bin" / "python"
    report = tmp_path / "pip-report.json"
    pip_install = [
        str(python), "-m", "pip", "install", "--disable-pip-version-check",
        "--index-url", package_index.simple_url, "--report", str(report),
        f"koodrive-sdk=={VERSION}",
    ]  # fmt: skip
    install = subprocess.run(
        pip_install, capture_output=True, text=True, env=fresh_environment(), check=False
    )
    assert install.returncode == 0, install.stdout + install.stderr
    installed = {
        item["metadata"]["name"]: item["download_info"]["url"]
        for item in json.loads(report.read_text())["install"]
    }
    assert installed["koodrive-sdk"] == f"{package_index.url}packages/{wheel}"

    # 4. The installed package lists the groups of a running emulator.
    backend = Backend()
    user_id = "1395476983395324033"
    expected = [
        backend.add_group(user_id, group_name=name, source_type=SourceType.USER_GROUP)
        for name in ("platform", "mobile", "data")
    ]
    backend.add_group(user_id, group_name="not a user group", source_type=SourceType.GROUP)
    script = tmp_path / "list_groups.py"
    script.write_text(LIST_GROUPS)
    with running_emulator(backend=backend) as emulator:
        listed = subprocess.run(
            [str(python), str(script), emulator.base_url, user_id],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**fresh_environment(), "E2E_TOKEN": emulator.credentials.token},
            check=False,
        )
    assert listed.returncode == 0, listed.stderr
    result = json.loads(listed.stdout)
    assert result["groups"] == [[group.id, group.group_name] for group in expected]
    assert result["version"] == VERSION
    assert Path(result["module"]).is_relative_to(venv)
