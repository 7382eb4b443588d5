"""One OpenTelemetry span per attempt of every KooDrive call (docs/sdk.md, "Hooks").

    pip install koodrive-sdk opentelemetry-sdk
    python examples/opentelemetry_spans.py    # KOODRIVE_* variables set, e.g. for the emulator

A retried call shows as one span per attempt, each with the operation, the attempt number,
the status, the outcome and the ids a support desk asks for.
"""

from __future__ import annotations

from koodrive import AttemptInfo, CallHooks, KooDrive
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.trace import Span, Status, StatusCode


class AttemptSpans(CallHooks):
    """A client span per attempt, named after the spec's operation id."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer

    def before_request(self, attempt: AttemptInfo) -> None:
        assert attempt.request is not None
        span = self._tracer.start_span(
            attempt.operation_id,
            kind=trace.SpanKind.CLIENT,
            attributes={
                "http.request.method": attempt.request.method,
                "url.path": attempt.request.url.path,
                "koodrive.attempt": attempt.attempt,
                "koodrive.trace_id": attempt.trace_id,
            },
        )
        attempt.state["span"] = span

    def after_response(self, attempt: AttemptInfo) -> None:
        span = self._finished(attempt)
        span.set_status(Status(StatusCode.OK))
        span.end()

    def on_error(self, attempt: AttemptInfo, error: BaseException) -> None:
        span = self._finished(attempt)
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, type(error).__name__))
        span.end()

    def _finished(self, attempt: AttemptInfo) -> Span:
        span = attempt.state.pop("span")
        assert isinstance(span, Span)
        span.set_attribute("koodrive.outcome", attempt.outcome.value)
        if attempt.status_code is not None:
            span.set_attribute("http.response.status_code", attempt.status_code)
        if attempt.request_id is not None:
            span.set_attribute("koodrive.request_id", attempt.request_id)
        return span


def main() -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    tracer = provider.get_tracer("koodrive-example")
    with KooDrive(hooks=[AttemptSpans(tracer)]) as client:
        for group in client.user_groups.list(source_type=1):
            print(group.id, group.group_name)


if __name__ == "__main__":
    main()
