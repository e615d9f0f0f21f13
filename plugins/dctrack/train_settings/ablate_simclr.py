"""Ablation: SimCLR-style augmentation of the search crops (random resized crop keeping the target, strong colour
distortion, grayscale, blur; photometric changes drawn independently for the previous and current crop, colour
target from the undistorted crops)."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: data.augment.simclr.enabled = True.
    cfg.data.augment.simclr.enabled = True
    return cfg
