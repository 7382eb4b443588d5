from enum import StrEnum


class UpdateUserGroupRequestTop(StrEnum):
    IN_ORDER = "0"
    PINNED = "1"

    def __str__(self) -> str:
        return str(self.value)
