from enum import IntEnum


class MemberRole(IntEnum):
    OWNER = 0
    ADMINISTRATOR = 1
    MEMBER = 2

    def __str__(self) -> str:
        return str(self.value)
