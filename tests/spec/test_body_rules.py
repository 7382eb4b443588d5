"""The body rules of the spec layer, on a schema with nesting the shipped spec has not yet
(the BatchAdd body's `amendModRoles`): each problem named by its path, told from its schema."""

from __future__ import annotations

import pytest
from koodrive_spec import BodyRules, Operation, Spec, ValidationError

ROLES = {
    "type": "object",
    "additionalProperties": False,
    "required": ["amendModRoles"],
    "properties": {
        "amendModRoles": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["userId"],
                "properties": {
                    "userId": {"type": "string", "pattern": "^[0-9]{1,32}$"},
                    "role": {"type": "integer", "minimum": 0, "maximum": 3},
                    "quota": {"type": "integer"},
                },
            },
        }
    },
}
RULES = BodyRules(Operation("batchAdd", "POST", "/x", (), (), {}, body=ROLES, body_required=True))


def refusal(raw: bytes) -> str:
    with pytest.raises(ValidationError) as refused:
        RULES.parse(raw)
    return str(refused.value).removeprefix("Verify parameters failed: ")


def test_nested_problems_are_named_by_their_path_all_at_once() -> None:
    told = refusal(b'{"amendModRoles": [{"userId": "a"}, {"role": 9}, {"userId": "1", "z": 0}]}')
    assert told.split("; ") == [
        "amendModRoles[0].userId must be text matching ^[0-9]{1,32}$",
        "amendModRoles[1].userId is required (text matching ^[0-9]{1,32}$)",
        "amendModRoles[1].role must be an integer from 0 to 3",
        "amendModRoles[2].z is not a field of amendModRoles[2] (fields: userId, role, quota)",
    ]


@pytest.mark.parametrize(
    ("raw", "told"),
    [
        (b'{"amendModRoles": {}}', "amendModRoles must be an array of at most 2 items"),
        (
            b'{"amendModRoles": [5]}',
            "amendModRoles[0] must be an object (fields: userId, role, quota)",
        ),
        (
            b'{"amendModRoles": [{"userId": "1", "quota": 9223372036854775808}]}',
            "amendModRoles[0].quota must be an integer that fits in 64 bits",
        ),
        (
            b'{"amendModRoles": [{"userId": "1"}, {"userId": "2"}, {"userId": "3"}]}',
            "amendModRoles must be an array of at most 2 items",
        ),
        (
            b'{"amendModRoles": [{"userId": "1", "role": 1e400}]}',
            "amendModRoles[0].role must be an integer from 0 to 3",
        ),
        (
            b'{"amendModRoles": [{"userId": "1", "role": 1, "role": 2}]}',
            "role is given twice in the request body; give it once",
        ),
    ],
)
def test_a_nested_value_is_told_from_its_schema(raw: bytes, told: str) -> None:
    assert refusal(raw) == told


def test_a_nested_integral_number_is_read_as_an_integer() -> None:
    body = RULES.parse(
        b'{"amendModRoles": [{"userId": "1", "role": 2.0, "quota": 9223372036854775807}]}'
    )
    assert body == {"amendModRoles": [{"userId": "1", "role": 2, "quota": 2**63 - 1}]}
    assert isinstance(body["amendModRoles"][0]["role"], int)  # type: ignore[index]


def test_every_write_of_the_spec_has_body_rules_and_every_read_takes_none() -> None:
    spec = Spec.packaged()
    for operation_id, operation in spec.operations.items():
        rules = BodyRules(operation)
        writes_a_body = operation.method in ("POST", "PUT")
        assert rules.takes_body is writes_a_body, operation_id


def test_fields_that_come_together_are_named_when_one_is_missing() -> None:
    update = Spec.packaged().operations["updateUserGroup"]
    rules = BodyRules(update)
    base = '"groupName": "Team", "sourceType": 0'
    for sent, missing in (('"userId": "17"', "role"), ('"role": "2"', "userId")):
        with pytest.raises(ValidationError) as refused:
            rules.parse(f"{{{base}, {sent}}}".encode())
        given = "userId" if missing == "role" else "role"
        assert str(refused.value).endswith(f"{missing} is required when {given} is given")
    assert rules.parse(f'{{{base}, "userId": "17", "role": "1"}}'.encode())["role"] == "1"
