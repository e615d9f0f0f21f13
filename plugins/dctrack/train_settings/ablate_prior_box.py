"""Ablation: the prior is the box mask instead of a gaussian."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: prior kind box (data and model).
    _base.set_prior_kind(cfg, 'box')
    return cfg
