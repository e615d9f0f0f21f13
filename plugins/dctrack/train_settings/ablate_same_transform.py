"""Ablation: one geometric jitter shared by the previous and current crops."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: data.augment.same_transform = True.
    cfg.data.augment.same_transform = True
    return cfg
