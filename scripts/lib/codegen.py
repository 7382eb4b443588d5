"""Produce generated/koodrive_client from openapi.yaml, and tell when it has gone stale.

The generator always writes into a fresh temporary directory, so its output depends on
the spec, generator-config.yaml and the pinned generator alone, never on where it runs.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "generator-config.yaml"
PACKAGE = "koodrive_client"
GENERATED = ROOT / "generated" / PACKAGE
IGNORED = {"__pycache__", ".ruff_cache"}


class GenerationError(RuntimeError):
    """The generator rejected the spec or failed."""


def generate(spec: Path, destination: Path, config: Path = CONFIG) -> None:
    """Generate the client package for `spec` into `destination`, replacing it whole."""
    with tempfile.TemporaryDirectory(prefix="koodrive-codegen-") as scratch:
        output = Path(scratch) / PACKAGE
        command = [
            sys.executable, "-m", "openapi_python_client", "generate",
            "--path", str(spec), "--config", str(config),
            "--meta", "none", "--output-path", str(output), "--overwrite", "--fail-on-warning",
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
        for cache in output.rglob(".ruff_cache"):
            shutil.rmtree(cache)
        if destination.exists():
            shutil.rmtree(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(output, destination)


def _files(tree: Path) -> set[Path]:
    return {
        path.relative_to(tree)
        for path in tree.rglob("*")
        if path.is_file() and not IGNORED.intersection(path.relative_to(tree).parts)
    }


def stale_files(spec: Path = SPEC, generated: Path = GENERATED) -> list[str]:
    """The files of `generated` that differ from what `spec` produces (added, changed, gone)."""
    with tempfile.TemporaryDirectory(prefix="koodrive-check-") as scratch:
        fresh = Path(scratch) / PACKAGE
        generate(spec, fresh)
        expected, actual = _files(fresh), _files(generated) if generated.exists() else set()
        stale = {p for p in expected ^ actual}
        stale |= {
            p for p in expected & actual if not filecmp.cmp(fresh / p, generated / p, shallow=False)
        }
        return sorted(str(Path("generated", PACKAGE, p)) for p in stale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    regen = sub.add_parser("regenerate", help="spec -> generated/koodrive_client")
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
