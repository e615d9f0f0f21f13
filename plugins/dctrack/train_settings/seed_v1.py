"""The first dctrack experiment (the seed), reproduced on the current code: ground-truth box-mask prior,
plain concat + 1x1 conversion layer on both paths, negatives train only the correspondence, no noise."""
from __future__ import annotations

from ltr.config import TrainConfig
from ltr.data.config import NoiseConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """The seed's train config: the default with every later improvement switched off."""
    cfg = _base.default_config(__doc__)
    # Changes vs default: box prior, no noise and no prior dropout (all sigmas / probabilities 0),
    # fusion = concat + conversion layer (no confidence, coordinates or SE gate) on cls and reg,
    # negative pairs train only the correspondence losses, no colorization loss.
    _base.set_prior_kind(cfg, "box")
    cfg.data.noise = NoiseConfig.exact(cfg.data.noise.context)
    cfg.model.fusion.placement = "both"
    cfg.model.fusion.use_confidence = False
    cfg.model.fusion.coord_channels = False
    cfg.model.fusion.se_gate = False
    cfg.loss.negatives = "corr_only"
    cfg.loss.colorization = 0.0
    return cfg
