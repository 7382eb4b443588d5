"""What each operation promises beyond its schemas, read from openapi.yaml's
`x-koodrive-behaviour` extension (docs/contract.md, "Behaviour"), through `Spec.behaviours`.
The contract suite checks these promises; the emulator keeps them.

The document's own `x-koodrive-behaviour` holds what every operation promises (the success
status and `code`, the refusal of an invalid request, the echoed headers, whose data it is,
the header carrying the request id);
an operation's adds what is its own (the items field, paging, filters, the item fields that
are record times). Every name the
extension uses is checked against the operation it describes, so that a typo in the spec is
an error naming the field, not a check that silently finds nothing to check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import jsonschema

from koodrive_spec.document import SpecError, operation_parameters, operations_of, resolve

EXTENSION = "x-koodrive-behaviour"
VALIDITY = "x-koodrive-validity"


# The extension's errors are the spec's: one class, caught by one name anywhere.
BehaviourError = SpecError


class Match(StrEnum):
    """How a filter parameter narrows a listing."""

    # Items whose `field` contains the parameter's text, compared case-insensitively.
    CONTAINS_IGNORING_CASE = "contains-ignoring-case"
    # Each value lists items of its own: listings for two different values share none.
    PARTITIONS = "partitions"


@dataclass(frozen=True)
class Expected:
    """An HTTP status and the `code` the body carries with it."""

    status: int
    code: int


@dataclass(frozen=True)
class Filter:
    parameter: str
    match: Match
    field: str | None = None  # the item field compared, for CONTAINS_IGNORING_CASE

    def admits(self, item: Mapping[str, Any], value: str) -> bool:
        """Whether `item` may be listed when the request sends `value` (as text)."""
        if self.match is Match.PARTITIONS or self.field is None:
            return True  # items do not carry the value: judged across listings instead
        found = item.get(self.field)
        return isinstance(found, str) and value.casefold() in found.casefold()


class PagingScheme(StrEnum):
    """How a listing is walked page by page: one model per scheme, shared by every listing."""

    CURSOR = "cursor"
    OFFSET = "offset"


@dataclass(frozen=True)
class CursorPaging:
    """Each page names the next by an opaque cursor; a walk ends on a page without one."""

    cursor: str  # the query parameter that carries the cursor
    first_cursor: str  # its value for the first page
    next_cursor: str  # the response field of the next cursor: absent on the last page only
    total: str | None  # the response field: how many items the whole listing yields
    page_size: str | None  # the query parameter bounding a page's length
    bound_to: tuple[str, ...]  # parameters a cursor must travel with, unchanged
    scheme: PagingScheme = PagingScheme.CURSOR


@dataclass(frozen=True)
class OffsetPaging:
    """A page skips `offset` items and holds up to `limit`; `total` counts them all, and a
    walk ends once `offset` reaches it (an offset at or past it gives an empty page)."""

    offset: str  # the query parameter: how many items to skip
    limit: str  # the query parameter bounding a page's length
    total: str  # the response field: how many items the whole listing yields
    scheme: PagingScheme = PagingScheme.OFFSET

    @property
    def page_size(self) -> str:
        return self.limit


Paging = CursorPaging | OffsetPaging


class Effect(StrEnum):
    """What a write does to the records of a listing."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True)
class Write:
    """What a write changes, so that the emulator can keep it and the suite can check it."""

    effect: Effect
    record: str  # the operationId of the listing whose items it changes
    key_response: str | None  # a create: JSON pointer to the new record's key in the body
    key_parameter: str | None  # an update or delete: the path parameter naming the record
    fields: tuple[tuple[str, str], ...]  # (body field, the item field it sets)
    partition: tuple[tuple[str, str], ...]  # (body field, the listing's partition filter)
    owner_field: str | None  # the item field naming who owns the record, and so may change it
    marker: str | None  # the body field a run may mark what it created with (a name)
    same_record_for: str | None  # a create answers the existing record for this body field
    limit_per_owner: int | None  # how many records of the listing one owner may have

    def key_in(self, body: object) -> str | None:
        """The new record's key in a create's success body (None when it is not there)."""
        found: object = body
        for part in (self.key_response or "").split("/")[1:]:
            if not isinstance(found, Mapping) or part not in found:
                return None
            found = found[part]
        return found if isinstance(found, str) else None


