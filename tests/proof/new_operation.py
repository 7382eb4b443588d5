"""What a maintainer writes to add an operation: the spec change, a table and two backend
methods, and a handler (and the fixtures and records the proof seeds).

The operation is the vendor's listBackupRecord (`GET /koodrive/ose/v1/backup/record`, the
Carrier edition's backup family): cursor-paged, a required `moduleCode` that partitions the
records, an optional `deviceId` filter, and records of a kind the state does not hold yet,
so the relational state needs a table for them. `test_a_new_operation.py` copies the
project, makes the spec change (`change_spec`), pastes the hand-written pieces below into
the copy (`TABLE` into state.py's schema, `BACKEND_METHODS` into its Backend, `HANDLER`
into handlers.py), regenerates, and runs `driver.py` inside the copy: the copy's own SDK,
emulator and contract suite, as its users would run them.
"""

from __future__ import annotations

from typing import Any

USER = "1395476983395324033"  # the development user (Credentials.development)
OTHER_USER = "1395476983395324034"  # the second user of the default data, with records too
# The devices of the emulator's default data (emulator/koodrive_emulator/data).
PHONE, TABLET = "1775406005920779393", "1842812272691451648"  # USER's
OTHER_DEVICE = "1775406005920779400"  # OTHER_USER's
GROUP = "1430000000000000001"  # a group given the new optional field in the fixtures
RECORDS_PATH = "/koodrive/ose/v1/backup/record"
ALBUM = "101"  # the module the proof walks: eleven records (eight on TABLET), several pages
# The records the driver seeds, in order: (user, device, module, properties).
RECORDS = [
    *[
        (USER, PHONE, ALBUM, None)
        if index % 4 == 0
        else (USER, TABLET, ALBUM, f'{{"photos": {index}}}')
        for index in range(11)
    ],
    *[(USER, PHONE, "100", None)] * 3,
    *[(USER, TABLET, "102", '{"contacts": 2}')] * 2,
    *[(OTHER_USER, OTHER_DEVICE, ALBUM, None)] * 3,
]

# --- what the maintainer writes by hand ------------------------------------------------

# Into state.py's schema: the new records, each of a device (and so of its user).
TABLE = """CREATE TABLE IF NOT EXISTS backup_records (
    ref INTEGER PRIMARY KEY AUTOINCREMENT, -- the record's id and place: never reused
    device_ref INTEGER NOT NULL REFERENCES devices(ref),
    module_code TEXT NOT NULL,
    status INTEGER NOT NULL,
    properties TEXT,
    create_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS backup_records_of_module ON backup_records(module_code, ref);
"""

BACKEND_METHODS = '''
    def add_backup_record(
        self, user_id: str, device_id: str, module_code: str, properties: str | None = None
    ) -> str:
        """A new backup record (status 0, new) of the user's device `device_id`: its id."""
        with self._transaction() as db:
            (device_ref,) = db.execute(
                "SELECT ref FROM devices WHERE user_ref = ? AND device_id = ?",
                (self._user_refs.get(user_id), device_id),
            ).fetchone()
            cursor = db.execute(
                "INSERT INTO backup_records VALUES (NULL, ?, ?, 0, ?, ?)",
                (device_ref, module_code, properties, _ms(_now())),
            )
            return str(cursor.lastrowid)

    def find_backup_records(
        self, user_id: str, *, module_code: str, device_id: str | None, after: int, limit: int
    ) -> Slice[dict[str, object]]:
        """Up to `limit` of the user's records of a module (of one device if named) after
        position `after`, oldest first, whether more follow, and how many match in all."""
        from koodrive_emulator.models import format_timestamp

        where = "d.user_ref = ? AND r.module_code = ? AND coalesce(?, d.device_id) = d.device_id"
        arguments = (self._user_refs.get(user_id), module_code, device_id)
        joined = f"FROM backup_records r JOIN devices d ON d.ref = r.device_ref WHERE {where}"
        with self._lock:
            (total,) = self._db.execute(f"SELECT count(*) {joined}", arguments).fetchone()
            rows = self._db.execute(
                "SELECT r.ref, r.status, r.properties, r.create_ms, d.device_id, d.machine_code, "
                f"d.device_os, d.device_name, d.create_ms, d.extra {joined} AND r.ref > ? "
                "ORDER BY r.ref LIMIT ?",
                (*arguments, after, limit + 1),
            ).fetchall()
        records = [
            (
                ref,
                {"recordId": str(ref), "moduleCode": module_code, "status": status}
                | ({} if properties is None else {"properties": properties})
                | {"createTime": format_timestamp(_time(created))}
                | {"deviceInfo": _device(device).to_json()},
            )
            for ref, status, properties, created, *device in rows[:limit]
        ]
        return Slice(records, has_more=len(rows) > limit, total=total)
'''

