"""How two `pattern`s of a JSON Schema relate: does one accept every string the other does?

A schema's `pattern` matches anywhere in the string unless it is anchored (JSON Schema reads
it as an ECMA-262 search), so both are turned into whole-string languages first and then
compared as finite automata (interegular). A pattern it cannot read (a look-around, a
back-reference, an alternation beside an anchor) gives `UNKNOWN`, which the gate treats as
the cautious answer for its direction.
"""

from __future__ import annotations

import enum
import functools
import re

import interegular


class Relation(enum.Enum):
    EQUAL = "equal"
    WIDER = "wider"  # the new pattern accepts every string the old one did, and more
    NARROWER = "narrower"  # the old one accepts every string the new one does, and more
    OTHER = "other"  # each accepts a string the other refuses
    UNKNOWN = "unknown"


def relation(old: str, new: str) -> Relation:
    """How `new` relates to `old`, as sets of the strings they accept."""
    old_fsm, new_fsm = _automaton(old), _automaton(new)
    if old_fsm is None or new_fsm is None:
        return Relation.UNKNOWN
    # interegular ships no annotations for its FSM methods.
    old_in_new = old_fsm.issubset(new_fsm)  # type: ignore[no-untyped-call]
    new_in_old = new_fsm.issubset(old_fsm)  # type: ignore[no-untyped-call]
    if old_in_new and new_in_old:
        return Relation.EQUAL
    if old_in_new:
        return Relation.WIDER
    if new_in_old:
        return Relation.NARROWER
    return Relation.OTHER


# Building an automaton grows with the repetition counts (`.{0,5000}` takes seconds).
MAX_REPETITION = 2048
_REPETITION = re.compile(r"\{([0-9]+)(?:,([0-9]*))?\}")


@functools.lru_cache(maxsize=256)
def _automaton(pattern: str) -> interegular.FSM | None:
    whole = _whole_string(pattern)
    counts = (int(n) for match in _REPETITION.finditer(pattern) for n in match.groups() if n)
    if whole is None or any(count > MAX_REPETITION for count in counts):
        return None
    try:
        re.compile(pattern)
        return interegular.parse_pattern(whole).to_fsm()
    # Not a regular expression, or a construct interegular cannot model (it raises plain
    # Exceptions for some, such as `a{2,1}`): the relation is unknown, never a crash.
    except Exception:
        return None


def _whole_string(pattern: str) -> str | None:
    """`pattern` as a regular expression that must match the whole string, or None."""
    body, anchored_start, anchored_end = pattern, False, False
    if body.startswith("^"):
        body, anchored_start = body[1:], True
    if body.endswith("$") and not _escaped(body, len(body) - 1):
        body, anchored_end = body[:-1], True
    if "^" in body.replace("\\^", "").replace("[^", "["):
        return None  # an anchor inside the pattern
    if (anchored_start or anchored_end) and _top_level_alternation(body):
        return None  # `^a|b$` anchors each alternative on its own: not modelled
    prefix = "" if anchored_start else ".*"
    suffix = "" if anchored_end else ".*"
    return f"{prefix}({body}){suffix}"


def _escaped(text: str, index: int) -> bool:
    backslashes = 0
    while index > 0 and text[index - 1] == "\\":
        backslashes += 1
        index -= 1
    return backslashes % 2 == 1


def _top_level_alternation(body: str) -> bool:
    depth, in_class, index = 0, False, 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False