class MembershipEffect(StrEnum):
    """What a batch does to the memberships of the users it names."""

    ADD = "add"
    REMOVE = "remove"


@dataclass(frozen=True)
class BatchStatuses:
    """The values of a batch's `status`, read from its enum's `x-enum-varnames`."""

    all_succeeded: int
    partly_succeeded: int
    all_failed: int


@dataclass(frozen=True)
class Membership:
    """A batch that adds users to a group or removes them: which listings it changes, and
    where its answer says how it went."""

    effect: MembershipEffect
    group: str  # the path parameter naming the group
    users: str  # JSON pointer to the array of entries in the request body
    user_field: str  # the field of an entry naming the user
    joined: str  # the operationId listing the groups a user joins
    members: str  # the operationId listing a group's members
    status: str  # the response field telling how the batch went
    failed: str  # the response field listing the users it could not change
    statuses: BatchStatuses
    limit_per_group: int | None  # how many members a group may have

    def users_in(self, body: object) -> list[object]:
        """The users a request body names (their `user_field` values), in order."""
        found: object = body
        for part in self.users.split("/")[1:]:
            if not isinstance(found, Mapping):
                return []
            found = found.get(part)
        if not isinstance(found, list):
            return []
        return [entry.get(self.user_field) for entry in found if isinstance(entry, Mapping)]


@dataclass(frozen=True)
class DetailOf:
    """A read of one record that a listing lists too: the two must agree on the fields
    they share."""

    listing: str  # the operationId of the listing
    key: str  # the path parameter naming the record (the listing's item-key)


@dataclass(frozen=True)
class RecordTimes:
    """The item fields that tell when a listed record was created and last updated: never
    later than the response that lists it, and updated never before created."""

    created: str | None = None
    updated: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name in (self.created, self.updated) if name is not None)


@dataclass(frozen=True)
class Behaviour:
    operation_id: str
    success: Expected
    invalid_request: Expected
    echoed_headers: tuple[str, ...]
    owner: str | None  # the header naming whose data this is
    request_id_header: str | None  # the response header carrying the gateway's request id
    items: str | None  # the response field holding the listed items
    item_key: str | None  # the item field that identifies it
    exclusive_owner: bool  # an item belongs to one owner only: two owners' listings share none
    paging: Paging | None
    filters: tuple[Filter, ...]
    # Whether sending it again, after an attempt that may have reached the server, leaves
    # things as one success would: the SDK retries only such an operation once it may have
    # been received. Reads are; a write says so.
    safe_to_repeat: bool = True
    write: Write | None = None
    not_found: Expected | None = None  # the answer to a key that names no record
    forbidden: Expected | None = None  # the answer to a change the caller may not make
    record_times: RecordTimes | None = None  # the item fields that are record times
    item: str | None = None  # the response field holding the one record a read answers
    detail_of: DetailOf | None = None  # the listing that lists the record `item` holds
    # Only members of the group the path names may call it: anyone else gets `not-found`.
    members_only: bool = False
    membership: Membership | None = None  # a batch changing a group's members

    def items_of(self, body: object) -> list[Mapping[str, Any]] | None:
        """The listed items of a success body, or None when it holds no list of objects."""
        if self.items is None or not isinstance(body, Mapping):
            return None
        found = body.get(self.items)
        if not isinstance(found, list) or not all(isinstance(item, Mapping) for item in found):
            return None
        return found

    @property
    def cursor_paging(self) -> CursorPaging | None:
        """The paging, when the listing is cursor-paged."""
        return self.paging if isinstance(self.paging, CursorPaging) else None

    @property
    def offset_paging(self) -> OffsetPaging | None:
        """The paging, when the listing is offset-paged."""
        return self.paging if isinstance(self.paging, OffsetPaging) else None

    def item_of(self, body: object) -> Mapping[str, Any] | None:
        """The one record of a success body (`item`), or None when there is none."""
        if self.item is None or not isinstance(body, Mapping):
            return None
        found = body.get(self.item)
        return found if isinstance(found, Mapping) else None

    def key_of(self, item: Mapping[str, Any]) -> str:
        return str(item.get(self.item_key)) if self.item_key is not None else repr(item)

    def filter(self, parameter: str) -> Filter | None:
        return next((f for f in self.filters if f.parameter == parameter), None)

    @property
    def text_filters(self) -> tuple[str, ...]:
        """The parameters that narrow by text (contains-ignoring-case)."""
        return tuple(f.parameter for f in self.filters if f.match is Match.CONTAINS_IGNORING_CASE)


