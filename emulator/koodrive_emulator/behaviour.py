"""Kept so that `koodrive_emulator.behaviour` goes on working: the `x-koodrive-behaviour`
extension is read by the spec layer now, `koodrive_spec.behaviour`."""

from koodrive_spec.behaviour import *  # noqa: F403
