"""SiamFC++-like baseline on the same code path: no correspondence, no prior, no prior losses."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """SiamFC++-like baseline on the same code path."""
    cfg = _base.default_config(__doc__)
    # Change: model.corr.enabled=False (the network skips the previous crop entirely).
    cfg.model.corr.enabled = False
    return cfg
