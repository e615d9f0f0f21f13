"""dctrack's per-frame network step (``PluginSpec.frame_step``): what ``pytracking/benchmark.py`` times and counts
FLOPs of, the same work as the tracker's network call per frame without its crops and post-processing."""
from __future__ import annotations

from typing import Any

import torch
from torch import nn


class DCTrackStep:
    """``prepare(template, first_search)`` once, then ``step(search)`` per frame: the new crop's search features and
    ``track_step`` with the previous frame's cached features (no prior given, the debug-only appearance score off)."""

    def __init__(self, network: nn.Module) -> None:
        self.network = network
        self.kernels: Any = None
        self.prev: Any = None
        self.valid: torch.Tensor | None = None

    def prepare(self, template: torch.Tensor, first_search: torch.Tensor) -> None:
        """Template kernels and the first frame's feature cache."""
        self.kernels = self.network.template_kernels(template)
        self.prev = self.network.search_features(first_search)
        self.valid = torch.ones(1, device=first_search.device, dtype=first_search.dtype)

    def __call__(self, search: torch.Tensor) -> dict:
        """One frame's network work; the new features become the next frame's cache."""
        cur = self.network.search_features(search)
        out = self.network.track_step(self.kernels, cur, self.prev, None, self.valid, appearance=False)
        self.prev = cur
        return out

    def backbone(self, search: torch.Tensor) -> torch.Tensor:
        """The backbone alone on one search crop (what the conv-throughput comparison times)."""
        return self.network.backbone_features(search)


def frame_step(network: nn.Module) -> DCTrackStep:
    """The frame step of a dctrack network."""
    return DCTrackStep(network)
