"""One small handler per operation: what it asks the backend and what it answers.

Everything else is done before a handler runs, from the spec: the route, authentication,
the parameters (read and checked against their schemas), the faults. A handler gets the
checked values in an `OperationCall` and answers with `call.listing(...)` or `call.page(...)`,
which shape the success body from the operation's `x-koodrive-behaviour` (the items field,
the paging fields, the success code). A write reads its checked body (`call.body_value`) and
the record its path names (`call.key`), makes one change through the backend, and answers
with `call.created(key)`, `call.record(item)` or `call.done()`; a refusal the backend raises
(`state.WriteRefused`) is answered from the spec (not-found, forbidden). Register one with
`@handles("operationId")`; an operation of the spec without one answers 501 naming it.

A read (GET) answers from the caller, the state and its path and query values only, never
its headers or the clock: the app keeps a read's answer until the state next changes
(`EmulatorApp._answer`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from koodrive_spec.behaviour import (
    Behaviour,
    CursorPaging,
    Effect,
    Match,
    Membership,
    Write,
)
from koodrive_spec.request_rules import OperationRules

from koodrive_emulator.clock import Clock
from koodrive_emulator.encoding import Fragment
from koodrive_emulator.fault_kinds import FaultKind
from koodrive_emulator.models import Member, Role, SourceType
from koodrive_emulator.rules.auth import Principal
from koodrive_emulator.rules.paging import NO_FLAWS, Flaws, OffsetPager, Pager, PagingBehaviour
from koodrive_emulator.rules.validation import groups_query, typed_value
from koodrive_emulator.state import Backend, BatchResult, Slice

_T = TypeVar("_T")
Flaw = FaultKind | None  # the flawed kind a request runs into (a fault of the service)
# An item as a handler gives it: a mapping, or a record's JSON encoded once (Record.wire).
Wire = Mapping[str, Any] | Fragment

SUCCESS_MESSAGE = "success"
# How far before now the wrong-record-time fault dates what it writes.
WRONG_RECORD_TIME_OFFSET = timedelta(days=1)
_PAGING_FLAWS = {
    FaultKind.REPEAT_ITEM: Flaws(repeat_last_item=True),
    FaultKind.NEVER_END: Flaws(never_end=True),
    FaultKind.IGNORE_PAGE_SIZE: Flaws(ignore_page_size=True),
    FaultKind.FORGED_CURSOR_RESTARTS: Flaws(restart_on_bad_cursor=True),
    FaultKind.UNBOUND_CURSOR: Flaws(unbound_cursor=True),
    FaultKind.UNSTABLE_TOTAL: Flaws(unstable_total=True),
    FaultKind.EMPTY_LATER_PAGES: Flaws(empty_later_pages=True),
}


class CallContext(Protocol):
    """What a handler reads of the emulator's context (`context.EmulatorContext`), which
    holds the faults that look up the handlers: typed here by what is used, not imported."""

    @property
    def backend(self) -> Backend: ...
    @property
    def paging(self) -> PagingBehaviour: ...
    @property
    def clock(self) -> Clock: ...


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as text/html instead of `body`: a page from a proxy
    encoded: bytes | None = None  # `body` as sent, when encoded already (a kept answer)


@dataclass(frozen=True)
class OperationCall:
    """One authenticated request with checked parameters, as a handler sees it."""

    context: CallContext
    principal: Principal
    values: Mapping[str, object]  # each parameter sent, read as its schema's type
    flaw: Flaw
    rules: OperationRules
    pager: Pager
    message: str = SUCCESS_MESSAGE  # the success `msg` (from the spec's example)
    body: Mapping[str, object] = field(default_factory=dict)  # the checked request body
    # Every operation's behaviour, by operationId: a rule of one read from another's (the
    # groups a user may join, from the create's limit).
    behaviours: Mapping[str, Behaviour] = field(default_factory=dict)

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    @property
    def behaviour(self) -> Behaviour:
        behaviour = self.rules.behaviour
        if behaviour is None:
            raise TypeError(f"{self.rules.operation.operation_id} declares no x-koodrive-behaviour")
        return behaviour

    def success(self, fields: Mapping[str, Any]) -> Outcome:
        """The declared success (status and `code`) carrying `fields`."""
        success = self.behaviour.success
        return Outcome(success.status, {"code": success.code, "msg": self.message, **fields})

    def listing(self, items: Sequence[Wire]) -> Outcome:
        """Every item in one response, in the declared items field."""
        return self.success({self._items_field(): list(items)})

    def page(self, find: Callable[[int, int], Slice[_T]], to_json: Callable[[_T], Wire]) -> Outcome:
        """The page the request's cursor asks for, bound to the user and the parameters the
        paging names: `find(after, limit)` returns up to `limit` records after `after`."""
        paging = self._paging()
        flaws = _PAGING_FLAWS.get(self.flaw, NO_FLAWS) if self.flaw is not None else NO_FLAWS
        page = self.pager.page(
            paging,
            owner=self.user_id,
            values=self.values,
            find=find,
            behaviour=self.context.paging,
            flaws=flaws,
            largest_page=self.rules.largest(paging.page_size) if paging.page_size else None,
            generation=self.context.backend.generation,
        )
        fields: dict[str, Any] = {}
        if paging.total is not None:
            fields[paging.total] = page.total
        fields[self._items_field()] = [to_json(item) for item in page.items]
        if page.next_cursor is not None:
            fields[paging.next_cursor] = page.next_cursor
        return self.success(fields)

    def offset_page(
        self, find: Callable[[int, int], Slice[_T]], to_json: Callable[[_T], Wire]
    ) -> Outcome:
        """The page the request's offset and limit ask for, with the listing's total:
        `find(offset, limit)` returns up to `limit` records after the first `offset`."""
        paging = self.behaviour.offset_paging
        if paging is None:
            raise TypeError(f"{self.behaviour.operation_id}: its paging is not by offset")
        flaws = _PAGING_FLAWS.get(self.flaw, NO_FLAWS) if self.flaw is not None else NO_FLAWS
        page = OffsetPager().page(
            paging,
            values=self.values,
            find=find,
            flaws=flaws,
            largest_page=self.rules.largest(paging.limit),
        )
        return self.success(
            {paging.total: page.total, self._items_field(): [to_json(i) for i in page.items]}
        )

    def item(self, item: Wire) -> Outcome:
        """The success of a read of one record, in the behaviour's `item` field."""
        name = self.behaviour.item
        if name is None:
            raise TypeError(f"{self.behaviour.operation_id}: x-koodrive-behaviour names no item")
        return self.success({name: item})

    def text_filter(self, field_name: str) -> str | None:
        """The text a contains-ignoring-case filter on item field `field_name` was sent
        (None when it was not): the backend matches that field."""
        for found in self.behaviour.filters:
            if found.match is Match.CONTAINS_IGNORING_CASE and found.field == field_name:
                value = self.values.get(found.parameter)
                return None if value is None else typed_value(self.values, found.parameter, str)
        raise TypeError(f"{self.behaviour.operation_id}: no text filter on {field_name!r}")

    @property
    def group_key(self) -> str:
        """The group a group operation's path names: the parameter its behaviour names as
        the key (a detail's, a write's, a batch's), or for a member listing, the one the
        batches that change those members name."""
        behaviour = self.behaviour
        name = (
            (behaviour.detail_of.key if behaviour.detail_of else None)
            or (behaviour.write.key_parameter if behaviour.write else None)
            or (behaviour.membership.group if behaviour.membership else None)
            or next(
                (
                    other.membership.group
                    for other in self.behaviours.values()
                    if other.membership and other.membership.members == behaviour.operation_id
                ),
                None,
            )
        )
        if name is None:
            raise TypeError(f"{behaviour.operation_id}: no parameter names its group")
        return self.value(name, str)

    # --- writes -------------------------------------------------------------------------

    @property
    def write(self) -> Write:
        write = self.behaviour.write
        if write is None:
            raise TypeError(f"{self.behaviour.operation_id}: x-koodrive-behaviour has no write")
        return write

    @property
    def key(self) -> str:
        """The record an update or delete names: its key parameter's checked value."""
        name = self.write.key_parameter
        if name is None:
            raise TypeError(f"{self.behaviour.operation_id}: its write names no key parameter")
        return self.value(name, str)

    @property
    def now(self) -> datetime:
        """The time a write records: the emulator clock's now."""
        now = self.context.clock.now()
        return now - WRONG_RECORD_TIME_OFFSET if self.flaw is FaultKind.WRONG_RECORD_TIME else now

    @property
    def owner_only(self) -> bool:
        """Whether only a record's owner may change it (the owner-not-enforced fault: no)."""
        return self.flaw is not FaultKind.OWNER_NOT_ENFORCED

    def value(self, name: str, kind: type[_T]) -> _T:
        """Parameter `name`'s checked value."""
        return typed_value(self.values, name, kind)

    def body_value(self, name: str, kind: type[_T]) -> _T:
        """Field `name` of the checked body (one the body's schema requires)."""
        return typed_value(self.body, name, kind)

    def optional_body_value(self, name: str, kind: type[_T]) -> _T | None:
        return None if name not in self.body else typed_value(self.body, name, kind)

    def created(self, key: str) -> Outcome:
        """The success of a create, the new record's key where the write's `key` points."""
        pointer = self.write.key_response
        if pointer is None:
            raise TypeError(f"{self.behaviour.operation_id}: its write names no response key")
        fields: dict[str, Any] = {}
        place = fields
        *parents, last = pointer.split("/")[1:]
        for part in parents:
            place = place.setdefault(part, {})
        place[last] = key
        return self.success(fields)

    def record(self, item: Wire) -> Outcome:
        """The success carrying one record, in the success body's object field."""
        properties = self.rules.success_schema.get("properties") or {}
        fields = [name for name, schema in properties.items() if schema.get("type") == "object"]
        if len(fields) != 1:
            raise TypeError(f"{self.behaviour.operation_id}: no one object field in its success")
        return self.success({fields[0]: item})

    def done(self) -> Outcome:
        """The success of a write that answers nothing more."""
        return self.success({})

    def _items_field(self) -> str:
        items = self.behaviour.items
        if items is None:
            raise TypeError(f"{self.behaviour.operation_id}: x-koodrive-behaviour names no items")
        return items

    def _paging(self) -> CursorPaging:
        paging = self.behaviour.cursor_paging
        if paging is None:
            raise TypeError(f"{self.behaviour.operation_id}: x-koodrive-behaviour has no paging")
        return paging