_EXPECTED = {
    "type": "object",
    "required": ["status", "code"],
    "additionalProperties": False,
    "properties": {
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "code": {"type": "integer"},
    },
}
_NAME = {"type": "string", "minLength": 1}
_COMMON = {
    "success": _EXPECTED,
    "invalid-request": _EXPECTED,
    "not-found": _EXPECTED,
    "forbidden": _EXPECTED,
    "echoed-headers": {"type": "array", "items": _NAME, "uniqueItems": True},
    "owner": _NAME,
}
# One header of every response, the gateway's: declared for the document only.
_DOCUMENT_ONLY = {"request-id-header": _NAME}
_DOCUMENT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**_COMMON, **_DOCUMENT_ONLY},
}
_OPERATION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        **_COMMON,
        "items": _NAME,
        "item-key": _NAME,
        "exclusive-owner": {"type": "boolean"},
        "paging": {
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["cursor", "first-cursor", "next-cursor"],
                    "properties": {
                        "scheme": {"const": PagingScheme.CURSOR.value},
                        "cursor": _NAME,
                        "first-cursor": {"type": "string"},
                        "next-cursor": _NAME,
                        "total": _NAME,
                        "page-size": _NAME,
                        "bound-to": {"type": "array", "items": _NAME, "uniqueItems": True},
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["scheme", "offset", "limit", "total"],
                    "properties": {
                        "scheme": {"const": PagingScheme.OFFSET.value},
                        "offset": _NAME,
                        "limit": _NAME,
                        "total": _NAME,
                    },
                },
            ],
        },
        "item": _NAME,
        "detail-of": {
            "type": "object",
            "additionalProperties": False,
            "required": ["listing", "key"],
            "properties": {"listing": _NAME, "key": _NAME},
        },
        "members-only": {"type": "boolean"},
        "membership": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "effect",
                "group",
                "users",
                "user-field",
                "joined",
                "members",
                "status",
                "failed",
            ],
            "properties": {
                "effect": {"enum": [e.value for e in MembershipEffect]},
                "group": _NAME,
                "users": {"type": "string", "pattern": "^(/[^/]+)+$"},
                "user-field": _NAME,
                "joined": _NAME,
                "members": _NAME,
                "status": _NAME,
                "failed": _NAME,
                "limit-per-group": {"type": "integer", "minimum": 1},
            },
        },
        "safe-to-repeat": {"type": "boolean"},
        "write": {
            "type": "object",
            "additionalProperties": False,
            "required": ["effect", "record", "key"],
            "properties": {
                "effect": {"enum": [e.value for e in Effect]},
                "record": _NAME,
                "key": {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "maxProperties": 1,
                    "properties": {
                        "response": {"type": "string", "pattern": "^(/[^/]+)+$"},
                        "parameter": _NAME,
                    },
                },
                "fields": {"type": "object", "additionalProperties": _NAME},
                "partition": {"type": "object", "additionalProperties": _NAME},
                "owner-field": _NAME,
                "marker": _NAME,
                "same-record-for": _NAME,
                "limit-per-owner": {"type": "integer", "minimum": 1},
            },
        },
        "record-times": {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": {"created": _NAME, "updated": _NAME},
        },
        "filters": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["match"],
                "properties": {"match": {"enum": [m.value for m in Match]}, "field": _NAME},
            },
        },
    },
}


