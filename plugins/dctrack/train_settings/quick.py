"""CPU demo run: the 'tiny' backbone, 63 px template / 127 px search crops, synthetic data, a few minutes
on 2 CPU cores. Use it to check an installation end to end, not for benchmark numbers."""
from __future__ import annotations

from ltr.config import TrainConfig
from ltr.data.config import DatasetEntry
from plugins.dctrack.train_settings import _base


def quick_model(cfg: TrainConfig) -> TrainConfig:
    """Shrink the model to the CPU-demo size (tiny backbone, 63/127 crops, 64-channel head)."""
    m = cfg.model
    m.backbone = "tiny"
    m.template_size, m.search_size = 63, 127  # odd sizes: the centre score cell is the crop centre
    m.adapter_kernel = 1          # the tiny template features are only 3x3
    m.corr_channels = 64
    m.head_channels = 64
    m.head_num_convs = 2
    m.head_padding = 1            # keep a 9x9 score map on the 11x11 correlation
    m.corr.embed_dim = 32
    return cfg


def config() -> TrainConfig:
    """The CPU demo's train config."""
    cfg = _base.default_config(__doc__)
    # Changes vs default: tiny model (quick_model), synthetic data only, small batches and epochs, adamw.
    quick_model(cfg)
    cfg.data.train = [DatasetEntry("synthetic", "train")]
    cfg.data.val = [DatasetEntry("synthetic", "val")]
    cpu_schedule(cfg, epochs=4)   # measured: beats a stationary box clearly after 4 x 2048 samples
    return cfg


def cpu_schedule(cfg: TrainConfig, epochs: int) -> TrainConfig:
    """CPU-sized run: one data worker, 2048 samples per epoch in batches of 16, AdamW without warm-up."""
    cfg.data.num_workers = 1
    cfg.epochs = epochs
    cfg.samples_per_epoch = 2048
    cfg.batch_size = 16
    cfg.device = "cpu"
    cfg.optim.name = "adamw"
    cfg.optim.lr = 2e-3
    cfg.optim.weight_decay = 1e-4
    cfg.optim.backbone_lr_mult = 1.0
    cfg.optim.warmup_epochs = 0
    cfg.val.samples = 128
    cfg.log.tensorboard = False
    return cfg
