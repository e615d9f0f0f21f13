"""The recommended dctrack run (see _base.default_config)."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """The recommended dctrack run (see _base.default_config)."""
    cfg = _base.default_config(__doc__)
    # Nothing changes: noisy gaussian prior with dropout, fusion on the cls path, all losses on negatives.
    return cfg
