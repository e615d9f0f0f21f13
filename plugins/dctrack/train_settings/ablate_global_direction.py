"""Ablation: add the global direction (attention-weighted mean target displacement, 2 channels)."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: model.global_direction = True.
    cfg.model.global_direction = True
    return cfg
