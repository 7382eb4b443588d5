"""scripts/build: an sdist and a wheel with complete metadata, the three typed packages and
nothing else, the spec inside the emulator, and the spec's version; distcheck catches the
opposite."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from email.parser import BytesParser
from pathlib import Path

import pytest
from distcheck import Distributions, find_distributions, spec_version, wheel_problems

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
VERSION = spec_version(SPEC)
PACKAGES = {
    "koodrive",
    "koodrive_client",
    "koodrive_resources",
    "koodrive_spec",
    "koodrive_emulator",
    "koodrive_proxy",
}


# One worker runs the module under pytest-xdist (--dist loadgroup): one build for it.
pytestmark = pytest.mark.xdist_group("distributions")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Distributions, str]:
    outdir = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [str(ROOT / "scripts/build"), "--outdir", str(outdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return find_distributions(outdir), result.stdout


@pytest.mark.slow
def test_build_names_the_version_and_runs_every_check(built: tuple[Distributions, str]) -> None:
    distributions, output = built
    assert f"==> building koodrive-sdk {VERSION} (info.version of openapi.yaml)" in output
    assert "==> twine check --strict" in output
    assert "==> content of the sdist and the wheel" in output
    assert distributions.wheel.name == f"koodrive_sdk-{VERSION}-py3-none-any.whl"
    assert distributions.sdist.name == f"koodrive_sdk-{VERSION}.tar.gz"


@pytest.mark.slow
def test_the_wheel_holds_the_three_typed_packages_and_nothing_else(
    built: tuple[Distributions, str],
) -> None:
    with zipfile.ZipFile(built[0].wheel) as wheel:
        names = wheel.namelist()
    assert {name.split("/")[0] for name in names} == {
        *PACKAGES,
        f"koodrive_sdk-{VERSION}.dist-info",
    }
    for package in PACKAGES:
        assert f"{package}/py.typed" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


@pytest.mark.slow
def test_the_wheel_carries_the_spec_its_spec_layer_reads(built: tuple[Distributions, str]) -> None:
    with zipfile.ZipFile(built[0].wheel) as wheel:
        assert wheel.read("koodrive_spec/openapi.yaml") == SPEC.read_bytes()


@pytest.mark.slow
def test_the_metadata_is_complete(built: tuple[Distributions, str]) -> None:
    with zipfile.ZipFile(built[0].wheel) as wheel:
        raw = wheel.read(f"koodrive_sdk-{VERSION}.dist-info/METADATA")
    metadata = BytesParser().parsebytes(raw)

    assert metadata["Name"] == "koodrive-sdk"
    assert metadata["Version"] == VERSION
    assert metadata["Summary"]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Requires-Python"] == ">=3.11"
    requirements = metadata.get_all("Requires-Dist") or []
    assert "httpx<1,>=0.27" in requirements
    assert "attrs>=23.1" in requirements
    assert any(r.endswith("extra == 'emulator'") for r in requirements)
    classifiers = metadata.get_all("Classifier") or []
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert metadata["Description-Content-Type"] == "text/markdown"
    payload = metadata.get_payload(decode=True)
    assert isinstance(payload, bytes)
    description = payload.decode("utf-8")
    assert description.strip()
    assert description.strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()


@pytest.mark.slow
def test_the_sdist_holds_the_sources_and_the_spec(built: tuple[Distributions, str]) -> None:
    root = f"koodrive_sdk-{VERSION}"
    with tarfile.open(built[0].sdist) as sdist:
        names = set(sdist.getnames())
        extracted = sdist.extractfile(f"{root}/spec/koodrive_spec/openapi.yaml")
        assert extracted is not None
        assert extracted.read() == SPEC.read_bytes()
    for name in ("openapi.yaml", "pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE"):
        assert f"{root}/{name}" in names
    for package in (
        "overlays/koodrive",
        "generated/koodrive_client",
        "generated/koodrive_resources",
        "spec/koodrive_spec",
        "emulator/koodrive_emulator",
        "proxy/koodrive_proxy",
    ):
        assert f"{root}/{package}/py.typed" in names
    assert not [name for name in names if f"{root}/tests/" in name or "/.venv/" in name]


def test_distcheck_names_what_is_wrong_with_a_wheel(tmp_path: Path) -> None:
    wheel = tmp_path / f"koodrive_sdk-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for package in sorted(PACKAGES):
            archive.writestr(f"{package}/__init__.py", "")
        archive.writestr("koodrive/py.typed", "")
        archive.writestr("koodrive_emulator/py.typed", "")
        archive.writestr("koodrive_spec/py.typed", "")
        archive.writestr("koodrive_spec/openapi.yaml", "openapi: 3.1.0\n")
        archive.writestr("koodrive/__pycache__/x.cpython-311.pyc", b"")
        archive.writestr("tests/test_secret.py", "")
        archive.writestr(
            f"koodrive_sdk-{VERSION}.dist-info/METADATA",
            "Metadata-Version: 2.4\nName: koodrive-sdk\nVersion: 9.9.9\nSummary: x\n\n",
        )

    problems = wheel_problems(wheel, SPEC)

    assert problems == [
        "unexpected top-level entries ['tests'] (allowed: ('koodrive', 'koodrive_client', "
        "'koodrive_resources', 'koodrive_spec', 'koodrive_emulator', 'koodrive_proxy'))",
        "koodrive_client/py.typed is missing",
        "koodrive_resources/py.typed is missing",
        "koodrive_proxy/py.typed is missing",
        "compiled or cached file koodrive/__pycache__/x.cpython-311.pyc",
        "koodrive_spec/openapi.yaml differs from openapi.yaml",
        f"metadata version 9.9.9 is not info.version {VERSION}",
        "metadata has no License-Expression",
        "metadata has no Requires-Python",
        "metadata has no Requires-Dist",
        "metadata has no classifiers",
        "metadata lacks the classifier Typing :: Typed",
        "metadata has no description (is README.md empty?)",
    ]
