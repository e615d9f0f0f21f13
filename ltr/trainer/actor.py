"""The actor the trainer drives: ``actor(batch) -> (loss, stats)`` over a network and a plugin's loss config.

A plugin's actor subclasses ``Actor`` and implements ``__call__``; moving the network, switching train / eval
mode and unwrapping DistributedDataParallel are shared here.
"""
from __future__ import annotations

from typing import Any, Self

import torch


class Actor:
    """Holds ``network`` (possibly wrapped by the trainer in DistributedDataParallel) and ``cfg`` (loss weights)."""

    def __init__(self, network: torch.nn.Module, loss_cfg: Any):
        self.network = network
        self.cfg = loss_cfg

    @property
    def core(self) -> torch.nn.Module:
        """The network itself (unwrapped from DistributedDataParallel)."""
        return getattr(self.network, "module", self.network)

    def to(self, device: Any) -> Self:
        """Move the network to ``device``."""
        self.network.to(device)
        return self

    def train(self, mode: bool = True) -> Self:
        """Set the network's train / eval mode."""
        self.network.train(mode)
        return self

    def eval(self) -> Self:
        """Eval mode."""
        return self.train(False)

    def __call__(self, batch: dict) -> tuple[torch.Tensor, dict]:
        """Weighted total loss and a stats dict of floats."""
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(batch) -> (loss, stats)")
