"""Tracker parameters of ``cpu_nano_baseline`` (the same as cpu_nano's, for the run without correspondence)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams
from plugins.dctrack.parameters import cpu_nano


def parameters() -> TrackerParams:
    """cpu_nano's parameters for the cpu_nano_baseline run."""
    return cpu_nano.parameters("cpu_nano_baseline")