def load(document: Mapping[str, Any]) -> dict[str, Behaviour]:
    """Each operation's behaviour, by operationId; BehaviourError naming the field otherwise."""
    defaults = _validated(document.get(EXTENSION, {}), _DOCUMENT_SCHEMA, EXTENSION)
    found: dict[str, Behaviour] = {}
    wheres: dict[str, str] = {}
    for path, method, path_item, operation in operations_of(document):
        where = f"paths.{path}.{method}.{EXTENSION}"
        own = _validated(operation.get(EXTENSION, {}), _OPERATION_SCHEMA, where)
        if method not in _SAFE_METHODS and "safe-to-repeat" not in own:
            raise BehaviourError(
                f"{where}.safe-to-repeat: required for a {method.upper()} (may the SDK send it "
                "again after an attempt that may have reached the server?)"
            )
        behaviour = _behaviour(str(operation["operationId"]), {**defaults, **own}, where)
        parameters = operation_parameters(path_item, operation, document)
        _check_names(behaviour, operation, parameters, document, where)
        if behaviour.membership is not None:
            statuses = _batch_statuses(behaviour, operation, document, f"{where}.membership")
            behaviour = dataclasses.replace(
                behaviour, membership=dataclasses.replace(behaviour.membership, statuses=statuses)
            )
        found[behaviour.operation_id] = behaviour
        wheres[behaviour.operation_id] = where
    for operation_id, behaviour in found.items():
        if behaviour.write is not None:
            _check_write(behaviour, found, document, wheres[operation_id])
        if behaviour.membership is not None:
            _check_membership(behaviour, found, document, wheres[operation_id])
        if behaviour.detail_of is not None:
            _check_detail(behaviour, found, document, wheres[operation_id])
    _check_request_id_header(defaults.get("request-id-header"), document)
    return found


def _check_request_id_header(name: object, document: Mapping[str, Any]) -> None:
    """The request id header names a response header the spec declares somewhere: it is
    one header of every response (the gateway's), so an operation need not repeat it."""
    if name is None:
        return
    for _, _, _, operation in operations_of(document):
        for response in (operation.get("responses") or {}).values():
            headers = resolve(response, document).get("headers") or {}
            if str(name).lower() in {str(header).lower() for header in headers}:
                return
    raise BehaviourError(
        f"{EXTENSION}.request-id-header: no response of any operation declares the header {name!r}"
    )


def request_id_header(document: Mapping[str, Any]) -> str | None:
    """The document's `request-id-header`: the one header name every response may carry,
    whichever operation (or none) it answers."""
    defaults = _validated(document.get(EXTENSION, {}), _DOCUMENT_SCHEMA, EXTENSION)
    name = defaults.get("request-id-header")
    return str(name) if name is not None else None


@dataclass(frozen=True)
class Validity:
    """How far a request time may lie before and after the server's clock, in seconds."""

    seconds_before: int
    seconds_after: int


def validity(document: Mapping[str, Any], scheme: str) -> Validity:
    """The `x-koodrive-validity` of security scheme `scheme` (the request time's)."""
    where = f"components.securitySchemes.{scheme}.{VALIDITY}"
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    raw = _validated(
        (schemes.get(scheme) or {}).get(VALIDITY),
        {
            "type": "object",
            "required": ["seconds-before", "seconds-after"],
            "additionalProperties": False,
            "properties": {
                "seconds-before": {"type": "integer", "minimum": 0},
                "seconds-after": {"type": "integer", "minimum": 0},
            },
        },
        where,
    )
    return Validity(raw["seconds-before"], raw["seconds-after"])


def _validated(value: object, schema: Mapping[str, Any], where: str) -> dict[str, Any]:
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(value)
    )
    if error is not None:
        field = ".".join(str(part) for part in (where, *error.absolute_path))
        raise BehaviourError(f"{field}: {error.message}")
    assert isinstance(value, dict)
    return value


_SAFE_METHODS = frozenset({"get", "head", "options", "trace"})


def _expected(raw: Mapping[str, Any], name: str) -> Expected | None:
    found = raw.get(name)
    return None if found is None else Expected(found["status"], found["code"])


