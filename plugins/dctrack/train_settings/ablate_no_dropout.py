"""Ablation: the prior is never dropped during training."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: data.noise.prior_drop_prob = 0.
    cfg.data.noise.prior_drop_prob = 0.0
    return cfg
