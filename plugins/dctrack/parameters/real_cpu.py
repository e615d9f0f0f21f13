"""Tracker parameters of the real-video CPU recipe (train setting ``real_cpu``): the last epoch's checkpoint
(no model selection on any held-out sequence), the quick network's lower presence threshold."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams


def parameters(train_setting: str = "real_cpu", prior_mode: str = "normal") -> TrackerParams:
    """real_cpu's tracker; other real_cpu* parameter files call this with their setting / prior mode."""
    return TrackerParams(train_setting=train_setting, checkpoint="latest", present_threshold=0.2,
                         prior_reset_threshold=0.1, prior_mode=prior_mode)