def _write(raw: Mapping[str, Any] | None) -> Write | None:
    if raw is None:
        return None
    key = raw["key"]
    return Write(
        effect=Effect(raw["effect"]),
        record=raw["record"],
        key_response=key.get("response"),
        key_parameter=key.get("parameter"),
        fields=tuple((raw.get("fields") or {}).items()),
        partition=tuple((raw.get("partition") or {}).items()),
        owner_field=raw.get("owner-field"),
        marker=raw.get("marker"),
        same_record_for=raw.get("same-record-for"),
        limit_per_owner=raw.get("limit-per-owner"),
    )


def _behaviour(operation_id: str, raw: Mapping[str, Any], where: str) -> Behaviour:
    for required in ("success", "invalid-request"):
        if required not in raw:
            raise BehaviourError(
                f"{where}.{required}: required (here or in the document's {EXTENSION})"
            )
    times = raw.get("record-times")
    detail = raw.get("detail-of")
    return Behaviour(
        operation_id=operation_id,
        success=Expected(raw["success"]["status"], raw["success"]["code"]),
        invalid_request=Expected(raw["invalid-request"]["status"], raw["invalid-request"]["code"]),
        echoed_headers=tuple(raw.get("echoed-headers", ())),
        owner=raw.get("owner"),
        request_id_header=raw.get("request-id-header"),
        items=raw.get("items"),
        item_key=raw.get("item-key"),
        exclusive_owner=bool(raw.get("exclusive-owner", False)),
        paging=_paging(raw.get("paging")),
        filters=tuple(
            Filter(name, Match(spec["match"]), spec.get("field"))
            for name, spec in (raw.get("filters") or {}).items()
        ),
        safe_to_repeat=bool(raw.get("safe-to-repeat", True)),
        write=_write(raw.get("write")),
        not_found=_expected(raw, "not-found"),
        forbidden=_expected(raw, "forbidden"),
        record_times=None
        if times is None
        else RecordTimes(created=times.get("created"), updated=times.get("updated")),
        item=raw.get("item"),
        detail_of=None if detail is None else DetailOf(detail["listing"], detail["key"]),
        members_only=bool(raw.get("members-only", False)),
        membership=_membership(raw.get("membership")),
    )


def _paging(raw: Mapping[str, Any] | None) -> Paging | None:
    if raw is None:
        return None
    if raw.get("scheme", PagingScheme.CURSOR.value) == PagingScheme.OFFSET.value:
        return OffsetPaging(offset=raw["offset"], limit=raw["limit"], total=raw["total"])
    return CursorPaging(
        cursor=raw["cursor"],
        first_cursor=raw["first-cursor"],
        next_cursor=raw["next-cursor"],
        total=raw.get("total"),
        page_size=raw.get("page-size"),
        bound_to=tuple(raw.get("bound-to", ())),
    )


# Placeholder statuses until _check_membership reads them from the spec's enum.
_UNREAD_STATUSES = BatchStatuses(-1, -1, -1)


def _membership(raw: Mapping[str, Any] | None) -> Membership | None:
    if raw is None:
        return None
    return Membership(
        effect=MembershipEffect(raw["effect"]),
        group=raw["group"],
        users=raw["users"],
        user_field=raw["user-field"],
        joined=raw["joined"],
        members=raw["members"],
        status=raw["status"],
        failed=raw["failed"],
        statuses=_UNREAD_STATUSES,
        limit_per_group=raw.get("limit-per-group"),
    )


