"""real_cpu tracker on train setting 'real_cpu_gt_prior', prior_mode 'zero' (the prior-dependence check)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams
from plugins.dctrack.parameters import real_cpu


def parameters() -> TrackerParams:
    """real_cpu parameters for 'real_cpu_gt_prior' with prior_mode 'zero'."""
    return real_cpu.parameters("real_cpu_gt_prior", "zero")
