"""Tracker parameters of the first experiment (train setting ``seed_v1``: box-mask prior, plain fusion)."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams


def parameters() -> TrackerParams:
    """The default post-processing on the seed's network."""
    return TrackerParams(train_setting="seed_v1")
