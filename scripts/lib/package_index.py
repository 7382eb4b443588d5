"""Which files of a project a package index already holds, read from its simple API (PEP 503).

twine's own `--skip-existing` works with PyPI and TestPyPI only; a team's index (pypiserver,
devpi, Nexus, Artifactory, GitLab) is asked here instead.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import httpx


class PackageIndexError(Exception):
    """The index could not be read; the message names the URL and why."""


def default_simple_url(repository_url: str) -> str:
    """The simple API next to an upload URL, where pypiserver, Nexus, Artifactory and GitLab
    put it (`<upload URL>/simple/`); other indexes pass theirs explicitly."""
    return repository_url.rstrip("/") + "/simple/"


def normalized(project: str) -> str:
    return re.sub(r"[-_.]+", "-", project).lower()


def files_on_index(
    simple_url: str, project: str, *, auth: tuple[str, str] | None, timeout: float = 30.0
) -> set[str]:
    """The file names the index lists for `project` (empty when it does not know it)."""
    url = f"{simple_url.rstrip('/')}/{normalized(project)}/"
    try:
        # Redirects are not followed: pypiserver sends unknown projects on to PyPI, whose
        # files say nothing about this index.
        response = httpx.get(url, auth=auth, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as error:
        raise PackageIndexError(f"cannot read {url}: {error}") from None
    if response.status_code == 404 or response.is_redirect:
        return set()
    if response.status_code != 200:
        raise PackageIndexError(f"cannot read {url}: HTTP {response.status_code}")
    links = _Links()
    links.feed(response.text)
    return {unquote(urlsplit(href).path.rsplit("/", 1)[-1]) for href in links.hrefs}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]
