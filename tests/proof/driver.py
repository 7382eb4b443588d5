"""Run inside the proof's copy of the project (see test_a_new_operation.py): the copy's SDK,
emulator and contract suite on the new operation. Prints what it found as one JSON line.

Type-checked in the copy, where the SDK has the new operation, not in the repository.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tests.proof.new_operation import FIXTURES, GROUP, MEMBERS, MEMBERS_PATH

GROUPS_PATH = "/koodrive/ose/v1/usergroups"


def main(reports: Path) -> dict[str, Any]:
    import httpx
    from koodrive import AsyncKooDrive, GroupMember, InvalidArgumentError, KooDrive, MemberRole
    from koodrive_emulator.fixtures import parse_fixtures_text
    from koodrive_emulator.state import Backend
    from koodrive_emulator.testing import running_emulator

    from contract_tests.credentials import Credentials
    from contract_tests.testing import run_contract_suite

    backend = Backend()
    backend.load_fixtures_data(parse_fixtures_text(FIXTURES, source="proof"), source="proof")
    found: dict[str, Any] = {}
    with running_emulator(backend=backend) as emulator:
        given = emulator.credentials
        with KooDrive(base_url=emulator.base_url, token=given.token, user_id=given.user_id) as sdk:
            pages = list(sdk.group_members.list(group_id=GROUP, page_size=2).pages())
            found["sync_pages"] = [[m.user_id for m in page.items] for page in pages]
            found["sync_totals"] = [page.total for page in pages]
            try:
                sdk.group_members.list(group_id="..")
            except InvalidArgumentError as error:
                found["dot_segment"] = str(error)
            owners = sdk.group_members.list(group_id=GROUP, role=MemberRole.OWNER)
            found["owners"] = [member.user_id for member in owners]
            found["item_type"] = type(next(iter(owners))).__name__
            assert GroupMember.__name__ == found["item_type"]
            groups = list(sdk.user_groups.list(source_type=0, page_size=150))
            found["member_count"] = next(g.member_count for g in groups if g.id == GROUP)
            found["first_group_page"] = len(
                next(iter(sdk.user_groups.list(source_type=0, page_size=150).pages())).items
            )

        async def listed() -> list[list[str]]:
            async with AsyncKooDrive(
                base_url=emulator.base_url, token=given.token, user_id=given.user_id
            ) as client:
                return [
                    [m.user_id for m in page.items]
                    async for page in client.group_members.list(group_id=GROUP, page_size=5).pages()
                ]

        found["async_pages"] = asyncio.run(listed())
        with httpx.Client(base_url=emulator.base_url, headers=emulator.token_headers()) as http:
            path = MEMBERS_PATH.format(groupId=GROUP)
            for name, url, params in [
                ("bad_group_id", MEMBERS_PATH.format(groupId="12ab"), {}),
                ("page_size_51", path, {"pageSize": "51"}),
                ("bad_role", path, {"role": "admin"}),
                (
                    "groups_201",
                    "/koodrive/ose/v1/usergroups",
                    {"pageSize": "201", "sourceType": "0"},
                ),
            ]:
                response = http.get(url, params={"pageSize": "10", "pageCursor": "", **params})
                found[name] = [response.status_code, response.json().get("msg")]
            first = http.get(path, params={"pageSize": "1", "pageCursor": ""}).json()
            elsewhere = http.get(
                MEMBERS_PATH.format(groupId="1430000000000000003"),
                params={"pageSize": "1", "pageCursor": first["nextCursor"]},
            )
            found["cursor_on_another_group"] = [elsewhere.status_code, elsewhere.json().get("msg")]

        credentials = Credentials.from_env(
            {
                "KOODRIVE_USER_ID": given.user_id,
                "KOODRIVE_TOKEN": given.token,
                "KOODRIVE_APP_ID": given.app_id,
                "KOODRIVE_APP_SECRET": given.app_secret,
            }
        )
        bounded = ("--max-examples", "25", "--clock-tolerance", "0", "--other-user-id", MEMBERS[0])
        run = run_contract_suite(
            emulator.base_url, credentials, reports / "clean", *bounded, timeout=600
        )
        found["suite"] = {"exit_code": run.exit_code, "summary": run.summary}
        emulator.faults.add("repeat-item", operation="listGroupMembers")
        broken = run_contract_suite(
            emulator.base_url,
            credentials,
            reports / "repeat-item",
            "--phases",
            "examples",
            *bounded,
            "--",
            "--include-operation-id",
            "listGroupMembers",
            "--continue-on-failure",
            timeout=600,
        )
        found["broken_suite"] = {"exit_code": broken.exit_code, "summary": broken.summary}
    return found


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
