"""Where training numbers go (rank 0 only): the run's train.log, TensorBoard when installed, visdom curves."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Optional

from ltr.trainer.run_dir import append_log

log = logging.getLogger(__name__)


def _tensorboard_writer(run_dir: Path) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log.info("TensorBoard logging off: the tensorboard package is not installed")
        return None
    return SummaryWriter(log_dir=str(run_dir / "tensorboard"))


class Monitor:
    """Per-iteration and per-epoch scalars to TensorBoard/visdom, epoch summary lines to train.log."""

    def __init__(self, run_dir: Optional[Path], tensorboard: bool = True, visdom: Any = None):
        self.run_dir = run_dir
        self.tb = _tensorboard_writer(run_dir) if (run_dir is not None and tensorboard) else None
        self.viz = visdom if (visdom is not None and getattr(visdom, "available", False)) else None

    def iteration(self, step: int, stats: dict[str, float], lr: float) -> None:
        """Running training stats at optimiser step ``step``."""
        if self.tb is not None:
            for key, value in stats.items():
                self.tb.add_scalar(f"train_iter/{key}", value, step)
            self.tb.add_scalar("train_iter/lr", lr, step)
        if self.viz is not None:
            for key, value in stats.items():
                self.viz.line(f"train/{key}", step, {"train": value}, title=f"train {key} (per iteration)")
            self.viz.line("lr", step, {"lr": lr}, title="learning rate")

    def epoch(self, epoch: int, metrics: dict[str, float], line: str) -> None:
        """Epoch metrics (``train/...``, ``val/...``) and the summary line."""
        if self.run_dir is not None:
            append_log(self.run_dir, line)
        if self.tb is not None:
            for key, value in metrics.items():
                self.tb.add_scalar(key, value, epoch)
            self.tb.flush()
        if self.viz is not None:
            groups: dict[str, dict[str, float]] = {}
            for key, value in metrics.items():
                split, _, stat = key.partition("/")
                if stat and split in ("train", "val"):
                    groups.setdefault(stat, {})[split] = value
            for stat, ys in groups.items():
                self.viz.line(f"epoch/{stat}", epoch, ys, title=f"{stat} per epoch")

    def note(self, line: str) -> None:
        """A free line in train.log (resume, skipped steps)."""
        if self.run_dir is not None:
            append_log(self.run_dir, line)

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()
