"""What a built sdist and wheel must hold, checked before anything is uploaded.

`twine check` looks at the metadata's rendering; this looks at the content: the wheel holds
the packages pyproject.toml lists and nothing else, each typed (`py.typed`), with the spec
layer's copy of the spec (koodrive_spec) equal to openapi.yaml, and a version equal to the
spec's `info.version`.
"""

from __future__ import annotations

import posixpath
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from pathlib import Path, PurePosixPath

import yaml

DISTRIBUTION = "koodrive_sdk"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
# The wheel's packages as pyproject.toml lists them (their folders in the sdist).
SDIST_PACKAGES = tuple(
    tomllib.loads(PYPROJECT.read_text("utf-8"))["tool"]["hatch"]["build"]["targets"]["wheel"][
        "packages"
    ]
)
PACKAGES = tuple(PurePosixPath(folder).name for folder in SDIST_PACKAGES)
SPEC_IN_PACKAGE = "koodrive_spec/openapi.yaml"
# Where the spec layer's package lives in the source tree (and so in the sdist).
SPEC_IN_SDIST = next(
    f"{PurePosixPath(folder).parent}/{SPEC_IN_PACKAGE}"
    for folder in SDIST_PACKAGES
    if PurePosixPath(folder).name == PurePosixPath(SPEC_IN_PACKAGE).parent.name
)
# What every release's metadata must say, beyond what twine checks.
REQUIRED_METADATA = ("Summary", "License-Expression", "Requires-Python", "Requires-Dist")
SDIST_FILES = ("PKG-INFO", "pyproject.toml", "openapi.yaml", "README.md", "CHANGELOG.md", "LICENSE")


@dataclass(frozen=True)
class Distributions:
    sdist: Path
    wheel: Path


def spec_version(spec: Path) -> str:
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    return str(document["info"]["version"])


def find_distributions(outdir: Path) -> Distributions:
    sdists, wheels = sorted(outdir.glob("*.tar.gz")), sorted(outdir.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        names = sorted(path.name for path in outdir.iterdir())
        raise ValueError(f"expected one sdist and one wheel in {outdir}, found {names}")
    return Distributions(sdists[0], wheels[0])


def wheel_problems(wheel: Path, spec: Path) -> list[str]:
    """What is wrong with the wheel's content and metadata (empty when it is right)."""
    version = spec_version(spec)
    dist_info = f"{DISTRIBUTION}-{version}.dist-info"
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        tops = {PurePosixPath(name).parts[0] for name in names}
        unexpected = sorted(tops - {*PACKAGES, dist_info})
        if unexpected:
            problems.append(f"unexpected top-level entries {unexpected} (allowed: {PACKAGES})")
        for package in PACKAGES:
            for marker in ("__init__.py", "py.typed"):
                if f"{package}/{marker}" not in names:
                    problems.append(f"{package}/{marker} is missing")
        problems += [f"compiled or cached file {name}" for name in names if _is_cache(name)]
        if SPEC_IN_PACKAGE not in names:
            problems.append(f"{SPEC_IN_PACKAGE} is missing")
        elif archive.read(SPEC_IN_PACKAGE) != spec.read_bytes():
            problems.append(f"{SPEC_IN_PACKAGE} differs from {spec.name}")
        if f"{dist_info}/METADATA" not in names:
            return [*problems, f"{dist_info}/METADATA is missing (is the version {version}?)"]
        metadata = BytesParser().parsebytes(archive.read(f"{dist_info}/METADATA"))
    return problems + _metadata_problems(metadata, version)


def sdist_problems(sdist: Path, spec: Path) -> list[str]:
    """What is wrong with the sdist's content (empty when it is right)."""
    version = spec_version(spec)
    root = f"{DISTRIBUTION}-{version}"
    problems = []
    with tarfile.open(sdist) as archive:
        members = {member.name: member for member in archive.getmembers()}
        for name in SDIST_FILES:
            if f"{root}/{name}" not in members:
                problems.append(f"{name} is missing")
        for package in SDIST_PACKAGES:
            if f"{root}/{package}/py.typed" not in members:
                problems.append(f"{package}/py.typed is missing")
        problems += [
            f"{name} links to {member.linkname}, outside the sdist or to nothing"
            for name, member in members.items()
            if member.issym() and _link_target(name, member.linkname) not in members
        ]
        problems += [f"compiled or cached file {name}" for name in members if _is_cache(name)]
        packaged_spec = f"{root}/{SPEC_IN_SDIST}"
        if packaged_spec not in members:
            problems.append(f"{SPEC_IN_SDIST} is missing")
        else:
            extracted = archive.extractfile(packaged_spec)  # follows a link inside the archive
            if extracted is None or extracted.read() != spec.read_bytes():
                problems.append(f"{SPEC_IN_SDIST} differs from {spec.name}")
    return problems


def _link_target(name: str, target: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), target))


def _metadata_problems(metadata: Message, version: str) -> list[str]:
    problems = []
    if metadata["Version"] != version:
        problems.append(f"metadata version {metadata['Version']} is not info.version {version}")
    problems += [f"metadata has no {field}" for field in REQUIRED_METADATA if not metadata[field]]
    if not metadata.get_all("Classifier"):
        problems.append("metadata has no classifiers")
    if "Typing :: Typed" not in (metadata.get_all("Classifier") or []):
        problems.append("metadata lacks the classifier Typing :: Typed")
    if not str(metadata.get_payload()).strip():
        problems.append("metadata has no description (is README.md empty?)")
    return problems


def _is_cache(name: str) -> bool:
    return "__pycache__" in PurePosixPath(name).parts or name.endswith((".pyc", ".pyo"))
