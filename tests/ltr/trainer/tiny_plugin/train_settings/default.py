"""Default tiny setting: 2 epochs of 64 samples, batches of 4."""
from ltr.config import TrainConfig

from ..core import TinyModel


def config() -> TrainConfig:
    cfg = TrainConfig(model=TinyModel(), epochs=2, samples_per_epoch=64, batch_size=4, device="cpu")
    cfg.optim.lr = 0.02
    cfg.optim.warmup_epochs = 1
    cfg.val.samples = 16
    cfg.checkpoint.every_minutes = 0
    cfg.log.print_every = 4
    cfg.log.visdom_every = 2
    cfg.data.num_workers = 0
    return cfg
