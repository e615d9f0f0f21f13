"""Learning-rate schedule per optimiser step: linear warm-up, then cosine, step or constant.

The factor is a pure function of the iteration, so resuming only needs the iteration count.
"""
from __future__ import annotations

import bisect
import math

import torch

from ltr.config import OptimConfig


class LRSchedule:
    """``factor(iteration)`` times each group's base learning rate (``initial_lr``)."""

    def __init__(self, cfg: OptimConfig, iters_per_epoch: int, epochs: int):
        self.iters_per_epoch = max(1, int(iters_per_epoch))
        self.total = self.iters_per_epoch * int(epochs)
        self.warmup = min(int(round(cfg.warmup_epochs * self.iters_per_epoch)), self.total)
        self.kind = cfg.schedule
        self.min_ratio = float(cfg.min_lr_ratio)
        self.milestones = sorted(int(m) * self.iters_per_epoch for m in cfg.step_milestones)
        self.gamma = float(cfg.step_gamma)

    def factor(self, iteration: int) -> float:
        """Multiplier of the base learning rate for optimiser step ``iteration`` (0-based)."""
        if iteration < self.warmup:
            return (iteration + 1) / self.warmup
        if self.kind == "constant":
            return 1.0
        if self.kind == "step":
            return self.gamma ** bisect.bisect_right(self.milestones, iteration)
        span = max(1, self.total - self.warmup)
        progress = min(1.0, (iteration - self.warmup) / span)
        return self.min_ratio + (1.0 - self.min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))

    def apply(self, optimizer: torch.optim.Optimizer, iteration: int) -> float:
        """Set every group's lr for ``iteration``; returns the factor."""
        f = self.factor(iteration)
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] * f
        return f

    def state_dict(self) -> dict:
        """What a checkpoint stores (the schedule is otherwise rebuilt from the config)."""
        return {"kind": self.kind, "warmup": self.warmup, "total": self.total}