def _check_names(
    behaviour: Behaviour,
    operation: Mapping[str, Any],
    parameters: list[Mapping[str, Any]],
    document: Mapping[str, Any],
    where: str,
) -> None:
    """Every parameter and field the behaviour names exists in the operation."""
    query = {p["name"] for p in parameters if p.get("in") == "query"}
    path = {p["name"] for p in parameters if p.get("in") == "path"}
    headers = {p["name"].lower() for p in parameters if p.get("in") == "header"}
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    headers |= {
        scheme["name"].lower()
        for scheme in schemes.values()
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header"
    }
    responses = operation.get("responses") or {}
    body = _success_properties(behaviour, operation, document)
    if behaviour.item is not None:
        item = _properties(body.get(behaviour.item), document)
    else:
        listed = resolve(body.get(behaviour.items or "", {}), document)
        item = _properties(listed.get("items") if isinstance(listed, Mapping) else None, document)

    def must(found: bool, field: str, message: str) -> None:
        if not found:
            raise BehaviourError(f"{where}.{field}: {message}")

    for field, expected in (
        ("success", behaviour.success),
        ("invalid-request", behaviour.invalid_request),
    ):
        must(
            str(expected.status) in responses,
            f"{field}.status",
            f"the operation declares no {expected.status} response",
        )
    for name in behaviour.echoed_headers:
        must(name.lower() in headers, "echoed-headers", f"{name!r} is not a request header")
    if behaviour.owner is not None:
        owner = behaviour.owner
        must(owner.lower() in headers, "owner", f"{owner!r} is not a request header")
    if behaviour.items is not None:
        must(behaviour.items in body, "items", f"{behaviour.items!r} is not a success field")
    if behaviour.item is not None:
        must(behaviour.items is None, "item", "an operation answers `items` or one `item`")
        must(
            behaviour.item in body and bool(item), "item", f"{behaviour.item!r} is no object field"
        )
    if behaviour.item_key is not None:
        must(behaviour.item_key in item, "item-key", f"{behaviour.item_key!r} is not an item field")
    if isinstance(behaviour.paging, OffsetPaging):
        offset_paging = behaviour.paging
        for field, bound in (("offset", offset_paging.offset), ("limit", offset_paging.limit)):
            must(bound in query, f"paging.{field}", f"{bound!r} is not a query parameter")
            parameter = next(p for p in parameters if p.get("name") == bound)
            bound_schema = resolve(parameter.get("schema", {}), document)
            least = bound_schema.get("minimum") if isinstance(bound_schema, Mapping) else None
            must(
                isinstance(bound_schema, Mapping)
                and bound_schema.get("type") == "integer"
                and isinstance(least, int)
                and least >= (0 if field == "offset" else 1),
                f"paging.{field}",
                f"{bound!r} must be an integer with a minimum of "
                + ("0" if field == "offset" else "1 or more (a page of no items never ends)"),
            )
        total = offset_paging.total
        must(total in body, "paging.total", f"{total!r} is not a success field")
    if isinstance(behaviour.paging, CursorPaging):
        paging = behaviour.paging
        must(paging.cursor in query, "paging.cursor", f"{paging.cursor!r} is not a query parameter")
        must(
            paging.next_cursor in body,
            "paging.next-cursor",
            f"{paging.next_cursor!r} is not a success field",
        )
        if paging.total is not None:
            must(paging.total in body, "paging.total", f"{paging.total!r} is not a success field")
        if paging.page_size is not None:
            must(
                paging.page_size in query,
                "paging.page-size",
                f"{paging.page_size!r} is not a query parameter",
            )
            size = next(p for p in parameters if p.get("name") == paging.page_size)
            schema = resolve(size.get("schema", {}), document)
            low = schema.get("minimum") if isinstance(schema, Mapping) else None
            must(
                isinstance(schema, Mapping)
                and schema.get("type") == "integer"
                and isinstance(low, int)
                and low >= 1,
                "paging.page-size",
                f"{paging.page_size!r} must be an integer with a minimum of 1 or more "
                "(a page of no items would never end a listing)",
            )
        for name in paging.bound_to:
            must(
                name in query | path,
                "paging.bound-to",
                f"{name!r} is not a query or path parameter",
            )
    if behaviour.record_times is not None:
        times = behaviour.record_times
        must(
            behaviour.items is not None or behaviour.item is not None,
            "record-times",
            "needs `items` or `item`: they are item fields",
        )
        for key, declared in (("created", times.created), ("updated", times.updated)):
            if declared is None:
                continue
            name = declared
            must(name in item, f"record-times.{key}", f"{name!r} is not an item field")
            schema = resolve(item[name], document)
            must(
                isinstance(schema, Mapping)
                and schema.get("type") == "string"
                and schema.get("format") == "date-time",
                f"record-times.{key}",
                f"{name!r} must be a string of format date-time",
            )
    for filter_ in behaviour.filters:
        field = f"filters.{filter_.parameter}"
        must(filter_.parameter in query, field, "not a query parameter")
        if filter_.match is Match.CONTAINS_IGNORING_CASE:
            must(filter_.field is not None, f"{field}.field", f"required by {filter_.match}")
            must(filter_.field in item, f"{field}.field", f"{filter_.field!r} is not an item field")


