"""Another setting with a wider network (its checkpoints do not fit 'default')."""
from ltr.config import TrainConfig

from ..core import TinyModel


def config() -> TrainConfig:
    cfg = TrainConfig(model=TinyModel(hidden=16), epochs=1, samples_per_epoch=32, batch_size=4, device="cpu")
    cfg.val.samples = 8
    cfg.data.num_workers = 0
    return cfg
