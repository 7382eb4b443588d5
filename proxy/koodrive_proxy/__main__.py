"""`python -m koodrive_proxy`: the `koodrive-proxy` command."""

import sys

from koodrive_proxy.cli import main

sys.exit(main())