def _check_write(
    behaviour: Behaviour,
    behaviours: Mapping[str, Behaviour],
    document: Mapping[str, Any],
    where: str,
) -> None:
    """Every listing, parameter and field a write names exists where it says."""
    write = behaviour.write
    assert write is not None
    where = f"{where}.write"

    def must(found: bool, field: str, message: str) -> None:
        if not found:
            raise BehaviourError(f"{where}.{field}: {message}")

    record = behaviours.get(write.record)
    must(
        record is not None and record.items is not None and record.item_key is not None,
        "record",
        f"{write.record!r} is no listing (an operation with items and an item-key)",
    )
    assert record is not None
    operation = _operation(document, behaviour.operation_id)
    listing = _operation(document, record.operation_id)
    listed = resolve(_success_properties(record, listing, document)[record.items or ""], document)
    item = _properties(listed.get("items"), document)
    body = _properties(_request_schema(operation, document), document)
    path = {p["name"] for p in _path_parameters(document, behaviour.operation_id)}
    if write.effect is Effect.CREATE:
        must(write.key_response is not None, "key", "a create names its key by `response`")
        pointer = (write.key_response or "").split("/")[1:]
        schema: Any = {"properties": _success_properties(behaviour, operation, document)}
        for part in pointer:
            schema = _properties(schema, document).get(part)
            must(
                schema is not None, "key.response", f"{write.key_response!r} is in no success body"
            )
    else:
        must(
            write.key_parameter is not None and write.key_parameter in path,
            "key",
            f"an {write.effect} names its key by a path `parameter` of the operation",
        )
        must(behaviour.not_found is not None, "key", "an update or delete needs `not-found`")
    for sent, kept in write.fields:
        must(sent in body, f"fields.{sent}", "not a field of the request body")
        must(kept in item, f"fields.{sent}", f"{kept!r} is not an item field of {write.record}")
    for sent, filtered in write.partition:
        must(sent in body, f"partition.{sent}", "not a field of the request body")
        found = record.filter(filtered)
        must(
            found is not None and found.match is Match.PARTITIONS,
            f"partition.{sent}",
            f"{filtered!r} is no partitioning filter of {write.record}",
        )
    if write.owner_field is not None:
        must(write.owner_field in item, "owner-field", f"not an item field of {write.record}")
    for name, field in (("marker", write.marker), ("same-record-for", write.same_record_for)):
        if field is not None:
            must(field in body, name, f"{field!r} is not a field of the request body")


def _check_membership(
    behaviour: Behaviour,
    behaviours: Mapping[str, Behaviour],
    document: Mapping[str, Any],
    where: str,
) -> None:
    """Every listing, parameter and field a membership batch names exists where it says."""
    membership = behaviour.membership
    assert membership is not None
    where = f"{where}.membership"

    def must(found: bool, field: str, message: str) -> None:
        if not found:
            raise BehaviourError(f"{where}.{field}: {message}")

    operation = _operation(document, behaviour.operation_id)
    path = {p["name"] for p in _path_parameters(document, behaviour.operation_id)}
    must(membership.group in path, "group", f"{membership.group!r} is not a path parameter")
    schema: Any = _request_schema(operation, document)
    for part in membership.users.split("/")[1:]:
        schema = _properties(schema, document).get(part)
        must(schema is not None, "users", f"{membership.users!r} is in no request body")
    array = resolve(schema, document)
    must(array.get("type") == "array", "users", f"{membership.users!r} is not an array")
    entry = _properties(array.get("items"), document)
    must(
        membership.user_field in entry,
        "user-field",
        f"{membership.user_field!r} is not a field of {membership.users!r}'s entries",
    )
    joined = behaviours.get(membership.joined)
    must(
        joined is not None and joined.items is not None and joined.item_key is not None,
        "joined",
        f"{membership.joined!r} is no listing (an operation with items and an item-key)",
    )
    members = behaviours.get(membership.members)
    must(
        members is not None and members.items is not None and members.item_key is not None,
        "members",
        f"{membership.members!r} is no listing (an operation with items and an item-key)",
    )
    assert members is not None
    members_path = {p["name"] for p in _path_parameters(document, membership.members)}
    must(
        membership.group in members_path,
        "members",
        f"{membership.members!r} takes no path parameter {membership.group!r}",
    )
    body = _success_properties(behaviour, operation, document)
    failed = resolve(body.get(membership.failed, {}), document)
    must(
        isinstance(failed, Mapping) and failed.get("type") == "array",
        "failed",
        f"{membership.failed!r} is no array of the success body",
    )


