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

from tests.proof.new_operation import (
    ALBUM,
    FIXTURES,
    GROUP,
    OTHER_USER,
    RECORDS,
    RECORDS_PATH,
    TABLET,
)

GROUPS_PATH = "/koodrive/ose/v1/usergroups"


def main(reports: Path) -> dict[str, Any]:
    import httpx
    from koodrive import (
        AsyncKooDrive,
        BackupModule,
        BackupRecord,
        BackupStatus,
        InvalidArgumentError,
        KooDrive,
    )
    from koodrive_emulator.fixtures import parse_fixtures_text
    from koodrive_emulator.state import Backend
    from koodrive_emulator.testing import running_emulator

    from contract_tests.credentials import Credentials
    from contract_tests.testing import run_contract_suite

    backend = Backend.default()
    backend.load_fixtures_data(parse_fixtures_text(FIXTURES, source="proof"), source="proof")
    found: dict[str, Any] = {
        "seeded": [backend.add_backup_record(*record) for record in RECORDS],
    }
    with running_emulator(backend=backend) as emulator:
        given = emulator.credentials
        with KooDrive(base_url=emulator.base_url, token=given.token, user_id=given.user_id) as sdk:
            records = sdk.backup_records
            pages = list(records.list(module_code=BackupModule.ALBUM, page_size=2).pages())
            found["sync_pages"] = [[r.record_id for r in page.items] for page in pages]
            found["sync_totals"] = [page.total for page in pages]
            on_tablet = list(records.list(module_code=ALBUM, device_id=TABLET, page_size=3))
            found["on_tablet"] = [record.record_id for record in on_tablet]
            found["properties"] = [record.properties for record in on_tablet]
            found["device_names"] = sorted({r.device_info.device_name for r in on_tablet})
            found["statuses"] = sorted({record.status.name for record in on_tablet})
            assert all(record.status is BackupStatus.NEW for record in on_tablet)
            found["item_type"] = type(on_tablet[0]).__name__
            assert BackupRecord.__name__ == found["item_type"]
            found["folder"] = [r.record_id for r in records.list(module_code="100")]
            try:
                records.list(module_code="103")
            except InvalidArgumentError as error:
                found["sdk_bad_module"] = str(error)
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
                    [r.record_id for r in page.items]
                    async for page in client.backup_records.list(
                        module_code=BackupModule.ALBUM, page_size=5
                    ).pages()
                ]

        found["async_pages"] = asyncio.run(listed())
        headers = emulator.token_headers(with_user=True)
        with httpx.Client(base_url=emulator.base_url, headers=headers) as http:
            album = {"moduleCode": ALBUM, "pageSize": "10"}
            for name, url, params in [
                ("no_module", RECORDS_PATH, {"pageSize": "10"}),
                ("bad_module", RECORDS_PATH, {**album, "moduleCode": "103"}),
                ("page_size_101", RECORDS_PATH, {**album, "pageSize": "101"}),
                ("bad_device_id", RECORDS_PATH, {**album, "deviceId": "12ab"}),
                ("long_cursor", RECORDS_PATH, {**album, "cursor": "x" * 1001}),
                (
                    "groups_201",
                    GROUPS_PATH,
                    {"pageSize": "201", "sourceType": "0", "pageCursor": ""},
                ),
            ]:
                response = http.get(url, params=params)
                found[name] = [response.status_code, response.json().get("msg")]
            first = http.get(RECORDS_PATH, params={**album, "pageSize": "1"}).json()
            found["first_without_cursor"] = [r["recordId"] for r in first["recordList"]]
            for name, params in [
                ("cursor_on_another_module", {**album, "moduleCode": "100"}),
                ("cursor_on_one_device", {**album, "deviceId": TABLET}),
            ]:
                elsewhere = http.get(
                    RECORDS_PATH, params={**params, "pageSize": "1", "cursor": first["nextCursor"]}
                )
                found[name] = [elsewhere.status_code, elsewhere.json().get("msg")]

        credentials = Credentials.from_env(
            {
                "KOODRIVE_USER_ID": given.user_id,
                "KOODRIVE_TOKEN": given.token,
                "KOODRIVE_APP_ID": given.app_id,
                "KOODRIVE_APP_SECRET": given.app_secret,
            }
        )
        bounded = ("--max-examples", "25", "--clock-tolerance", "0", "--other-user-id", OTHER_USER)
        run = run_contract_suite(
            emulator.base_url, credentials, reports / "clean", *bounded, timeout=600
        )
        found["suite"] = {"exit_code": run.exit_code, "summary": run.summary}
        emulator.faults.add("repeat-item", operation="listBackupRecord")
        broken = run_contract_suite(
            emulator.base_url,
            credentials,
            reports / "repeat-item",
            "--phases",
            "examples",
            *bounded,
            "--",
            "--include-operation-id",
            "listBackupRecord",
            "--continue-on-failure",
            timeout=600,
        )
        found["broken_suite"] = {"exit_code": broken.exit_code, "summary": broken.summary}
    return found


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
