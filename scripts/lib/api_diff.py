"""`scripts/api-diff BASE_REV`: the Python-API gate of the SDK's wheel.

spec-diff judges openapi.yaml; this judges what callers import. It builds the wheel of the
working tree and the wheel of BASE_REV (from `git archive`, as the release was built), loads
every package of each with griffe (statically: nothing is imported), and lists what griffe
calls a breaking change of the public API: a removed name, a removed or reordered
parameter, a changed default, a narrowed attribute, and so on. A breakage without a major
bump of the version (versioning.py's rule) fails the gate.

Exit status: 0 passes, 1 breaking API changes without a major bump, 2 could not compare.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import griffe
from packaging.utils import parse_wheel_filename
from packaging.version import Version
from releases import RELEASE_TAGS, last_release_tag
from versioning import is_major_bump, next_major

ROOT = Path(__file__).resolve().parents[2]


class ApiDiffError(Exception):
    """The comparison could not run; the message says why."""


@dataclass(frozen=True)
class Breakage:
    package: str
    explanation: str


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    project: Path = arguments.project.resolve()
    base_rev = arguments.base_rev
    if arguments.last_release:
        base_rev = last_release_tag(project)
        if base_rev is None:
            print(
                f"api-diff: no release tag ({RELEASE_TAGS}) in this repository yet:"
                " nothing to compare with"
            )
            return 0
    try:
        with tempfile.TemporaryDirectory(prefix="api-diff-") as scratch:
            work = Path(scratch)
            old_version, old_root = _built(_archive(project, base_rev, work / "base"), work, "old")
            new_version, new_root = _built(project, work, "new")
            packages = _packages(project)
            breakages = list(_breakages(packages, old_root, new_root))
    except ApiDiffError as error:
        print(f"api-diff: {error}", file=sys.stderr)
        return 2
    print(
        f"api-diff: the wheel at {base_rev} ({old_version}) -> the working tree ({new_version}),"
        f" packages {', '.join(packages)}"
    )
    for breakage in breakages:
        print(f"  breaking    {breakage.explanation}")
    print(f"api-diff: {len(breakages)} breaking change(s) of the public Python API")
    if breakages and not is_major_bump(old_version, new_version):
        print(
            f"api-diff: FAILED: the SDK's public Python API breaks, but the version went"
            f" {old_version} -> {new_version}. Set info.version to {next_major(old_version)} or"
            " later (below 1.0 a minor bump is major), or keep the old names.",
            file=sys.stderr,
        )
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scripts/api-diff",
        description="Compare the public Python API of the SDK's wheel with a git revision's;"
        " fail on a breaking change without a major version bump.",
    )
    base = parser.add_mutually_exclusive_group(required=True)
    base.add_argument("base_rev", nargs="?", metavar="BASE_REV", help="e.g. v0.1.0 or origin/main")
    base.add_argument(
        "--last-release",
        action="store_true",
        help=f"compare with the newest release tag ({RELEASE_TAGS}); passes when there is none",
    )
    parser.add_argument(
        "--project", type=Path, default=ROOT, help="the project's checkout (default: this one)"
    )
    return parser


# The spec layer, the emulator and the proxy ship in the wheel as the kit's tools; their
# modules are their implementation, not an API callers build on (their docs name what is),
# so they are not gated here: openapi.yaml itself is, by spec-diff.
NOT_GATED = frozenset({"koodrive_spec", "koodrive_emulator", "koodrive_proxy"})


def _packages(project: Path) -> list[str]:
    """The SDK's top-level packages in the wheel, as pyproject.toml lists them."""
    config = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    folders = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    return [Path(folder).name for folder in folders if Path(folder).name not in NOT_GATED]


def _archive(project: Path, revision: str, destination: Path) -> Path:
    """The tree of `revision`, as `git archive` gives it (what a release is built from)."""
    result = subprocess.run(  # noqa: S603
        ["git", "-C", str(project), "archive", "--format=tar", revision],  # noqa: S607
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise ApiDiffError(f"cannot read revision {revision!r}: {message}")
    destination.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(destination, filter="data")
    return destination


def _built(source: Path, work: Path, name: str) -> tuple[Version, Path]:
    """Build the wheel of `source` and unpack it; its version and the unpacked folder."""
    outdir = work / f"{name}-dist"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    wheels = sorted(outdir.glob("*.whl")) if outdir.is_dir() else []
    if result.returncode != 0 or len(wheels) != 1:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        raise ApiDiffError(f"cannot build the wheel of {source}:\n{tail}")
    unpacked = work / f"{name}-wheel"
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(unpacked)  # noqa: S202 - the wheel we have just built
    return parse_wheel_filename(wheels[0].name)[1], unpacked


def _breakages(packages: Sequence[str], old_root: Path, new_root: Path) -> list[Breakage]:
    old_modules, new_modules = _loaded(packages, old_root), _loaded(packages, new_root)
    found = []
    for package in packages:
        old = old_modules.get(package)
        if old is None:
            continue  # a package the release did not have: nothing of it can break
        new = new_modules.get(package)
        if new is None:
            found.append(Breakage(package, f"{package}: package removed"))
            continue
        found += [Breakage(package, _explained(b)) for b in griffe.find_breaking_changes(old, new)]
    return found


def _loaded(packages: Sequence[str], root: Path) -> dict[str, griffe.Module]:
    """The packages found in `root`, loaded by one loader: `koodrive` re-exports and
    subclasses `koodrive_resources`, so their aliases are resolved across packages."""
    loader = griffe.GriffeLoader(search_paths=[str(root)], allow_inspection=False)
    modules = {}
    for package in packages:
        if (root / package).is_dir():
            loaded = loader.load(package)
            if not isinstance(loaded, griffe.Module):
                raise ApiDiffError(f"{package} is not a package in {root}")
            modules[package] = loaded
    loader.resolve_aliases(implicit=True, external=True)
    return modules


def _explained(breakage: griffe.Breakage) -> str:
    """`koodrive.KooDrive.list(page_size): Positional parameter was moved`, without griffe's
    colours and the temporary folders' paths."""
    where = breakage.obj.path
    name = getattr(breakage.old_value, "name", None)
    if isinstance(breakage.obj, griffe.Function) and isinstance(name, str):
        where += f"({name})"
    return f"{where}: {breakage.kind.value}"


if __name__ == "__main__":
    sys.exit(main())
