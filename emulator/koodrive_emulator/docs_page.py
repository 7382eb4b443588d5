"""Placeholder; replaced by the rendered page."""

from __future__ import annotations


def render_docs_page() -> str:
    return "<!doctype html><title>KooDrive API</title>"
