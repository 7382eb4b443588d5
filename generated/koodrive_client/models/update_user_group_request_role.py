from enum import StrEnum


class UpdateUserGroupRequestRole(StrEnum):
    ADMINISTRATOR = "1"
    MEMBER = "2"

    def __str__(self) -> str:
        return str(self.value)
