"""real_cpu recipe with the switch of train setting 'seed_v1'; see real_cpu for env and split."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import seed_v1
from plugins.dctrack.train_settings.real_cpu import apply_real_cpu


def config() -> TrainConfig:
    """seed_v1's switch on the real_cpu recipe."""
    cfg = seed_v1.config()
    cfg.description = __doc__
    return apply_real_cpu(cfg)
