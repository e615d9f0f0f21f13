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
    o = cfg.optim
    # A gentle fine-tune of a converged model on 20 short sequences: SGD at the published schedule's final rate
    # (5e-4), the trunk at a tenth of it, batch-norm statistics kept as published (16-sample batches would
    # overwrite them), no warm-up.
    o.name, o.lr, o.momentum, o.weight_decay, o.warmup_epochs = "sgd", 5e-4, 0.9, 1e-4, 0
    o.backbone_lr_mult = 0.1
    o.frozen_norm = ["backbone", "ban_head"]
    cfg.val.samples = 64
    cfg.select_by_tracking("default")        # tracking AUC on trainset/val picks the checkpoint kept as best.pth
    cfg.log.tensorboard = False
    return cfg
