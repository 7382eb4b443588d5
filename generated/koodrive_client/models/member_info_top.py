from enum import IntEnum


class MemberInfoTop(IntEnum):
    IN_ORDER = 0
    PINNED = 1

    def __str__(self) -> str:
        return str(self.value)
