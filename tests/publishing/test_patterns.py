"""patterns.relation: two `pattern`s compared as the sets of strings they accept."""

from __future__ import annotations

import pytest
from patterns import MAX_REPETITION, Relation, relation


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("^[0-9]{1,8}$", "^[0-9]{1,16}$", Relation.WIDER),
        ("^[0-9]{1,16}$", "^[0-9]{1,8}$", Relation.NARROWER),
        ("^[0-9]+$", "^\\d+$", Relation.EQUAL),
        ("^[a-z]+$", "^[0-9]+$", Relation.OTHER),
        # Unanchored, a pattern matches anywhere: "abc" accepts more than "^abc".
        ("^abc", "abc", Relation.WIDER),
        ("abc$", "^abc$", Relation.NARROWER),
        ("^(a|b)$", "^[ab]$", Relation.EQUAL),
        ("a|b", "[ab]", Relation.EQUAL),
        # Not modelled: an anchored alternation, a back-reference, not a regex at all.
        ("^a|b$", "^a$", Relation.UNKNOWN),
        ("^(a)\\1$", "^aa$", Relation.UNKNOWN),
        ("^(a$", "^a$", Relation.UNKNOWN),
        ("^a{2,1}$", "^a$", Relation.UNKNOWN),
    ],
)
def test_relation(old: str, new: str, expected: Relation) -> None:
    assert relation(old, new) is expected


def test_a_repetition_too_large_to_build_is_not_compared() -> None:
    assert relation(f"^.{{0,{MAX_REPETITION + 1}}}$", "^.*$") is Relation.UNKNOWN
    assert relation("^.{0,16}$", "^.*$") is Relation.WIDER
