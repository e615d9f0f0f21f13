"""Ablation: negative pairs train only the correspondence losses (the seed's choice)."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: loss.negatives = 'corr_only'.
    cfg.loss.negatives = 'corr_only'
    return cfg
