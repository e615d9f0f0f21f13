"""Ablation: the prior marks only the target centre cell."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: prior kind center (data and model).
    _base.set_prior_kind(cfg, 'center')
    return cfg
