"""Checks of what the spec promises about a group's members: its batches' `membership`
behaviour, a detail read's `detail-of`, and `members-only`.

- `batch_status_as_declared`: on every batch answered success, `status` agrees with the
  failure list, by the values the spec's status enum names (all succeeded exactly when the
  list is empty; all failed exactly when it names every user the batch named);
- `members_join_as_declared`: a user a batch added lists the group among the groups they
  join (`joined`), and one it removed no longer does;
- `members_listed_as_declared`: the group's `members` listing lists the added user, and no
  longer the removed one;
- `detail_agrees_with_listing`: a detail read (`detail-of`) answers the record as its
  listing lists it, on every field the two share (a few reads per operation);
- `members_only_as_declared`: a user who is not a member of a group gets the declared
  `not-found` on each `members-only` operation, reads and changes alike, and the group
  is unchanged for its owner.

The two membership checks play one scenario, once a run, with the run's second user
(`--other-user-id`, app mode): a group the run creates, the user added by the `add` batch
and removed by the `remove` one, the listings read after each; then the `remove` batch
names the run's own user, the group's owner, whom the spec's decisions say cannot be
removed, and its status is judged against its failure list. Every request goes through
the write guard: the group is the run's, the users are the run's, and the group is deleted
at the end (deleting a group ends its memberships).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from typing import Any

import schemathesis
from koodrive_spec.behaviour import Behaviour, Match, Membership, MembershipEffect

from contract_tests.credentials import AuthMode
from contract_tests.records import Reply
from contract_tests.types import Case
from contract_tests.wire import wire_text
from contract_tests.writes import (
    Problems,
    WriteRefused,
    Writes,
    _header,
    _json,
    _problem,
    _sent_body,
)

# Detail reads compared with their listing, per operation (each costs a whole listing).
DETAIL_SAMPLES = 3

JOIN = "members_join_as_declared"
LISTED = "members_listed_as_declared"
STATUS = "batch_status_as_declared"
DETAIL = "detail_agrees_with_listing"
MEMBERS_ONLY = "members_only_as_declared"


def status_problems(
    membership: Membership, named: list[object], body: object, where: str
) -> list[str]:
    """Whether a batch's `status` agrees with its failure list (the spec's enum values)."""
    if not isinstance(body, Mapping):
        return []
    status = body.get(membership.status)
    failed = body.get(membership.failed)
    if not isinstance(failed, list) or isinstance(status, bool) or not isinstance(status, int):
        return []  # the schema checks report a missing or mistyped field
    statuses = membership.statuses
    users = list(dict.fromkeys(_user_text(user) for user in named))
    failures = {_user_text(user) for user in failed}
    everyone = bool(users) and set(users) <= failures
    said = f"`{membership.status}` {status} with `{membership.failed}` {failed!r}"
    problems = []
    if (status == statuses.all_succeeded) != (not failed):
        problems.append(
            f"{where}: {said}; the spec's status {statuses.all_succeeded} (every user "
            "succeeded) comes exactly with an empty failure list"
        )
    if (status == statuses.all_failed) != everyone and users:
        problems.append(
            f"{where}: {said} for the users {', '.join(users)}; the spec's status "
            f"{statuses.all_failed} (every user failed) comes exactly when the failure list "
            "names every user the batch named"
        )
    return problems


def _user_text(user: object) -> str:
    """A user id as a server reads it: a JSON number with a zero fraction (`274.0`) is the
    integer it equals (JSON Schema counts it an integer)."""
    if isinstance(user, float) and user.is_integer():
        return str(int(user))
    return wire_text(user)


class Memberships:
    def __init__(self, writes: Writes) -> None:
        self.writes = writes
        self.kinds = writes.kinds
        self.behaviours = writes.spec.behaviours
        self._lock = threading.Lock()
        self._scenario: dict[str, list[str]] | None = None
        self._reported: set[str] = set()
        self._details: dict[str, int] = {}
        self._members_only: set[str] = set()

    # --- helpers --------------------------------------------------------------------------

    def batch(self, effect: MembershipEffect) -> str | None:
        return next(
            (op for op in self.kinds.memberships if self.kinds.membership(op).effect is effect),
            None,
        )

    def second_user(self, check: str, operation: str) -> str | None:
        """The run's second user, when the suite may act for them; else a note says why."""
        other = self.writes.settings.other_user_id
        if other is None:
            self.writes.note(check, operation, "needs a second user (--other-user-id)")
            return None
        if AuthMode.APP not in self.writes.credentials.modes:
            self.writes.note(check, operation, "needs app mode (a token acts for one user)")
            return None
        return other

    def joined_by(self, listing: str, user: str) -> tuple[set[str], Reply | None] | None:
        """The keys of every partition of the `joined` listing for `user`, and its first
        page; None when a page fails."""
        keys: set[str] = set()
        first: Reply | None = None
        for partition in self.kinds.partition_values(listing):
            read = self.writes.client.items(listing, user_id=user, partition=partition)
            if read is None:
                return None
            keys |= set(read[0])
            first = first or read[1][0]
        return keys, first

    def members_of(self, members: str, group: str, key: str) -> tuple[set[str], Reply] | None:
        read = self.writes.client.items(members, path={group: key}, user_id=self.writes.user)
        return None if read is None else (set(read[0]), read[1][0])

    # --- the membership scenario ----------------------------------------------------------

    def scenario(self, operation: str) -> dict[str, list[str]]:
        """Played once a run (the first batch answer triggers it); problems by check."""
        with self._lock:
            if self._scenario is None:
                self._scenario = self._play(operation)
            return self._scenario

    def _play(self, operation: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {JOIN: [], LISTED: [], STATUS: []}
        add, remove = self.batch(MembershipEffect.ADD), self.batch(MembershipEffect.REMOVE)
        other = self.second_user(JOIN, operation)
        if other is None:
            self.writes.note(LISTED, operation, "needs a second user (--other-user-id)")
            return found
        if add is None:
            return found
        membership = self.kinds.membership(add)
        group = self.writes.new_record(membership.joined, self.writes.user)
        if group is None:
            for check in (JOIN, LISTED):
                self.writes.note(check, operation, "the run could not create a group of its own")
            return found
        try:
            for batch in (add, remove):
                if batch is None:
                    continue
                if not self._step(batch, group, other, found, operation):
                    break
            if remove is not None:
                found[STATUS] += self._owner_stays(remove, group)
        finally:
            self._delete(membership.joined, group)
        return found

    def _step(
        self, batch: str, group: str, other: str, found: dict[str, list[str]], operation: str
    ) -> bool:
        """One batch naming `other` in `group`, and the listings after it; False when the
        target did not change the membership (the steps after it judge nothing)."""
        membership = self.kinds.membership(batch)
        added = membership.effect is MembershipEffect.ADD
        try:
            reply = self.writes.send_write(
                batch,
                path={membership.group: group},
                body=self.kinds.batch_body(batch, [other]),
            )
        except WriteRefused as refused:
            for check in (JOIN, LISTED):
                self.writes.note(check, operation, str(refused))
            return False
        behaviour = self.kinds.memberships[batch]
        if reply.status != behaviour.success.status or reply.code() != behaviour.success.code:
            for check in (JOIN, LISTED):
                self.writes.note(
                    check,
                    operation,
                    f"{batch} of user {other} in group {group} answered {reply.status} "
                    f"with code {reply.code()!r}",
                )
            return False
        found[STATUS] += [
            _problem(text, reply)
            for text in status_problems(membership, [other], reply.body, f"{batch}")
        ]
        failed = reply.body.get(membership.failed) if isinstance(reply.body, dict) else None
        if isinstance(failed, list) and other in {wire_text(user) for user in failed}:
            for check in (JOIN, LISTED):
                self.writes.note(
                    check, operation, f"{batch} named user {other} as failed in group {group}"
                )
            return False
        did = "added to" if added else "removed from"
        joined = self.joined_by(membership.joined, other)
        if joined is not None and (group in joined[0]) != added:
            found[JOIN].append(
                _problem(
                    f"user {other}, {did} group {group} by {batch} (answered success), "
                    + (
                        f"does not list it in {membership.joined}: an added member lists "
                        "the group among the groups they join"
                        if added
                        else f"still lists it in {membership.joined}: a removed member no "
                        "longer does"
                    ),
                    reply,
                    *([joined[1]] if joined[1] is not None else []),
                )
            )
        listed = self.members_of(membership.members, membership.group, group)
        if listed is not None and (other in listed[0]) != added:
            found[LISTED].append(
                _problem(
                    f"user {other}, {did} group {group} by {batch} (answered success), is "
                    + (
                        f"not in its {membership.members}: the members listing lists an "
                        "added member"
                        if added
                        else f"still in its {membership.members}: the members listing no "
                        "longer lists a removed member"
                    ),
                    reply,
                    listed[1],
                )
            )
        return True

    def _owner_stays(self, remove: str, group: str) -> list[str]:
        """A batch that fails (the spec's decisions: the owner cannot be removed), named the
        run's own user in its own group: only its `status` against its failure list is
        judged (a batch of the run's users that all succeed never shows a wrong status)."""
        membership = self.kinds.membership(remove)
        try:
            reply = self.writes.send_write(
                remove,
                path={membership.group: group},
                body=self.kinds.batch_body(remove, [self.writes.user]),
            )
        except WriteRefused:
            return []
        behaviour = self.kinds.memberships[remove]
        if reply.status != behaviour.success.status or reply.code() != behaviour.success.code:
            return []
        return [
            _problem(text, reply)
            for text in status_problems(membership, [self.writes.user], reply.body, remove)
        ]

    def _delete(self, listing: str, key: str) -> None:
        kind = self.kinds.records[listing]
        if kind.delete is None or not self.writes.own.is_ours(key):
            return
        name = self.kinds.write(kind.delete).key_parameter or ""
        with contextlib.suppress(WriteRefused):
            self.writes.send_write(kind.delete, path={name: key}, user_id=self.writes.user)

    def from_scenario(self, check: str, operation: str) -> list[str]:
        """The scenario's problems of `check`, once a run (the first batch answer)."""
        found = self.scenario(operation)
        with self._lock:
            if check in self._reported:
                return []
            self._reported.add(check)
        return found.get(check, [])

    # --- per response ---------------------------------------------------------------------

    def check_status(self, case: Case, response: schemathesis.Response) -> list[str]:
        membership = self.kinds.membership(self.writes.operation_id(case))
        named = membership.users_in(_sent_body(response))
        return [
            "- " + text for text in status_problems(membership, named, _json(response), "the batch")
        ] + self.from_scenario(STATUS, case.operation.label)

    def check_detail(self, case: Case, response: schemathesis.Response) -> list[str]:
        operation_id = self.writes.operation_id(case)
        behaviour = self.behaviours[operation_id]
        detail = behaviour.detail_of
        item = behaviour.item_of(_json(response))
        path = case.path_parameters or {}
        if detail is None or item is None or detail.key not in path:
            return []
        with self._lock:
            taken = self._details.get(operation_id, 0)
            if taken >= DETAIL_SAMPLES:
                return []
            self._details[operation_id] = taken + 1
        key = wire_text(path[detail.key])
        user = _header(response, "X-User-Id") or self.writes.user
        listing = self.behaviours[detail.listing]
        sent = {**(case.query or {})} if isinstance(case.query, dict) else {}
        partition = {
            f.parameter: sent[f.parameter]
            for f in listing.filters
            if f.parameter in sent and f.match is Match.PARTITIONS
        }
        read = self.writes.client.items(detail.listing, user_id=user, partition=partition)
        if read is None:
            return []
        where = ", ".join(f"{k}={wire_text(v)}" for k, v in partition.items()) or "listed"
        listed = read[0].get(key)
        if listed is None:
            return [
                _problem(
                    f"{operation_id} answered record {key}, which {detail.listing} ({where}) "
                    f"of user {user} does not list: a detail read answers a listed record",
                    read[1][0],
                )
            ]
        differ = [
            f"{name}={item[name]!r} there, {listed[name]!r} listed"
            for name in sorted(set(item) & set(listed))
            if item[name] != listed[name]
        ]
        if not differ:
            return []
        return [
            _problem(
                f"{operation_id} answers record {key} with {'; '.join(differ)} in "
                f"{detail.listing} ({where}): the two agree on the fields they share",
                read[1][0],
            )
        ]

    def check_members_only(self, case: Case, response: schemathesis.Response) -> list[str]:
        operation_id = self.writes.operation_id(case)
        behaviour = self.behaviours[operation_id]
        group_of = self.kinds.group_of(operation_id)
        if not behaviour.members_only or group_of is None or behaviour.not_found is None:
            return []
        with self._lock:
            if operation_id in self._members_only:
                return []
            self._members_only.add(operation_id)
        label = case.operation.label
        other = self.second_user(MEMBERS_ONLY, label)
        if other is None:
            return []
        parameter, listing = group_of
        kind = self.kinds.records.get(listing)
        if kind is None or kind.create is None:
            return []
        create = self.kinds.write(kind.create)
        example = self.kinds.example_body(kind.create) or {}
        group = self.writes.new_record(listing, self.writes.user)
        if group is None:
            self.writes.note(MEMBERS_ONLY, label, "the run could not create a group of its own")
            return []
        partition = {
            filtered: example[field] for field, filtered in create.partition if field in example
        }
        try:
            return self._as_non_member(
                case, response, operation_id, behaviour, other, parameter, group, partition
            )
        finally:
            self._delete(listing, group)

    def _as_non_member(
        self,
        case: Case,
        response: schemathesis.Response,
        operation_id: str,
        behaviour: Behaviour,
        other: str,
        parameter: str,
        group: str,
        partition: Mapping[str, Any],
    ) -> list[str]:
        missing = behaviour.not_found
        assert missing is not None
        query = {**(case.query or {})} if isinstance(case.query, dict) else {}
        query.update({k: v for k, v in partition.items() if k in query})
        body = _sent_body(response)
        try:
            # Through the guard, but not recorded: a non-member's delete answered not-found
            # leaves the group the run's, to delete after.
            self.writes.guard.admit(operation_id, {parameter: group}, body)
            attempt = self.writes.client.send(
                operation_id, path={parameter: group}, query=query or None, body=body, user_id=other
            )
        except WriteRefused as refused:
            self.writes.note(MEMBERS_ONLY, case.operation.label, str(refused))
            return []
        if attempt.status == missing.status and attempt.code() == missing.code:
            return []
        if self._joined_meanwhile(other, group):
            self.writes.note(
                MEMBERS_ONLY,
                case.operation.label,
                f"user {other} joined group {group} meanwhile (another request of the run)",
            )
            return []
        return [
            _problem(
                f"user {other}, not a member of group {group} (user {self.writes.user}'s), got "
                f"{attempt.status} with code {attempt.code()!r} from {operation_id}; the spec "
                f"promises a non-member {missing.status} with code {missing.code} (not-found)",
                attempt,
            )
        ]

    def _joined_meanwhile(self, user: str, group: str) -> bool:
        """Whether `user` is a member of the run's `group` now: the run's batches, sent by
        the other worker beside this check, may name the run's users on the run's groups."""
        operation = next(iter(self.kinds.memberships), None)
        if operation is None:
            return False
        membership = self.kinds.membership(operation)
        listed = self.members_of(membership.members, membership.group, group)
        return listed is not None and user in listed[0]

    # --- registration ---------------------------------------------------------------------

    def register(self) -> None:
        memberships = self

        def per_response(
            name: str,
            applies: Callable[[Behaviour], bool],
            run: Callable[[Case, schemathesis.Response], list[str]],
        ) -> None:
            def check(
                ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
            ) -> bool | None:
                behaviour = memberships.behaviours.get(memberships.writes.operation_id(case))
                if behaviour is None or not applies(behaviour):
                    return None
                if not (
                    response.status_code == behaviour.success.status
                    and _code_of(response) == behaviour.success.code
                ):
                    return None
                problems = run(case, response)
                if problems:
                    raise Problems(case.operation.label, problems)
                return True

            check.__name__ = check.__qualname__ = name
            schemathesis.check(check)

        def batch(b: Behaviour) -> bool:
            return b.membership is not None

        per_response(STATUS, batch, memberships.check_status)
        per_response(
            JOIN, batch, lambda case, _: memberships.from_scenario(JOIN, case.operation.label)
        )
        per_response(
            LISTED, batch, lambda case, _: memberships.from_scenario(LISTED, case.operation.label)
        )
        per_response(DETAIL, lambda b: b.detail_of is not None, memberships.check_detail)
        per_response(MEMBERS_ONLY, lambda b: b.members_only, memberships.check_members_only)


def _code_of(response: schemathesis.Response) -> object:
    body = _json(response)
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, str) and code.lstrip("-").isdigit():
        return int(code)
    return code


def register(writes: Writes) -> Memberships:
    memberships = Memberships(writes)
    memberships.register()
    return memberships
