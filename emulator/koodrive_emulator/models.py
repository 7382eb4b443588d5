"""The records the emulator stores, shaped like the API's bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum

from koodrive_emulator.encoding import Fragment, fragment


class SourceType(IntEnum):
    GROUP = 0
    USER_GROUP = 1


def format_timestamp(moment: datetime) -> str:
    """The API's timestamp form: UTC with milliseconds, e.g. 2024-04-25T06:49:49.000Z."""
    # isoformat is C all the way, several times faster than strftime; every group in every
    # page goes through here twice.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 time; a naive one is taken as UTC. Kept to millisecond precision."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class _Record:
    """What a stored record sends: its body (`to_json`) and that body's JSON text, which
    it encodes once, when first sent, and every page that carries it embeds."""

    __slots__ = ()
    _wire: Fragment | None

    def to_json(self) -> dict[str, object]:
        raise NotImplementedError

    def wire(self) -> Fragment:
        """The record's JSON text (the text alone is kept, not the dict it was made from)."""
        if self._wire is None:
            object.__setattr__(self, "_wire", fragment(self.to_json()))
        assert self._wire is not None
        return self._wire


@dataclass(frozen=True, slots=True)
class Device(_Record):
    device_id: str
    machine_code: str
    device_os: str
    device_name: str
    create_time: datetime
    # Any other field the spec's item schema declares, by its wire name, as it is sent.
    extra: tuple[tuple[str, object], ...] = ()
    _wire: Fragment | None = field(default=None, init=False, repr=False, compare=False)

    def to_json(self) -> dict[str, object]:
        """The record as the API sends it."""
        body: dict[str, object] = {
            "deviceId": self.device_id,
            "machineCode": self.machine_code,
            "deviceOS": self.device_os,
            "deviceName": self.device_name,
            "createTime": format_timestamp(self.create_time),
        }
        body.update(self.extra)
        return body


@dataclass(frozen=True, slots=True)
class Group(_Record):
    id: str
    group_name: str
    owner_id: str
    created_time: datetime
    updated_time: datetime
    source_type: SourceType = SourceType.GROUP
    # Any other field the spec's item schema declares, by its wire name, as it is sent.
    extra: tuple[tuple[str, object], ...] = ()
    icon_url: str | None = None  # shown by the group's details, not by the listing
    _wire: Fragment | None = field(default=None, init=False, repr=False, compare=False)

    def detail_json(self, tenant_id: str) -> dict[str, object]:
        """The group as its details show it (UserGroupDetail): the listing's fields, its
        tenant and kind, and its icon when it has one."""
        body = self.to_json()
        body["tenantId"] = tenant_id
        body["sourceType"] = int(self.source_type)
        if self.icon_url is not None:
            body["iconUrl"] = self.icon_url
        return body

    def to_json(self) -> dict[str, object]:
        """The group as the API lists it."""
        body: dict[str, object] = {
            "id": self.id,
            "groupName": self.group_name,
            "ownerId": self.owner_id,
            "createdTime": format_timestamp(self.created_time),
            "updatedTime": format_timestamp(self.updated_time),
        }
        body.update(self.extra)
        return body


class Role(IntEnum):
    """A member's role in a group (the spec's MemberRole)."""

    OWNER = 0
    ADMINISTRATOR = 1
    MEMBER = 2


@dataclass(frozen=True, slots=True)
class User:
    """A user the tenant knows, with the details a member listing shows where known."""

    user_id: str
    name: str | None = None
    dept_id: str | None = None
    dept_name: str | None = None
    mobile: str | None = None

    def details_json(self) -> dict[str, object]:
        """The details known, by their wire names (MemberInfo's; `name` in fixtures)."""
        fields = {
            "name": self.name,
            "deptId": self.dept_id,
            "deptName": self.dept_name,
            "mobile": self.mobile,
        }
        return {key: value for key, value in fields.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Member:
    """A user's membership of a group, as the member listing shows it."""

    user_id: str
    role: Role
    top: bool
    created_time: datetime  # when they joined
    updated_time: datetime  # when their role or pin last changed
    user_name: str | None = None
    dept_id: str | None = None
    dept_name: str | None = None
    mobile: str | None = None

    def to_json(self) -> dict[str, object]:
        """The member as the API sends it (MemberInfo): details left out where unknown."""
        body: dict[str, object] = {"userId": self.user_id}
        for key, value in (
            ("userName", self.user_name),
            ("deptId", self.dept_id),
            ("deptName", self.dept_name),
            ("mobile", self.mobile),
        ):
            if value is not None:
                body[key] = value
        body.update(
            createdTime=format_timestamp(self.created_time),
            updatedTime=format_timestamp(self.updated_time),
            role=int(self.role),
            top=int(self.top),
        )
        return body

    def fixture_json(self) -> dict[str, object]:
        """The membership as a fixtures file's group `members` entry holds it."""
        return {
            "userId": self.user_id,
            "role": int(self.role),
            "top": int(self.top),
            "createdTime": format_timestamp(self.created_time),
            "updatedTime": format_timestamp(self.updated_time),
        }
