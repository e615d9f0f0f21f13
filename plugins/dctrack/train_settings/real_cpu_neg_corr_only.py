"""real_cpu recipe with the switch of train setting 'ablate_neg_corr_only'; see real_cpu for env and split."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import ablate_neg_corr_only
from plugins.dctrack.train_settings.real_cpu import apply_real_cpu


def config() -> TrainConfig:
    """ablate_neg_corr_only's switch on the real_cpu recipe."""
    cfg = ablate_neg_corr_only.config()
    cfg.description = __doc__
    return apply_real_cpu(cfg)
