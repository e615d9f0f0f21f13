"""Tracker parameters of the recommended dctrack (train setting ``default``), SiamFC++ AlexNet post-processing."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams


def parameters() -> TrackerParams:
    """SiamFC++ GOT-10k AlexNet values (window 0.21, penalty_k 0.04, lr 0.52) with the prior on."""
    return TrackerParams(train_setting="default")
