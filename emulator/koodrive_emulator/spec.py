"""Kept so that `from koodrive_emulator.spec import Spec` goes on working: the spec's reader
is the spec layer's now, `koodrive_spec`."""

from koodrive_spec.reader import Operation, Parameter, Spec, spec_bytes, spec_document

__all__ = ["Operation", "Parameter", "Spec", "spec_bytes", "spec_document"]
