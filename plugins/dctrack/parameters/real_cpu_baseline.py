"""real_cpu tracker on the baseline network (train setting 'real_cpu_baseline'; no prior path)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams
from plugins.dctrack.parameters import real_cpu


def parameters() -> TrackerParams:
    """real_cpu parameters for the baseline network, prior off."""
    params = real_cpu.parameters("real_cpu_baseline")
    params.use_prior = False
    return params
