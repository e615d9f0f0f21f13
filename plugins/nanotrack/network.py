"""The NanoTrack v2 network: MobileNetV3-small trunk (stride 16, 48 channels) + pixel-wise correlation head.

    template (B,3,127,127) ─► backbone ─► zf (B,48,8,8) ─┐
    search   (B,3,255,255) ─► backbone ─► xf (B,48,16,16) ┴► ban_head ─► cls (B,2,16,16) logits (bg, fg),
                                                                          box (B,4,16,16) l,t,r,b search-crop px

Input: toolkit image tensors, float NCHW 0-255 **RGB**. The published weights were trained on BGR 0-255 with
no normalisation; ``to_network_input`` (the one place) swaps the channels, except in an inference copy whose
``fold_channel_swap`` reversed the stem convolution's input channels instead (the tracker's). Parameter names are those of the
published checkpoint (``backbone.features.*``, ``ban_head.*``); its ``neck.*`` tensors belong to a layer the
v2 model stores but never calls, so the network has no neck (``weights.load_published_state_dict`` drops them).
"""
from __future__ import annotations

import torch
from torch import nn

from ltr.models.backbones import build_backbone
from ltr.models.geometry import pixelwise_geometry
from ltr.models.inference import fold_channel_reversal
from ltr.models.pixelwise_head import FusedPixelwiseHead, PixelwiseHead
from plugins.nanotrack.config import ModelConfig


def to_network_input(image_rgb: torch.Tensor) -> torch.Tensor:
    """Toolkit crop (B,3,H,W float 0-255 RGB) -> what the weights expect (BGR 0-255, unnormalised)."""
    if image_rgb.dim() != 4 or image_rgb.shape[1] != 3:
        raise ValueError(f"expected B x 3 x H x W RGB crops, got shape {tuple(image_rgb.shape)}")
    return image_rgb.flip(1)


class NanoTrackNet(nn.Module):
    """Template + search crop -> (cls logits, ltrb box) on the 16x16 score grid (``geometry.score``)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.backbone = build_backbone(cfg.backbone)
        zfeat = pixelwise_geometry(self.backbone, cfg.template_size, cfg.search_size).template_feature_size
        self.ban_head = PixelwiseHead(self.backbone.out_channels, template_cells=zfeat * zfeat,
                                      channels=cfg.head_channels, num_layers=cfg.head_layers)
        self.geometry = pixelwise_geometry(self.backbone, cfg.template_size, cfg.search_size)
        self.swap_folded = False  # see fold_channel_swap

    def features(self, crop: torch.Tensor) -> torch.Tensor:
        """Crop (B,3,S,S 0-255 RGB) -> trunk features (B,48,S/16,S/16); the only backbone call site."""
        return self.backbone(crop if self.swap_folded else to_network_input(crop))

    def fold_channel_swap(self) -> None:
        """Inference copies only: reverse the stem convolution's input channels so that it takes the RGB crop as it
        is (no per-frame channel flip); the weights then differ from the published ones (do not save them)."""
        if self.swap_folded:
            return
        fold_channel_reversal(self.backbone.spatial_layers()[0])
        self.swap_folded = True

    def fuse_for_inference(self) -> None:
        """Inference copies only (``ltr.models.inference.optimize_for_inference``, BatchNorms folded): the head's two
        branches as one grouped stack, its template side computed once per template."""
        if not isinstance(self.ban_head, FusedPixelwiseHead):
            self.ban_head = FusedPixelwiseHead(self.ban_head)

    def template_features(self, template: torch.Tensor) -> torch.Tensor:
        """Template crop -> zf (B,48,8,8), computed once per sequence."""
        return self.features(template)

    def search_features(self, search: torch.Tensor) -> torch.Tensor:
        """Search crop -> xf (B,48,16,16)."""
        return self.features(search)

    def track_step(self, zf: torch.Tensor, xf: torch.Tensor) -> dict:
        """One frame from cached template features: {'cls': (B,2,S,S) logits, 'box': (B,4,S,S) ltrb px}."""
        cls, box = self.ban_head(zf, xf)
        return {"cls": cls, "box": box}

    def forward(self, batch: dict) -> dict:
        """Training forward: ``batch['template']``, ``batch['search']`` crops -> {'cls', 'box'} (see track_step)."""
        return self.track_step(self.template_features(batch["template"]), self.search_features(batch["search"]))


def build_network(model_cfg: ModelConfig) -> NanoTrackNet:
    """The plugin's network builder (``PluginSpec.build_network``); weights are loaded separately."""
    return NanoTrackNet(model_cfg)
