"""Ablation: ground-truth prior (no prior noise, no wrong-object priors); dropout kept."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: data.noise.prior_center_sigma, prior_scale_sigma, prior_wrong_object_prob = 0.
    cfg.data.noise.prior_center_sigma = 0.0
    cfg.data.noise.prior_scale_sigma = 0.0
    cfg.data.noise.prior_wrong_object_prob = 0.0
    return cfg
