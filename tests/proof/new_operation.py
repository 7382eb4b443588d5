"""What a maintainer writes to add an operation: the spec change, a backend method and a
handler (and the fixtures the proof seeds).

`test_a_new_operation.py` copies the project, makes the spec change (`change_spec`), pastes
the two hand-written pieces below into the copy (`BACKEND_METHOD` into state.py, `HANDLER`
into handlers.py), regenerates, and runs `driver.py` inside the copy: the copy's own SDK,
emulator and contract suite, as its users would run them.
"""

from __future__ import annotations

from typing import Any

GROUP = "1430000000000000001"  # the group the fixtures give members
USER = "1395476983395324033"  # the development user (Credentials.development)
# Eleven other users join it: twelve members, enough for listings of several pages.
MEMBERS = [f"13954769833953240{40 + index}" for index in range(11)]
MEMBERS_PATH = "/koodrive/ose/v1/usergroups/{groupId}/members"

# --- what the maintainer writes by hand ------------------------------------------------

BACKEND_METHOD = '''
    def find_members(
        self, user_id: str, *, group_id: str, role: str | None, after: int, limit: int
    ) -> Slice[dict[str, str]]:
        """The members of a group `user_id` joins (none when it joins no such group): every
        user who has the group, in the order users were added; its owner has role owner."""
        with self._lock:
            viewer = self._users.get(user_id)
            if viewer is None or group_id not in viewer.group_ids:
                return Slice([], has_more=False, total=0)
            owner = next(
                e.group.owner_id
                for groups in viewer.groups.values()
                for e in groups.entries
                if e.group.id == group_id
            )
            members = [
                (position, {"userId": uid, "role": "owner" if uid == owner else "member"})
                for position, (uid, state) in enumerate(self._users.items(), 1)
                if group_id in state.group_ids
            ]
        matching = [m for m in members if role is None or m[1]["role"] == role]
        later = [m for m in matching if m[0] > after]
        return Slice(later[:limit], has_more=len(later) > limit, total=len(matching))
'''

HANDLER = """

@handles("listGroupMembers")
def list_group_members(call: OperationCall) -> Outcome:
    role = call.values.get("role")

    def find(after: int, limit: int) -> Slice[dict[str, str]]:
        return call.context.backend.find_members(
            call.user_id,
            group_id=str(call.values["groupId"]),
            role=None if role is None else str(role),
            after=after,
            limit=limit,
        )

    return call.page(find, dict)
"""

FIXTURES = f"""
users:
  - id: "{USER}"
    devices:
      - {{deviceId: "1775406005920779393", deviceName: Magic v3}}
    groups:
      - {{id: "{GROUP}", groupName: Proof team, sourceType: 0, memberCount: 12}}
      - {{id: "1430000000000000002", groupName: Family, sourceType: 1, memberCount: 2}}
      - {{id: "1430000000000000003", groupName: Design Team, sourceType: 0}}
    synthetic: {{groups: 400, seed: 7}}
""" + "".join(
    f"""  - id: "{member}"
    devices:
      - {{deviceId: "17754060059207794{index:02d}", deviceName: Tab {index}}}
    groups:
      - {{id: "{GROUP}", groupName: Proof team, sourceType: 0, ownerId: "{USER}"}}
"""
    for index, member in enumerate(MEMBERS)
)


def change_spec(spec: dict[str, Any]) -> None:
    """The spec change: a third operation (paged, a path parameter, a filter), an optional
    field on UserGroupInfo, and listUserGroups' page size maximum raised to 200."""
    schemas = spec["components"]["schemas"]
    schemas["UserGroupInfo"]["properties"]["memberCount"] = {
        "type": "integer",
        "minimum": 0,
        "description": "How many users the group has.",
    }
    schemas["MemberRole"] = {"type": "string", "enum": ["owner", "member"]}
    schemas["GroupMember"] = {
        "type": "object",
        "required": ["userId", "role"],
        "properties": {
            "userId": {"$ref": "#/components/schemas/UserId"},
            "role": {"$ref": "#/components/schemas/MemberRole"},
        },
    }
    schemas["ListGroupMembersResponse"] = {
        "type": "object",
        "required": ["code", "msg", "memberList", "total"],
        "properties": {
            "code": {"$ref": "#/components/schemas/ResultCode"},
            "msg": {"type": "string"},
            "nextCursor": {"type": "string", "minLength": 1},
            "memberList": {"type": "array", "items": {"$ref": "#/components/schemas/GroupMember"}},
            "total": {"type": "integer", "minimum": 0},
        },
    }
    groups = spec["paths"]["/koodrive/ose/v1/usergroups"]["get"]
    for parameter in groups["parameters"]:
        if parameter.get("name") == "pageSize":
            parameter["schema"]["maximum"] = 200
    errors = {
        status: response
        for status, response in groups["responses"].items()
        if status != "200"  # the same refusals as listUserGroups
    }
    spec["paths"][MEMBERS_PATH] = {
        # On the path item, as is usual for a path parameter: every operation of it shares it.
        "parameters": [
            {
                "name": "groupId",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]{1,32}$"},
                "example": GROUP,
            },
        ],
        "get": {
            "operationId": "listGroupMembers",
            "tags": ["User groups"],
            "x-koodrive-sdk": {"resource": "group_members", "method": "list"},
            "x-koodrive-behaviour": {
                "items": "memberList",
                "item-key": "userId",
                "exclusive-owner": False,
                "paging": {
                    "cursor": "pageCursor",
                    "first-cursor": "",
                    "next-cursor": "nextCursor",
                    "total": "total",
                    "page-size": "pageSize",
                    "bound-to": ["groupId", "role"],
                },
                "filters": {"role": {"match": "partitions"}},
            },
            "summary": "List the members of a user group",
            "parameters": [
                {
                    "name": "pageSize",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 50},
                },
                {
                    "name": "pageCursor",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 1024},
                },
                {
                    "name": "role",
                    "in": "query",
                    "required": False,
                    "schema": {"$ref": "#/components/schemas/MemberRole"},
                },
                {"$ref": "#/components/parameters/TraceId"},
                {"$ref": "#/components/parameters/Language"},
            ],
            "responses": {
                "200": {
                    "description": "One page of the group's members.",
                    "headers": {"X-Traceid": {"$ref": "#/components/headers/TraceId"}},
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ListGroupMembersResponse"}
                        }
                    },
                },
                **errors,
            },
        },
    }
