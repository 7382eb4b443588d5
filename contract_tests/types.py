"""Short names for schemathesis' generic types, as the suite uses them."""

from __future__ import annotations

from typing import Any

import schemathesis

Case = schemathesis.Case[Any]
Operation = schemathesis.APIOperation[Any, Any, Any, Any]