def _batch_statuses(
    behaviour: Behaviour, operation: Mapping[str, Any], document: Mapping[str, Any], where: str
) -> BatchStatuses:
    """The batch status values, read from the status field's enum and `x-enum-varnames`."""
    assert behaviour.membership is not None
    field = behaviour.membership.status
    schema = resolve(_success_properties(behaviour, operation, document).get(field, {}), document)
    values = schema.get("enum") if isinstance(schema, Mapping) else None
    names = schema.get("x-enum-varnames") if isinstance(schema, Mapping) else None
    wanted = ("ALL_SUCCEEDED", "PARTLY_SUCCEEDED", "ALL_FAILED")
    if not (
        isinstance(values, list)
        and isinstance(names, list)
        and len(values) == len(names)
        and set(wanted) <= set(names)
    ):
        raise BehaviourError(
            f"{where}.status: {field!r} must be a success field whose enum names "
            f"{', '.join(wanted)} in its x-enum-varnames"
        )
    by_name = dict(zip(names, values, strict=True))
    return BatchStatuses(*(int(by_name[name]) for name in wanted))


def _check_detail(
    behaviour: Behaviour,
    behaviours: Mapping[str, Behaviour],
    document: Mapping[str, Any],
    where: str,
) -> None:
    """A detail read names a listing and the path parameter that is its item-key."""
    detail = behaviour.detail_of
    assert detail is not None
    where = f"{where}.detail-of"
    listing = behaviours.get(detail.listing)
    if listing is None or listing.items is None or listing.item_key is None:
        raise BehaviourError(f"{where}.listing: {detail.listing!r} is no listing")
    if behaviour.item is None:
        raise BehaviourError(f"{where}: needs `item`, the response field holding the record")
    path = {p["name"] for p in _path_parameters(document, behaviour.operation_id)}
    if detail.key not in path:
        raise BehaviourError(f"{where}.key: {detail.key!r} is not a path parameter")


def _operation(document: Mapping[str, Any], operation_id: str) -> Mapping[str, Any]:
    return next(op for _, _, _, op in operations_of(document) if op["operationId"] == operation_id)


def _path_parameters(document: Mapping[str, Any], operation_id: str) -> list[Mapping[str, Any]]:
    for _, _, path_item, operation in operations_of(document):
        if operation["operationId"] == operation_id:
            return [
                p
                for p in operation_parameters(path_item, operation, document)
                if p.get("in") == "path"
            ]
    return []


def _request_schema(operation: Mapping[str, Any], document: Mapping[str, Any]) -> Any:
    body = resolve(operation.get("requestBody") or {}, document)
    media = (body.get("content") or {}).get("application/json") or {}
    return media.get("schema")


def _success_properties(
    behaviour: Behaviour, operation: Mapping[str, Any], document: Mapping[str, Any]
) -> dict[str, Any]:
    response = resolve(
        (operation.get("responses") or {}).get(str(behaviour.success.status), {}), document
    )
    media = (response.get("content") or {}).get("application/json", {})
    return _properties(media.get("schema"), document)


def _properties(schema: object, document: Mapping[str, Any]) -> dict[str, Any]:
    resolved = resolve(schema, document) if isinstance(schema, Mapping) else {}
    properties = resolved.get("properties")
    return dict(properties) if isinstance(properties, Mapping) else {}
