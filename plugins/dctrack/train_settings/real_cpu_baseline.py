"""real_cpu recipe, SiamFC++-like baseline switch (no correspondence, no prior); see real_cpu for env and split."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import baseline
from plugins.dctrack.train_settings.real_cpu import apply_real_cpu


def config() -> TrainConfig:
    """baseline's switch on the real_cpu recipe."""
    cfg = baseline.config()
    cfg.description = __doc__
    return apply_real_cpu(cfg)
