"""A lighter dctrack for speed: the small 'tiny' backbone, depth-wise separable head, local attention, same code path."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """The fast model's train config: the default with a lighter backbone, head and correspondence."""
    cfg = _base.default_config(__doc__)
    # Changes vs default: the 'tiny' backbone (5 unpadded 3x3 convs, 128 channels) instead of AlexNet,
    # separable head convs, 32-d embedding, local attention (radius 4 feature cells) instead of global.
    cfg.model.backbone = "tiny"
    cfg.model.head_fast = True
    cfg.model.corr.embed_dim = 32
    cfg.model.corr.radius = 4
    return cfg
