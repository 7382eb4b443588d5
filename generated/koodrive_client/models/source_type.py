from enum import IntEnum


class SourceType(IntEnum):
    GROUP = 0
    USER_GROUP = 1

    def __str__(self) -> str:
        return str(self.value)
