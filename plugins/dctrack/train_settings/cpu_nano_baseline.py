"""cpu_nano's control: the same fine-tuning of the NanoTrack base with the correspondence branch off (no prior)."""
from __future__ import annotations

from ltr.config import TrainConfig
from plugins.dctrack.train_settings import _base
from plugins.dctrack.train_settings.cpu_nano import cpu_nano_schedule, nano_base


def config() -> TrainConfig:
    """cpu_nano with model.corr.enabled = False."""
    cfg = nano_base(_base.default_config(__doc__))
    cfg.model.corr.enabled = False
    return cpu_nano_schedule(cfg)
