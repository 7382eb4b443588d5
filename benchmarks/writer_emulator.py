"""`koodrive-emulator` with one more access token: the writer's, for a second user.

A token acts for one user, and the user the emulator is started for holds thousands of
seeded groups; the spec lets a user join at most 200 groups, so that user cannot create
one. The write benchmarks write as the default fixtures' second user (one group), which
the development app may sign for but no token of the command line acts for. This runs the
command's own `main` (same app, same server stack, same options) with that token added.
"""

from __future__ import annotations

import sys
from typing import Any

from koodrive_emulator import cli
from koodrive_emulator.credentials import Credentials

WRITER_USER_ID = "1395476983395324034"  # the default fixtures' second user
WRITER_TOKEN = "koodrive-bench-writer-token"  # noqa: S105 - a public benchmark token


class _WithWriter(Credentials):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.add_token(WRITER_TOKEN, WRITER_USER_ID)


def main() -> int:
    # The command builds its credentials from this module global, once, in main.
    setattr(cli, "Credentials", _WithWriter)  # noqa: B010
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
