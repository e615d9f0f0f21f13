"""Tracker parameters of the SiamFC++-like baseline (train setting ``baseline``: no correspondence, no prior)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams


def parameters() -> TrackerParams:
    """The default post-processing; the network has no prior path, so use_prior has no effect."""
    return TrackerParams(train_setting="baseline", use_prior=False)
