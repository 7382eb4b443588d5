from enum import IntEnum


class BatchStatus(IntEnum):
    ALL_SUCCEEDED = 0
    PARTLY_SUCCEEDED = 1
    ALL_FAILED = 2

    def __str__(self) -> str:
        return str(self.value)
