"""`KOODRIVE_LOG=info` (or `debug`): a line per attempt on stderr, for a look at what the
SDK sends without writing any code (openai-python's `OPENAI_LOG`).

The lines go to the `koodrive.http` logger, written by a hook like any user's (`CallHooks`), so
an application that configures logging itself gets them there too, without the variable.
Credentials never appear: `info` shows method, URL, status, attempt, elapsed time, trace id
and request id; `debug` adds the headers both ways, `Authorization` masked.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Final

from .errors import ConfigurationError
from .hooks import AttemptInfo, CallHooks, redacted_headers

LOG: Final = "KOODRIVE_LOG"
LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
sdk_logger = logging.getLogger("koodrive")  # KOODRIVE_LOG sets up this one, and so all below
# The attempt lines, apart from the retry notices on "koodrive" itself: an application
# can quiet one without the other.
logger = logging.getLogger("koodrive.http")
_HANDLER_MARK = "_koodrive_log_handler"


def configure(environ: Mapping[str, str] | None) -> None:
    """Follow `KOODRIVE_LOG` of `environ` (None: `os.environ`): unset or empty leaves
    logging as the application set it up."""
    value = (os.environ if environ is None else environ).get(LOG, "").strip()
    if not value:
        return
    level = LEVELS.get(value.lower())
    if level is None:
        raise ConfigurationError(f"{LOG} must be one of {', '.join(LEVELS)}; got {value!r}")
    sdk_logger.setLevel(level)
    if not any(getattr(handler, _HANDLER_MARK, False) for handler in sdk_logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s %(name)s] %(message)s"))
        setattr(handler, _HANDLER_MARK, True)
        sdk_logger.addHandler(handler)


class LogLines(CallHooks):
    """One line per attempt at INFO; at DEBUG, the request before it leaves too."""

    def before_request(self, attempt: AttemptInfo) -> None:
        request = attempt.request
        if request is None or not logger.isEnabledFor(logging.DEBUG):
            return
        logger.debug(
            "%s attempt %d: %s %s trace id %s headers %s",
            attempt.operation_id,
            attempt.attempt,
            request.method,
            request.url,
            attempt.trace_id,
            redacted_headers(request.headers),
        )

    def after_response(self, attempt: AttemptInfo) -> None:
        if logger.isEnabledFor(logging.INFO):  # every call ends here: no line, no call
            self._line(attempt, None)

    def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
        self._line(attempt, error)

    def _line(self, attempt: AttemptInfo, error: BaseException | None) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        request = attempt.request
        status = "no response" if attempt.response is None else str(attempt.status_code)
        elapsed = "" if attempt.elapsed is None else f", {attempt.elapsed * 1000:.1f} ms"
        logger.info(
            "%s %s %s -> %s (attempt %d%s, %s, trace id %s, request id %s)%s",
            attempt.operation_id,
            request.method if request is not None else "?",
            request.url if request is not None else "?",
            status,
            attempt.attempt,
            elapsed,
            attempt.outcome.value,
            attempt.trace_id,
            attempt.request_id or "-",
            # The error's text carries status, code, message and trace id; never headers.
            "" if error is None else f": {type(error).__name__}: {error}",
        )
        if attempt.response is not None and logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s attempt %d: response headers %s",
                attempt.operation_id,
                attempt.attempt,
                redacted_headers(attempt.response.headers),
            )
