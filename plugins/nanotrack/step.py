"""NanoTrack's per-frame network step (``PluginSpec.frame_step``): what ``pytracking/benchmark.py`` times."""
from __future__ import annotations

import torch
from torch import nn


class NanoTrackStep:
    """``prepare(template, first_search)`` once (template features), then ``step(search)``: trunk + head."""

    def __init__(self, network: nn.Module) -> None:
        self.network = network
        self.template_feat: torch.Tensor | None = None

    def prepare(self, template: torch.Tensor, first_search: torch.Tensor) -> None:
        """Template features (the first search crop is not needed: no state carries over frames)."""
        self.template_feat = self.network.template_features(template)

    def __call__(self, search: torch.Tensor) -> dict:
        """One frame's network work."""
        return self.network.track_step(self.template_feat, self.network.search_features(search))

    def backbone(self, search: torch.Tensor) -> torch.Tensor:
        """The trunk alone on one search crop."""
        return self.network.features(search)


def frame_step(network: nn.Module) -> NanoTrackStep:
    """The frame step of a NanoTrack network."""
    return NanoTrackStep(network)
