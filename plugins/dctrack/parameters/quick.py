"""Tracker parameters of the CPU demo (train setting ``quick``: tiny backbone, 63/127 crops, synthetic data)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams


def parameters() -> TrackerParams:
    """The quick network; a lower presence threshold (a briefly trained model scores lower)."""
    return TrackerParams(train_setting="quick", present_threshold=0.2, prior_reset_threshold=0.1)
