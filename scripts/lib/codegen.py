"""Produce generated/ from openapi.yaml, and tell when it has gone stale.

generated/ holds two packages: koodrive_client, openapi-python-client's raw client, and
koodrive_resources, the SDK's resources around it (scripts/lib/facade.py). Both are
written into a fresh temporary directory, so the output depends on the spec,
generator-config.yaml, the templates and the pinned tools alone, never on where it runs.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import facade
from koodrive_spec.behaviour import BehaviourError

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator-config.yaml"
PACKAGE = "koodrive_client"
GENERATED = ROOT / "generated"
# Our few changes to openapi-python-client's templates (each says why).
CLIENT_TEMPLATES = Path(__file__).resolve().with_name("templates") / "client"
IGNORED = {"__pycache__", ".ruff_cache"}


class GenerationError(RuntimeError):
    """The generator rejected the spec or failed."""


def generate(spec: Path, destination: Path, config: Path = CONFIG) -> None:
    """Generate both packages for `spec` into `destination` (a generated/ folder),
    replacing them whole."""
    with tempfile.TemporaryDirectory(prefix="koodrive-codegen-") as scratch:
        output = Path(scratch) / PACKAGE
        command = [
            sys.executable, "-m", "openapi_python_client", "generate",
            "--path", str(spec), "--config", str(config),
            "--meta", "none", "--output-path", str(output), "--overwrite", "--fail-on-warning",
            "--custom-template-path", str(CLIENT_TEMPLATES),
        ]  # fmt: skip
        # The post-hooks (ruff) must be the pinned ones beside this interpreter.
        tools = str(Path(sys.executable).parent)
        env = {**os.environ, "PATH": os.pathsep.join([tools, os.environ.get("PATH", "")])}
        result = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, check=False, env=env
        )
        if result.returncode != 0 or not (output / "__init__.py").exists():
            raise GenerationError(
                f"openapi-python-client failed on {spec}:\n{result.stdout}{result.stderr}"
            )
        resources = Path(scratch) / facade.PACKAGE
        try:
            facade.render(spec, config, resources)
        except (facade.FacadeError, BehaviourError) as error:
            raise GenerationError(f"the SDK's resources cannot be generated: {error}") from None
        _format(resources, env)
        for cache in Path(scratch).rglob(".ruff_cache"):
            shutil.rmtree(cache)
        destination.mkdir(parents=True, exist_ok=True)
        for package in (output, resources):
            target = destination / package.name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(package, target)


def _line_length() -> int:
    """The project's line length (pyproject.toml), which the generated resources keep too."""
    ruff = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["ruff"]
    return int(ruff["line-length"])


def _format(package: Path, env: dict[str, str]) -> None:
    """The pinned ruff's formatting, as generator-config.yaml's post-hooks give the client."""
    for command in (
        ["ruff", "check", ".", "--select", "I", "--fix-only", "--quiet", "--isolated"],
        ["ruff", "format", ".", "--quiet", "--isolated", "--line-length", str(_line_length())],
    ):
        result = subprocess.run(  # noqa: S603
            [str(Path(sys.executable).parent / command[0]), *command[1:], "--no-cache"],
            cwd=package,
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        if result.returncode != 0:
            raise GenerationError(f"ruff failed on {package.name}:\n{result.stdout}{result.stderr}")


def _files(tree: Path) -> set[Path]:
    return {
        path.relative_to(tree)
        for path in tree.rglob("*")
        if path.is_file() and not IGNORED.intersection(path.relative_to(tree).parts)
    }


def stale_files(spec: Path = SPEC, generated: Path = GENERATED) -> list[str]:
    """The files of `generated` that differ from what `spec` produces (added, changed, gone)."""
    with tempfile.TemporaryDirectory(prefix="koodrive-check-") as scratch:
        fresh = Path(scratch) / "generated"
        generate(spec, fresh)
        expected, actual = _files(fresh), _files(generated) if generated.exists() else set()
        stale = {p for p in expected ^ actual}
        stale |= {
            p for p in expected & actual if not filecmp.cmp(fresh / p, generated / p, shallow=False)
        }
        return sorted(str(Path("generated", p)) for p in stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    regen = sub.add_parser("regenerate", help="spec -> generated/ (client and resources)")
    regen.add_argument("--spec", type=Path, default=SPEC)
    regen.add_argument("--output", type=Path, default=GENERATED)
    check = sub.add_parser("check", help="fail, naming the stale files, when generated/ is stale")
    check.add_argument("--spec", type=Path, default=SPEC)
    check.add_argument("--generated", type=Path, default=GENERATED)
    args = parser.parse_args(argv)
    try:
        if args.command == "regenerate":
            generate(args.spec, args.output)
            print(f"regenerated {args.output} from {args.spec}")
            return 0
        stale = stale_files(args.spec, args.generated)
    except GenerationError as error:
        print(error, file=sys.stderr)
        return 2
    if stale:
        print(f"generated/ is stale: it does not match what {args.spec.name} produces.")
        for path in stale:
            print(f"  {path}")
        print("Run scripts/regenerate and commit the result.")
        return 1
    print("generated/ matches openapi.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
