"""Ablation: normalised x/y coordinate channels concatenated in the fusion."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: model.fusion.coord_channels = True.
    cfg.model.fusion.coord_channels = True
    return cfg
