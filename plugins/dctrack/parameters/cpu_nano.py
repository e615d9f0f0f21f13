"""Tracker parameters of the NanoTrack-based recipe ``cpu_nano``: NanoTrack v2's published post-processing
(window influence, scale/ratio penalty, size learning rate) and the checkpoint selected on trainset/val."""
from __future__ import annotations

from plugins.dctrack.config import TrackerParams


def parameters(train_setting: str = "cpu_nano") -> TrackerParams:
    """cpu_nano's tracker (its variants, e.g. ``cpu_nano_baseline``, are rows of variants.py)."""
    # float32: NanoTrack's convolutions are too small for bfloat16 (AMX) to pay; it was 10 % slower (docs/speed.md)
    return TrackerParams(train_setting=train_setting, checkpoint="best", window_influence=0.462, penalty_k=0.148,
                         size_lr=0.39, precision="float32")
