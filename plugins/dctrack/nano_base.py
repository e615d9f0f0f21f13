"""dctrack on a NanoTrack v2 base: the published MobileNetV3-small trunk and pixel-wise head, with dctrack's
correspondence branch between the head's correlation and its towers.

Data flow::

    template ─► trunk ─────────────────────────────┐
    current  ─► trunk ─► pixel-wise correlation(template, current) ─► (cls_corr, reg_corr), 64 x 16 x 16
    previous ─► trunk ─┐                                                   │
                       ├► correspondence ─► warp(prior) ─► PriorFusion (zero-init) ─► cls towers ─► cls
    current trunk ─────┘                                                        reg towers ─► box

The correlation keeps the search-feature grid, so the warped prior needs no resampling. The fusion is
zero-initialised: before training the outputs equal NanoTrack's (same weights, same crops). NanoTrack takes BGR
0-255 crops; the toolkit's crops are RGB, so ``ReverseChannels`` is the network's input step (folded into the first
convolution for inference). The head has no centerness branch: ``predict`` returns ``None`` for it.
"""
from __future__ import annotations

import logging

import torch
from torch import nn

from ltr.models.backbones import build_backbone
from ltr.models.geometry import pixelwise_geometry
from ltr.models.inference import fold_channel_reversal
from ltr.models.normalize import ReverseChannels
from ltr.models.pixelwise_head import FusedPixelwiseHead, PixelwiseHead
from plugins.dctrack.config import ModelConfig
from common.checkpoint import CheckpointError, load_checkpoint
from plugins.dctrack.network import DCTrackNet
from plugins.nanotrack.weights import load_published_state_dict, resolve_weights

log = logging.getLogger(__name__)

TRUNK = "mobilenetv3_small"
HEAD_CHANNELS = 96
HEAD_LAYERS = 6


class NanoBaseNet(DCTrackNet):
    """dctrack with NanoTrack v2's trunk (``backbone``) and pixel-wise head (``ban_head``) as its base."""

    def _build_base(self, cfg: ModelConfig) -> tuple[int, int]:
        self.normalizer = ReverseChannels()
        self.backbone = build_backbone(TRUNK)
        channels = self.backbone.out_channels
        self.neck = nn.Identity()
        self.geometry = pixelwise_geometry(self.backbone, cfg.template_size, cfg.search_size, cfg.context)
        cells = self.geometry.template_feature_size ** 2
        self.ban_head = PixelwiseHead(channels, cells, HEAD_CHANNELS, HEAD_LAYERS)
        # The pixel-wise correlation keeps the search-feature grid, and the padded towers keep it too.
        self.corr_grid = self.geometry.feature
        return channels, cells

    def _check_geometry(self) -> None:
        if self.geometry.score.size != self.geometry.feature.size:
            raise ValueError(f"nanotrack base: score grid {self.geometry.score} differs from the feature grid "
                             f"{self.geometry.feature}")

    def template_kernels(self, template: torch.Tensor) -> dict:
        """Template crop (B,3,127,127 RGB 0-255) -> {'feat'}: the trunk features the head correlates with."""
        return {"feat": self.backbone_features(template)}

    def correlate(self, kernels: dict, feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pixel-wise correlation (with channel attention) of the template and search features."""
        return self.ban_head.correlate(kernels["feat"], feat)

    def predict(self, cls_in: torch.Tensor, reg_in: torch.Tensor):
        """(foreground logit Bx1xSxS, None, l/t/r/b crop px Bx4xSxS)."""
        logits, box = self.ban_head.predict(cls_in, reg_in)
        return foreground_logit(logits), None, box

    def predict_cls(self, cls_in: torch.Tensor) -> torch.Tensor:
        """The foreground logit of the classification towers alone."""
        return foreground_logit(self.ban_head.predict_cls(cls_in))

    def fuse_for_inference(self) -> None:
        """Inference copies only (``ltr.models.inference.optimize_for_inference``, BatchNorms folded): NanoTrack's
        head as one grouped stack of its two branches, its template side computed once per template."""
        if not isinstance(self.ban_head, FusedPixelwiseHead):
            self.ban_head = FusedPixelwiseHead(self.ban_head)

    def fold_input_normalization(self) -> bool:
        """Inference only: fold the RGB -> BGR swap into the trunk's first convolution (exact)."""
        first = self.backbone.spatial_layers()[0]
        if not isinstance(self.normalizer, ReverseChannels) or not isinstance(first, nn.Conv2d):
            return False
        fold_channel_reversal(first)
        self.normalizer = nn.Identity()
        return True

    def load_base_weights(self, name: str) -> None:
        """Trunk and head weights from NanoTrack's published checkpoint or a nanotrack training checkpoint."""
        path = resolve_weights(name)
        state = read_base_state_dict(path)
        missing, unexpected = self.load_state_dict(state, strict=False)
        base_missing = [k for k in missing if k.startswith(("backbone.", "ban_head."))]
        if base_missing:
            raise KeyError(f"{path}: the base weights lack {len(base_missing)} tensors, e.g. {base_missing[:3]}")
        log.info("nanotrack base weights from %s (%d tensors; %d unused)", path, len(state), len(unexpected))


def foreground_logit(logits: torch.Tensor) -> torch.Tensor:
    """Two-way (background, foreground) logits -> one logit whose sigmoid is the softmax foreground probability."""
    return logits[:, 1:2] - logits[:, 0:1]


def read_base_state_dict(path) -> dict:
    """``backbone.*`` / ``ban_head.*`` tensors of a published NanoTrack file or of a toolkit checkpoint."""
    try:
        state = load_checkpoint(path)["network"]
    except CheckpointError:
        state = load_published_state_dict(path)
    return {k: v for k, v in state.items() if k.startswith(("backbone.", "ban_head."))}
