"""Ablation: no cycle-consistency self-supervision."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: loss.cycle = 0.
    cfg.loss.cycle = 0.0
    return cfg