Handler = Callable[[OperationCall], Outcome]
HANDLERS: dict[str, Handler] = {}
# The fault kinds that are flaws of one handler, by the operations whose handler plays them:
# a fault of such a kind targets those operations only (faults.py reads this).
HANDLER_FLAWS: dict[FaultKind, set[str]] = {}


def handles(
    operation_id: str, *, flaws: Collection[FaultKind] = ()
) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of `operation_id`. `flaws`: the fault
    kinds only this handler plays (it reads `call.flaw`), so that a fault of one of them
    targets this operation only."""

    def register(handler: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise ValueError(f"{operation_id} has a handler already: {HANDLERS[operation_id]}")
        HANDLERS[operation_id] = handler
        for kind in flaws:
            HANDLER_FLAWS.setdefault(kind, set()).add(operation_id)
        return handler

    return register


@handles("listBoundDevices", flaws=[FaultKind.EVERY_USERS_DEVICES])
def list_bound_devices(call: OperationCall) -> Outcome:
    backend = call.context.backend
    if call.flaw is FaultKind.EVERY_USERS_DEVICES:
        devices = [device for user in backend.users() for device in backend.devices(user)]
        return call.listing([device.wire() for device in devices])
    return call.listing(backend.listed_devices(call.user_id))


@handles(
    "listUserGroups",
    flaws=[
        FaultKind.IGNORE_SOURCE_TYPE,
        FaultKind.IGNORE_GROUP_NAME,
        FaultKind.CASE_SENSITIVE_GROUP_NAME,
        FaultKind.JOINED_OWNED_ONLY,
    ],
)
def list_user_groups(call: OperationCall) -> Outcome:
    query = groups_query(call.values)
    flaw = call.flaw
    # The filter faults act on the backend's query; the cursors stay bound as sent.
    source_type = SourceType.GROUP if flaw is FaultKind.IGNORE_SOURCE_TYPE else query.source_type
    group_name = None if flaw is FaultKind.IGNORE_GROUP_NAME else query.group_name

    def find(after: int, limit: int) -> Slice[Fragment]:
        backend = call.context.backend
        if flaw is FaultKind.JOINED_OWNED_ONLY:  # a group the user only joins is left out
            found = backend.find_groups(
                call.user_id,
                source_type=source_type,
                group_name=group_name,
                after=after,
                limit=limit,
            )
            owned = [
                (at, group.wire()) for at, group in found.items if group.owner_id == call.user_id
            ]
            return Slice(owned, found.has_more, found.total)
        return backend.listed_groups(
            call.user_id,
            source_type=source_type,
            group_name=group_name,
            after=after,
            limit=limit,
            case_sensitive=flaw is FaultKind.CASE_SENSITIVE_GROUP_NAME,
        )

    return call.page(find, _as_listed)


def _as_listed(wire: Fragment) -> Wire:
    return wire


@handles("createUserGroup")
def create_user_group(call: OperationCall) -> Outcome:
    group = call.context.backend.create_group(
        call.user_id,
        group_name=call.body_value("groupName", str),
        source_type=call.body_value("sourceType", int),
        now=call.now,
        limit=call.write.limit_per_owner,
    )
    return call.created(group.id)


@handles("updateUserGroup")
def update_user_group(call: OperationCall) -> Outcome:
    # `top` and `role` come as the strings the vendor's table types them ("0", "1", "2").
    top = call.optional_body_value("top", str)
    role = call.optional_body_value("role", str)
    call.context.backend.update_group(
        call.user_id,
        call.key,
        group_name=call.body_value("groupName", str),
        source_type=call.body_value("sourceType", int),
        now=call.now,
        owner_only=call.owner_only,
        icon_url=call.optional_body_value("iconUrl", str),
        top=None if top is None else top == "1",
        member_id=call.optional_body_value("userId", str),
        role=None if role is None else int(role),
    )
    return call.done()


@handles("deleteUserGroup")
def delete_user_group(call: OperationCall) -> Outcome:
    call.context.backend.delete_group(call.user_id, call.key, owner_only=call.owner_only)
    return call.done()


@handles("bindDevice")
def bind_device(call: OperationCall) -> Outcome:
    device = call.context.backend.bind_device(
        call.user_id,
        machine_code=call.body_value("machineCode", str),
        device_name=call.optional_body_value("deviceName", str),
        device_os=call.optional_body_value("deviceOS", str),
        now=call.now,
    )
    return call.record(device.wire())


@handles("unbindDevice")
def unbind_device(call: OperationCall) -> Outcome:
    return call.record(call.context.backend.unbind_device(call.user_id, call.key).wire())


# What the detail-disagrees fault adds to a group's name (a name its listing does not show).
DISAGREEING_NAME = " (stale)"


@handles("getUserGroup", flaws=[FaultKind.DETAIL_DISAGREES])
def get_user_group(call: OperationCall) -> Outcome:
    backend = call.context.backend
    group = backend.group_detail(call.user_id, call.group_key, call.value("sourceType", int))
    detail = group.detail_json(backend.tenant_id)
    if call.flaw is FaultKind.DETAIL_DISAGREES:
        detail["groupName"] = f"{group.group_name}{DISAGREEING_NAME}"
    return call.item(detail)


@handles("listUserGroupMembers", flaws=[FaultKind.MEMBERS_OWNER_ONLY])
def list_user_group_members(call: OperationCall) -> Outcome:
    group_id, user_name = call.group_key, call.text_filter("userName")

    def find(offset: int, limit: int) -> Slice[Member]:
        if call.flaw is FaultKind.MEMBERS_OWNER_ONLY:  # the owner alone, whoever joined
            everyone = call.context.backend.find_members(
                call.user_id, group_id, user_name=user_name, offset=0, limit=2**31
            )
            owner = [(at, m) for at, m in everyone.items if m.role is Role.OWNER]
            return Slice(owner[offset : offset + limit], False, len(owner))
        return call.context.backend.find_members(
            call.user_id, group_id, user_name=user_name, offset=offset, limit=limit
        )

    return call.offset_page(find, Member.to_json)


@handles("batchAddGroupMembers", flaws=[FaultKind.BATCH_STATUS_ALL_SUCCEEDED])
def batch_add_group_members(call: OperationCall) -> Outcome:
    membership = _membership(call)
    result = call.context.backend.add_members(
        call.user_id,
        call.group_key,
        _named_users(call, membership),
        now=call.now,
        limit_per_group=membership.limit_per_group,
        limit_per_user=_joined_limit(call, membership),
    )
    return _batch_outcome(call, membership, result)


@handles("batchDeleteGroupMembers", flaws=[FaultKind.BATCH_STATUS_ALL_SUCCEEDED])
def batch_delete_group_members(call: OperationCall) -> Outcome:
    membership = _membership(call)
    result = call.context.backend.remove_members(
        call.user_id, call.group_key, _named_users(call, membership)
    )
    return _batch_outcome(call, membership, result)


def _membership(call: OperationCall) -> Membership:
    membership = call.behaviour.membership
    if membership is None:
        raise TypeError(f"{call.behaviour.operation_id}: x-koodrive-behaviour has no membership")
    return membership


def _named_users(call: OperationCall, membership: Membership) -> list[str]:
    """The users the batch names, as user ids (the body sends them as JSON integers)."""
    return [str(user) for user in membership.users_in(call.body)]


def _joined_limit(call: OperationCall, membership: Membership) -> int | None:
    """How many groups a user may join: the limit of the create that adds to the listing
    of the groups a user joins."""
    return next(
        (
            other.write.limit_per_owner
            for other in call.behaviours.values()
            if other.write is not None
            and other.write.effect is Effect.CREATE
            and other.write.record == membership.joined
        ),
        None,
    )


def _batch_outcome(call: OperationCall, membership: Membership, result: BatchResult) -> Outcome:
    statuses = membership.statuses
    if not result.failed or call.flaw is FaultKind.BATCH_STATUS_ALL_SUCCEEDED:
        status = statuses.all_succeeded
    elif result.all_failed:
        status = statuses.all_failed
    else:
        status = statuses.partly_succeeded
    return call.success({membership.status: status, membership.failed: list(result.failed)})
