"""A lighter dctrack for speed: depth-wise separable 128-channel head, local attention, same code path."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """The fast model's train config: the default with a lighter head and correspondence."""
    cfg = _base.default_config(__doc__)
    # Changes vs default: corr/head channels 256 -> 128, separable head convs, 32-d embedding,
    # local attention (radius 4 feature cells) instead of global.
    cfg.model.corr_channels = 128
    cfg.model.head_channels = 128
    cfg.model.head_fast = True
    cfg.model.corr.embed_dim = 32
    cfg.model.corr.radius = 4
    return cfg
