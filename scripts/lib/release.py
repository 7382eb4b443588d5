"""`scripts/build` and `scripts/publish`: build, check and upload the koodrive-sdk release.

build:   a clean `dist/` with the sdist and the wheel (`python -m build`), then
         `twine check --strict` and the content checks of distcheck.py.
publish: the same, then `twine upload` to `--repository-url`, with the credentials twine
         reads from TWINE_USERNAME and TWINE_PASSWORD. They are never passed on a command
         line, and twine's output is shown with the password masked, so that an index
         echoing it back cannot leak it into a CI log.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from distcheck import find_distributions, sdist_problems, spec_version, wheel_problems
from package_index import PackageIndexError, default_simple_url, files_on_index

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.yaml"
PROJECT = "koodrive-sdk"
MASK = "********"


class ReleaseError(Exception):
    """A step failed; the message says which and why."""


def build(outdir: Path) -> list[Path]:
    """Build the sdist and the wheel into a fresh `outdir` and check them."""
    if outdir.exists():
        shutil.rmtree(outdir)
    version = spec_version(SPEC)
    print(f"==> building koodrive-sdk {version} (info.version of {SPEC.name}) into {outdir}")
    _run("python -m build", [sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)])
    try:
        distributions = find_distributions(outdir)
    except ValueError as error:
        raise ReleaseError(str(error)) from None
    files = [distributions.sdist, distributions.wheel]
    print("==> twine check --strict")
    _run(
        "twine check",
        [sys.executable, "-m", "twine", "--no-color", "check", "--strict", *map(str, files)],
    )
    print("==> content of the sdist and the wheel")
    problems = [f"{distributions.sdist.name}: {p}" for p in sdist_problems(files[0], SPEC)]
    problems += [f"{distributions.wheel.name}: {p}" for p in wheel_problems(files[1], SPEC)]
    if problems:
        raise ReleaseError("the distributions are not fit to publish:\n  " + "\n  ".join(problems))
    for path in files:
        print(f"    {path.name} ({path.stat().st_size:,} bytes)")
    return files


def publish(
    repository_url: str, outdir: Path, *, skip_existing: bool, index_url: str | None = None
) -> None:
    """Build, check, and upload to the index at `repository_url`.

    With `skip_existing`, the files the index already lists (at `index_url`, its simple API)
    are left out, so that a release job can run again.
    """
    _check_url("--repository-url", repository_url)
    if index_url is not None:
        _check_url("--index-url", index_url)
    username = os.environ.get("TWINE_USERNAME", "")
    password = os.environ.get("TWINE_PASSWORD", "")
    if not username or not password:
        raise ReleaseError(
            "set TWINE_USERNAME and TWINE_PASSWORD to the index's credentials (for an index"
            " without authentication, placeholders such as anonymous / no-password)"
        )
    files = build(outdir)
    if skip_existing:
        simple_url = index_url or default_simple_url(repository_url)
        try:
            present = files_on_index(simple_url, PROJECT, auth=(username, password))
        except PackageIndexError as error:
            raise ReleaseError(mask(str(error), (password,))) from None
        for path in files:
            if path.name in present:
                print(f"    {path.name} is already on {simple_url}: skipped")
        files = [path for path in files if path.name not in present]
        if not files:
            print("==> nothing to upload")
            return
    print(f"==> twine upload to {repository_url}")
    command = [
        sys.executable, "-m", "twine", "--no-color", "upload", "--non-interactive",
        "--disable-progress-bar", "--repository-url", repository_url, *map(str, files),
    ]  # fmt: skip
    try:
        _run("twine upload", command, secrets=(password,), show_output=True)
    except ReleaseError as error:
        raise ReleaseError(
            f"{error}\n(400 or 409: is {spec_version(SPEC)} already on the index? Bump"
            " info.version, or pass --skip-existing to rerun a release; 401 or 403: check"
            " TWINE_USERNAME and TWINE_PASSWORD)"
        ) from None


def _check_url(option: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ReleaseError(
            f"{option} must be an http(s) URL such as https://pypi.example.com/,"
            f" got {_without_userinfo(url)!r}"
        )
    if parts.username or parts.password:
        raise ReleaseError(
            f"{option} must not carry credentials: set TWINE_USERNAME and TWINE_PASSWORD instead"
        )


def _without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=f"{MASK}@{parts.netloc.rsplit('@', 1)[1]}").geturl()


def _run(
    step: str,
    command: Sequence[str],
    *,
    secrets: Sequence[str] = (),
    show_output: bool = False,
) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)  # noqa: S603
    output = mask(result.stdout + result.stderr, secrets)
    if result.returncode != 0:
        raise ReleaseError(f"{step} failed (exit {result.returncode}):\n{output.rstrip()}")
    if show_output and output.strip():
        print(output.rstrip())


def mask(text: str, secrets: Sequence[str]) -> str:
    """`text` with every occurrence of each non-empty secret replaced by a mask."""
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="release.py", description="Build, check and publish koodrive-sdk."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build", help="build and check the sdist and wheel")
    publish_command = commands.add_parser(
        "publish",
        help="build, check and upload with twine (TWINE_USERNAME and TWINE_PASSWORD)",
    )
    publish_command.add_argument(
        "--repository-url",
        required=True,
        help="the index's upload URL, e.g. https://pypi.example.com/legacy/",
    )
    publish_command.add_argument(
        "--skip-existing",
        action="store_true",
        help="upload only the files the index does not list yet (a rerun does not fail)",
    )
    publish_command.add_argument(
        "--index-url",
        help="the index's simple API, read by --skip-existing (default: REPOSITORY_URL/simple/)",
    )
    for command in (build_command, publish_command):
        command.add_argument(
            "--outdir",
            type=Path,
            default=ROOT / "dist",
            help="where to build (emptied first; default: dist/)",
        )
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "build":
            build(arguments.outdir.resolve())
        else:
            publish(
                arguments.repository_url,
                arguments.outdir.resolve(),
                skip_existing=arguments.skip_existing,
                index_url=arguments.index_url,
            )
    except ReleaseError as error:
        print(f"scripts/{arguments.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
