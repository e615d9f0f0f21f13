"""Tracker parameters of the lighter dctrack (train setting ``fast``: separable head, local attention)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams


def parameters() -> TrackerParams:
    """The default post-processing on the fast network."""
    return TrackerParams(train_setting="fast")
