"""Ablation: the prior is a 2-channel direction field towards the target centre."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: prior kind direction (2 prior channels).
    _base.set_prior_kind(cfg, 'direction')
    return cfg
