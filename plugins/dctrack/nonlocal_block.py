"""Embedded-Gaussian non-local block (Wang et al. 2018), the identity at initialisation."""
from __future__ import annotations

import torch
from torch import nn


class NonLocalBlock(nn.Module):
    """x + W(softmax(theta(x)^T phi(x)) g(x)) with the output projection W zero-initialised."""

    def __init__(self, channels: int, inner_channels: int | None = None):
        super().__init__()
        inner = inner_channels or max(channels // 2, 1)
        self.theta = nn.Conv2d(channels, inner, 1)
        self.phi = nn.Conv2d(channels, inner, 1)
        self.g = nn.Conv2d(channels, inner, 1)
        self.out = nn.Conv2d(inner, channels, 1)
        for m in (self.theta, self.phi, self.g):
            nn.init.kaiming_normal_(m.weight)
            nn.init.zeros_(m.bias)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B,C,H,W] -> [B,C,H,W]."""
        b, _, h, w = x.shape
        q = self.theta(x).flatten(2)                       # B, I, N
        k = self.phi(x).flatten(2)
        v = self.g(x).flatten(2)
        attn = torch.softmax(torch.einsum("bin,bim->bnm", q, k), dim=-1)
        y = torch.einsum("bnm,bim->bin", attn, v).reshape(b, -1, h, w)
        return x + self.out(y)
