"""The train config: one dataclass tree per run, built by a plugin's setting file and overridable with ``--set``.

A setting file (``plugins/<name>/train_settings/<setting>.py``) defines ``config() -> TrainConfig``
that starts from the plugin's defaults and changes what differs. ``model`` and ``loss`` are the
plugin's own dataclasses; everything else is generic.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

from common.config import require
from ltr.data.config import DataConfig


@dataclasses.dataclass
class OptimConfig:
    """Optimiser and schedule."""

    name: str = "sgd"               # sgd | adamw
    lr: float = 0.01                # per-GPU base learning rate
    momentum: float = 0.9
    weight_decay: float = 1e-4
    backbone_lr_mult: float = 0.1
    lr_mults: dict = dataclasses.field(default_factory=dict)  # {"parameter.name.prefix.": lr multiplier}; the
                                    # longest matching prefix wins over backbone_lr_mult (e.g. a pretrained head)
    warmup_epochs: int = 1
    schedule: str = "cosine"        # cosine | step | constant
    step_milestones: list = dataclasses.field(default_factory=lambda: [10, 15])
    step_gamma: float = 0.1
    min_lr_ratio: float = 0.01
    grad_clip: float = 10.0         # 0 disables
    accumulate: int = 1
    amp: str = "none"               # none | bf16 | fp16 (fp16 uses a grad scaler; CUDA only)
    unfreeze: dict = dataclasses.field(default_factory=dict)  # {"epoch": [backbone layer names]}
    freeze_backbone: bool = False
    frozen_norm: list = dataclasses.field(default_factory=list)  # module prefixes (e.g. "backbone") whose batch-norm
                                    # layers keep their running statistics while training (fine-tuning small data)
    lr0_in_clip_norm: bool = True   # parameters with lr multiplier 0 (lr_mults, backbone_lr_mult) are never updated,
                                    # but their gradients count in grad_clip's norm, so they are computed; False:
                                    # they are frozen (no gradient work) and the norm covers the trained parameters
                                    # alone (changes the clipping). Frozen anyway where that changes nothing:
                                    # grad_clip 0, or nothing with lr multiplier > 0 trainable (ltr.trainer.optim)

    def validate(self) -> None:
        require(self.name in ("sgd", "adamw"), f"name must be sgd or adamw, got '{self.name}'")
        require(self.schedule in ("cosine", "step", "constant"), f"schedule must be cosine, step or constant, got '{self.schedule}'")
        require(self.amp in ("none", "bf16", "fp16"), f"amp must be none, bf16 or fp16, got '{self.amp}'")
        require(self.lr > 0, "lr must be positive")
        require(self.accumulate >= 1, "accumulate must be >= 1")
        for prefix, mult in self.lr_mults.items():
            require(isinstance(mult, (int, float)) and mult >= 0,
                    f"lr_mults['{prefix}'] must be a number >= 0, got {mult!r}")


@dataclasses.dataclass
class CheckpointConfig:
    keep_last: int = 3
    every_epochs: int = 1
    keep_best: bool = True
    best_metric: str = "val/loss"   # lower is better unless it ends in 'auc' or 'ao'
    every_iters: int = 0            # mid-epoch checkpoint every N optimiser steps (0: off)
    every_minutes: float = 10.0     # mid-epoch checkpoint when this much time passed since the last (0: off)


@dataclasses.dataclass
class ValConfig:
    every_epochs: int = 1           # validation losses; 0 disables
    samples: int = 256
    tracking_every_epochs: int = 0  # small tracking evaluation; 0 disables
    tracking_dataset: str = "synthetic"
    tracking_param: str = "default"
    tracking_max_sequences: int = 4


@dataclasses.dataclass
class LogConfig:
    print_every: int = 10
    visdom_every: int = 20
    tensorboard: bool = True


@dataclasses.dataclass
class TrainConfig:
    """A whole training run."""

    plugin: str = ""
    setting: str = ""
    description: str = ""
    seed: int = 0
    epochs: int = 20
    samples_per_epoch: int = 20000
    batch_size: int = 32            # per GPU
    device: str = "auto"            # auto | cpu | cuda
    pretrained: Optional[str] = None  # file name under pretrained_dir for the backbone
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    model: Any = None
    loss: Any = None
    optim: OptimConfig = dataclasses.field(default_factory=OptimConfig)
    checkpoint: CheckpointConfig = dataclasses.field(default_factory=CheckpointConfig)
    val: ValConfig = dataclasses.field(default_factory=ValConfig)
    log: LogConfig = dataclasses.field(default_factory=LogConfig)

    def select_by_tracking(self, param: str, dataset: str = "got10k", max_sequences: int = 3) -> "TrainConfig":
        """Keep as ``best.pth`` the epoch whose tracking AUC (parameter file ``param``, the first ``max_sequences``
        sequences of ``dataset``'s validation split) is highest, evaluated after every epoch."""
        self.val.tracking_every_epochs = 1
        self.val.tracking_dataset = dataset
        self.val.tracking_param = param
        self.val.tracking_max_sequences = max_sequences
        self.checkpoint.best_metric = "track/auc"
        return self

    def validate(self) -> None:
        require(self.epochs >= 1, "epochs must be >= 1")
        require(self.samples_per_epoch >= 1, "samples_per_epoch must be >= 1")
        require(self.batch_size >= 1, "batch_size must be >= 1")
        require(self.device in ("auto", "cpu", "cuda"), f"device must be auto, cpu or cuda, got '{self.device}'")
