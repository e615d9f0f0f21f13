"""Fine-tune NanoTrack v2 from its published weights on GOT-10k-layout data (``got10k_dir``), a few CPU minutes.

The model config is the published network's (``ModelConfig`` defaults); training starts from
``model.init_weights`` (the published ``nanotrackv2.pth``). Point ``got10k_dir`` at the data, e.g.
``DCTRACK_GOT10K_DIR=../shared/data/trainset python ltr/run_training.py nanotrack finetune``.
"""
from __future__ import annotations

from ltr.config import TrainConfig
from ltr.data.config import DatasetEntry
from plugins.nanotrack.config import LossConfig, ModelConfig


def config() -> TrainConfig:
    """The short CPU fine-tuning run."""
    cfg = TrainConfig(description=__doc__.strip().splitlines()[0], model=ModelConfig(), loss=LossConfig())
    cfg.data.train = [DatasetEntry("got10k", "train")]
    cfg.data.val = [DatasetEntry("got10k", "val")]
    cfg.data.num_workers = 1
    cfg.data.sampler.neg_ratio = 0.2
    cfg.epochs = 2
    cfg.samples_per_epoch = 512
    cfg.batch_size = 16
    cfg.device = "cpu"
    cfg.optim.name = "sgd"
    cfg.optim.lr = 1e-3
    cfg.optim.backbone_lr_mult = 0.1
    cfg.optim.warmup_epochs = 0
    cfg.val.samples = 64
    cfg.log.tensorboard = False
    return cfg
