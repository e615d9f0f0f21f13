"""Fuse the warped previous-frame prior into the search features; the identity at initialisation."""
from __future__ import annotations

import torch
from torch import nn


def coordinate_channels(b: int, h: int, w: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """[B,2,H,W] x and y cell coordinates scaled to [-1, 1]."""
    ys = torch.linspace(-1.0, 1.0, h, device=device, dtype=dtype) if h > 1 else torch.zeros(1, device=device, dtype=dtype)
    xs = torch.linspace(-1.0, 1.0, w, device=device, dtype=dtype) if w > 1 else torch.zeros(1, device=device, dtype=dtype)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx, gy]).unsqueeze(0).expand(b, -1, -1, -1)


class PriorFusion(nn.Module):
    """out = gate * (feat + conv1x1([feat, prior*valid, (confidence), (coords), valid])), conv and gate zero-initialised.

    At initialisation the output equals ``feat`` exactly; the network learns how much of the prior to use. With
    ``feature_input=False`` the conv sees only the prior-side channels: the residual is a map computed from the
    prior alone, so the branch cannot re-weight the appearance features by itself (an all-zero, invalid prior
    leaves them exactly as they are). With ``invalid_identity`` the residual (and the SE gate's deviation from 1) is
    multiplied by the validity: an invalid prior leaves ``feat`` exactly as it is, whatever the weights learned, so
    the tracker's prior reset falls back to the base tracker itself.
    """

    def __init__(self, feat_channels: int, prior_channels: int, use_confidence: bool = False,
                 coord_channels: bool = False, se_gate: bool = False, se_reduction: int = 8,
                 feature_input: bool = True, invalid_identity: bool = False):
        super().__init__()
        self.invalid_identity = invalid_identity
        self.use_confidence, self.coord_channels = use_confidence, coord_channels
        self.prior_channels, self.feature_input = prior_channels, feature_input
        extra = prior_channels + 1 + (1 if use_confidence else 0) + (2 if coord_channels else 0)
        self.conv = nn.Conv2d((feat_channels if feature_input else 0) + extra, feat_channels, 1)
        nn.init.zeros_(self.conv.weight)
        nn.init.zeros_(self.conv.bias)
        self.se = None
        if se_gate:
            hidden = max(feat_channels // se_reduction, 4)
            self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(self.conv.in_channels, hidden, 1),
                                    nn.ReLU(inplace=True), nn.Conv2d(hidden, feat_channels, 1))
            nn.init.zeros_(self.se[-1].weight)
            nn.init.zeros_(self.se[-1].bias)

    def forward(self, feat: torch.Tensor, prior: torch.Tensor, confidence: torch.Tensor | None = None,
                prior_valid: torch.Tensor | None = None) -> torch.Tensor:
        """feat [B,C,H,W], prior [B,P,H,W], confidence [B,1,H,W], prior_valid [B] (1 = use the prior) -> [B,C,H,W]."""
        b, _, h, w = feat.shape
        if prior.shape[0] != b or prior.shape[1] != self.prior_channels or prior.shape[-2:] != (h, w):
            raise ValueError(f"PriorFusion: prior {tuple(prior.shape)} does not fit features {tuple(feat.shape)} "
                             f"with {self.prior_channels} prior channels")
        valid = torch.ones(b, device=feat.device, dtype=feat.dtype) if prior_valid is None else prior_valid
        valid = valid.to(feat.device, feat.dtype).reshape(b, 1, 1, 1)
        parts = ([feat] if self.feature_input else []) + [prior.to(feat.dtype) * valid]
        if self.use_confidence:
            if confidence is None:
                raise ValueError("PriorFusion(use_confidence=True) needs the confidence map")
            parts.append(confidence.to(feat.dtype) * valid)
        if self.coord_channels:
            parts.append(coordinate_channels(b, h, w, feat.device, feat.dtype))
        parts.append(valid.expand(b, 1, h, w))
        x = torch.cat(parts, dim=1)
        gate = valid if self.invalid_identity else 1.0
        out = feat + self.conv(x) * gate
        if self.se is not None:
            out = out * (1.0 + torch.tanh(self.se(x)) * gate)
        return out
