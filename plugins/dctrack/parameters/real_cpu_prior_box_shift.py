"""real_cpu tracker on train setting 'real_cpu_prior_box', prior_mode 'shift' (the prior-dependence check)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams
from plugins.dctrack.parameters import real_cpu


def parameters() -> TrackerParams:
    """real_cpu parameters for 'real_cpu_prior_box' with prior_mode 'shift'."""
    return real_cpu.parameters("real_cpu_prior_box", "shift")