HANDLER = """

@handles("listBackupRecord")
def list_backup_record(call: OperationCall) -> Outcome:
    device_id = call.values.get("deviceId")

    def find(after: int, limit: int) -> Slice[dict[str, object]]:
        return call.context.backend.find_backup_records(
            call.user_id,
            module_code=call.value("moduleCode", str),
            device_id=None if device_id is None else str(device_id),
            after=after,
            limit=limit,
        )

    return call.page(find, dict)
"""

# The fixtures, on top of the emulator's default data: a group with the new optional field
# (memberCount), and enough groups to show listUserGroups' new page size limit.
FIXTURES = f"""
users:
  - id: "{USER}"
    groups:
      - {{id: "{GROUP}", groupName: Proof team, sourceType: 0, memberCount: 12}}
    synthetic: {{groups: 400, seed: 7}}
"""


def change_spec(spec: dict[str, Any]) -> None:
    """The spec change: a new operation (listBackupRecord: cursor-paged, a required query
    parameter that partitions, a filter), an optional field on UserGroupInfo, and
    listUserGroups' page size maximum raised to 200."""
    schemas = spec["components"]["schemas"]
    schemas["UserGroupInfo"]["properties"]["memberCount"] = {
        "type": "integer",
        "minimum": 0,
        "description": "How many users the group has.",
    }
    schemas["BackupModule"] = {
        "type": "string",
        "enum": ["100", "101", "102"],
        "x-enum-varnames": ["FOLDER", "ALBUM", "ADDRESS_BOOK"],
        "description": "What is backed up: `100` folders, `101` the album, `102` contacts.",
    }
    schemas["BackupStatus"] = {
        "type": "integer",
        "enum": [0, 1, 2],
        "x-enum-varnames": ["NEW", "COMPLETE", "PENDING_DELETION"],
    }
    schemas["BackupRecord"] = {
        "type": "object",
        "required": ["recordId", "moduleCode", "status", "createTime", "deviceInfo"],
        "properties": {
            "recordId": {"type": "string", "pattern": "^[0-9]+$"},
            "moduleCode": {"$ref": "#/components/schemas/BackupModule"},
            "status": {"$ref": "#/components/schemas/BackupStatus"},
            "properties": {"type": "string", "description": "JSON text the backup stored."},
            "createTime": {"$ref": "#/components/schemas/Timestamp"},
            "deviceInfo": {"$ref": "#/components/schemas/BoundDeviceEntity"},
        },
    }
    schemas["ListBackupRecordResponse"] = {
        "type": "object",
        "required": ["code", "msg", "recordList", "total"],
        "properties": {
            "code": {"$ref": "#/components/schemas/ResultCode"},
            "msg": {"type": "string"},
            "nextCursor": {"type": "string", "minLength": 1},
            "recordList": {"type": "array", "items": {"$ref": "#/components/schemas/BackupRecord"}},
            "total": {"type": "integer", "minimum": 0},
        },
    }
    groups = spec["paths"]["/koodrive/ose/v1/usergroups"]["get"]
    for parameter in groups["parameters"]:
        if parameter.get("name") == "pageSize":
            parameter["schema"]["maximum"] = 200
    devices = spec["paths"]["/koodrive/ose/v1/backup/device"]["get"]
    errors = {
        status: response
        for status, response in devices["responses"].items()
        if status != "200"  # the same refusals as listBoundDevices, its sibling
    }
    spec["paths"][RECORDS_PATH] = {
        "get": {
            "operationId": "listBackupRecord",
            "tags": ["Devices"],
            "x-koodrive-sdk": {"resource": "backup_records", "method": "list"},
            "x-koodrive-behaviour": {
                "items": "recordList",
                "item-key": "recordId",
                "exclusive-owner": True,
                "record-times": {"created": "createTime"},
                "paging": {
                    "cursor": "cursor",
                    "first-cursor": "",
                    "next-cursor": "nextCursor",
                    "total": "total",
                    "page-size": "pageSize",
                    "bound-to": ["moduleCode", "deviceId"],
                },
                "filters": {
                    "moduleCode": {"match": "partitions"},
                    "deviceId": {"match": "partitions"},
                },
            },
            "summary": "List the user's backup records of a module",
            "description": "Cursor-paged: `cursor` absent or empty for the first page.",
            "security": devices["security"],  # X-User-Id and X-Date, as the family's
            "parameters": [
                {
                    "name": "moduleCode",
                    "in": "query",
                    "required": True,
                    "schema": {"$ref": "#/components/schemas/BackupModule"},
                    "example": ALBUM,
                },
                {
                    "name": "pageSize",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 1000},
                },
                {
                    "name": "deviceId",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "pattern": "^[0-9]{1,32}$"},
                    "example": TABLET,
                },
                {"$ref": "#/components/parameters/TraceId"},
                {"$ref": "#/components/parameters/Language"},
            ],
            "responses": {
                "200": {
                    "description": "One page of the user's backup records.",
                    "headers": {"X-Traceid": {"$ref": "#/components/headers/TraceId"}},
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ListBackupRecordResponse"}
                        }
                    },
                },
                **errors,
            },
        },
    }
