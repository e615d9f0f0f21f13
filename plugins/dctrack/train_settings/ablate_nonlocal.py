"""Ablation: a non-local block on the fused classification features."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base


def config() -> TrainConfig:
    """This ablation's train config: the default with the one switch below."""
    cfg = _base.default_config(__doc__)
    # Change: model.nonlocal_block = True (position after_fusion).
    cfg.model.nonlocal_block = True
    cfg.model.nonlocal_position = 'after_fusion'
    return cfg
