"""The core the generated resources call: what it refuses before anything is sent."""

from __future__ import annotations

import pytest
from koodrive import InvalidArgumentError, SourceType, _shape
from koodrive._resource import enum_argument, omitted, path_argument
from koodrive_client.models import ListBoundDevicesResponse
from koodrive_client.types import UNSET


@pytest.mark.parametrize("segment", ["", ".", ".."])
def test_a_path_argument_that_would_change_the_path_is_refused(segment: str) -> None:
    with pytest.raises(
        InvalidArgumentError, match=f"group_id must be a path segment, not '{segment}'"
    ):
        path_argument(segment, "group_id")


def test_a_path_argument_with_a_slash_is_left_to_be_quoted() -> None:
    path_argument("a/b", "group_id")  # the generated client quotes it as a%2Fb


def test_an_enum_argument_takes_its_member_or_value_and_names_the_allowed_ones() -> None:
    assert enum_argument(SourceType, 1, "source_type") is SourceType.USER_GROUP
    with pytest.raises(InvalidArgumentError) as raised:
        enum_argument(SourceType, 7, "source_type")
    assert str(raised.value) == (
        "source_type must be one of 0 (SourceType.GROUP), 1 (SourceType.USER_GROUP); got 7"
    )


def test_an_optional_argument_left_out_is_not_sent() -> None:
    assert omitted(None) is UNSET
    assert omitted("") == ""


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {"code": 0, "msg": "x", "data": {"items": []}},
            "data must be a JSON array, not an object",
        ),
        ({"code": 0, "msg": "x", "data": [{"deviceId": 17}]}, "data[0].deviceId must be a string"),
        (
            {"code": 0, "msg": "x", "data": ["a device"]},
            "data[0] must be a JSON object, not a string",
        ),
    ],
)
def test_a_body_the_generated_parsing_refuses_is_told_by_field(
    body: dict[str, object], problem: str
) -> None:
    with pytest.raises(_shape.ShapeError) as raised:
        _shape.check_unparsed(ListBoundDevicesResponse, body)

    assert problem in str(raised.value)


def test_an_unparsed_body_of_the_right_shape_passes() -> None:
    body = {
        "code": 0,
        "msg": "success",
        "data": [
            {
                "deviceId": "1",
                "machineCode": "2",
                "deviceOS": "android",
                "deviceName": "n",
                "createTime": "2025-09-15T06:14:48.630Z",
            }
        ],
    }

    _shape.check_unparsed(ListBoundDevicesResponse, body)
