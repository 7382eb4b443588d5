"""The guard: every operation of the spec has a facade method (sync and async), an emulator
handler, fault targeting and the behaviour the contract suite checks. An operation added to
openapi.yaml without one of them fails here, by name."""

from __future__ import annotations

import pytest
from koodrive import AsyncKooDrive, KooDrive
from koodrive_emulator.app import EmulatorApp
from koodrive_emulator.faults import OPERATIONS
from koodrive_spec.reader import Spec

SPEC = Spec.packaged()
OPERATION_IDS = list(SPEC.operations)
SDK = "x-koodrive-sdk"  # each operation's facade name: {resource: ..., method: ...}


def facade_name(operation_id: str) -> tuple[str, str]:
    declared = SPEC.operations[operation_id].definition.get(SDK)
    assert isinstance(declared, dict), f"{operation_id} declares no {SDK}"
    return str(declared["resource"]), str(declared["method"])


def resource_of(client: object, path: str) -> object:
    """`client.user_groups.members` for the path `user_groups.members` (a sub-resource)."""
    found: object = client
    for part in path.split("."):
        found = getattr(found, part, None)
    return found


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_the_facade_has_a_sync_and_an_async_method(operation_id: str) -> None:
    resource, method = facade_name(operation_id)
    with KooDrive(base_url="http://127.0.0.1:9", token="t", user_id="1") as client:
        call = getattr(resource_of(client, resource), method, None)
        assert callable(call), f"KooDrive().{resource}.{method} is missing for {operation_id}"
    async_client = AsyncKooDrive(base_url="http://127.0.0.1:9", token="t", user_id="1")
    async_call = getattr(resource_of(async_client, resource), method, None)
    assert callable(async_call), f"AsyncKooDrive().{resource}.{method} is missing"


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_the_emulator_handles_it_and_faults_target_it(operation_id: str) -> None:
    assert operation_id in EmulatorApp().handlers, f"the emulator has no handler for {operation_id}"
    assert operation_id in OPERATIONS


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_the_contract_suite_knows_its_behaviour(operation_id: str) -> None:
    behaviour = SPEC.behaviours[operation_id]
    if behaviour.write is not None:
        # A write is judged through the listing it changes.
        listing = SPEC.behaviours[behaviour.write.record]
        assert listing.items is not None, f"{operation_id}: its write's record lists no items"
        return
    if behaviour.membership is not None:
        # A batch is judged through the listings it changes: the groups a user joins, the
        # group's members.
        for listed_by in (behaviour.membership.joined, behaviour.membership.members):
            assert SPEC.behaviours[listed_by].items is not None, f"{operation_id}: {listed_by}"
        return
    if behaviour.detail_of is not None:
        # A read of one record is judged against the listing that lists it too.
        assert behaviour.item is not None, f"{operation_id}: x-koodrive-behaviour names no item"
        listing = SPEC.behaviours[behaviour.detail_of.listing]
        assert listing.items is not None, f"{operation_id}: its listing lists no items"
        return
    assert behaviour.items is not None, f"{operation_id}: x-koodrive-behaviour names no items"
