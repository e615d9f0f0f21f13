"""real_cpu recipe with the switch of train setting 'ablate_prior_box'; see real_cpu for env and split."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import ablate_prior_box
from plugins.dctrack.train_settings.real_cpu import apply_real_cpu


def config() -> TrainConfig:
    """ablate_prior_box's switch on the real_cpu recipe."""
    cfg = ablate_prior_box.config()
    cfg.description = __doc__
    return apply_real_cpu(cfg)
