"""Pixel-wise correlation head (SiamBAN-style, anchor free): correlation, channel attention, two towers, cls + box.

Data flow (``forward = predict(*correlate(zf, xf))``)::

    zf (B,C,Z,Z), xf (B,C,H,W)
      ─► corr_pw_cls / corr_pw_reg: 1x1 conv + BN on each side, pixel-wise correlation (one output channel per
         template cell: Z*Z channels, HxW cells), channel attention         ─► (cls_corr, reg_corr)
      ─► cls_pw_tower / bbox_pw_tower: depth-wise 3x3 + point-wise 1x1 + BN + ReLU6, ``num_layers`` times
      ─► cls_pred (2 channels: background / foreground logits), bbox_pred (4 channels) -> exp (l, t, r, b in crop px)

A model that adds something between correlation and towers (a plugin's extra branch, say) calls ``correlate``, changes
the correlation maps, and calls ``predict``. The score grid equals the search-feature grid (the correlation is
1x1 in space and the towers are padded). The module and parameter names (``corr_pw_cls.conv_kernel.0``,
``cls_pw_tower.4``, ...) are the ones published weights of this head use.
"""
from __future__ import annotations

import torch
from torch import nn

from ltr.models.backbones.common import init_weights


def pixelwise_xcorr(search: torch.Tensor, template: torch.Tensor) -> torch.Tensor:
    """Inner product of every search cell with every template cell: (B,C,H,W), (B,C,Z,Z) -> (B,Z*Z,H,W)."""
    if search.dim() != 4 or template.dim() != 4 or search.shape[:2] != template.shape[:2]:
        raise ValueError(f"pixelwise_xcorr needs [B,C,H,W] and [B,C,h,w] with equal B, C; got "
                         f"{tuple(search.shape)} and {tuple(template.shape)}")
    b, c, h, w = search.shape
    kernel = template.reshape(b, c, -1).transpose(1, 2)            # (B, Z*Z, C)
    return torch.matmul(kernel, search.reshape(b, c, h * w)).reshape(b, -1, h, w)


class ChannelAttention(nn.Module):
    """x * sigmoid(fc2(relu(fc1(mean over space of x)))) with 1x1 convolutions (reduction 1)."""

    def __init__(self, channels: int):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels, 1)
        self.fc2 = nn.Conv2d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Gate each channel of ``x``."""
        gate = torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean(dim=(2, 3), keepdim=True)))))
        return x * gate


def _conv_bn(channels: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(channels, channels, 1), nn.BatchNorm2d(channels))


class PixelwiseCorrelation(nn.Module):
    """1x1 conv + BN on template and search features, pixel-wise correlation, channel attention (``CA_layer``)."""

    def __init__(self, in_channels: int, template_cells: int):
        super().__init__()
        self.conv_kernel = _conv_bn(in_channels)
        self.conv_search = _conv_bn(in_channels)
        self.CA_layer = ChannelAttention(template_cells)  # noqa: N815 (the published parameter name)

    def forward(self, template: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
        """(B,C,Z,Z), (B,C,H,W) -> (B,Z*Z,H,W)."""
        return self.CA_layer(pixelwise_xcorr(self.conv_search(search), self.conv_kernel(template)))


def separable_tower(cin: int, channels: int, num_layers: int, kernel: int = 3) -> nn.Sequential:
    """``num_layers`` x [depth-wise kxk, point-wise 1x1, BN, ReLU6] (no biases; padded: the grid is kept)."""
    layers: list[nn.Module] = []
    for i in range(num_layers):
        width = cin if i == 0 else channels
        layers += [nn.Conv2d(width, width, kernel, padding=(kernel - 1) // 2, groups=width, bias=False),
                   nn.Conv2d(width, channels, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU6(inplace=True)]
    return nn.Sequential(*layers)


class PixelwiseHead(nn.Module):
    """Pixel-wise correlation head: ``correlate(zf, xf) -> (cls_corr, reg_corr)``, ``predict(...) -> (cls, box)``."""

    def __init__(self, in_channels: int = 48, template_cells: int = 64, channels: int = 96, num_layers: int = 6):
        super().__init__()
        self.template_cells = template_cells
        self.corr_pw_reg = PixelwiseCorrelation(in_channels, template_cells)
        self.corr_pw_cls = PixelwiseCorrelation(in_channels, template_cells)
        self.cls_pw_tower = separable_tower(template_cells, channels, num_layers)
        self.bbox_pw_tower = separable_tower(template_cells, channels, num_layers)
        self.cls_pred = nn.Sequential(nn.Conv2d(channels, 2, 1))
        self.bbox_pred = nn.Sequential(nn.Conv2d(channels, 4, 1))
        init_weights(self)

    def correlate(self, template_feat: torch.Tensor, search_feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Template (B,C,Z,Z) and search (B,C,H,W) features -> (cls_corr, reg_corr), each (B,Z*Z,H,W)."""
        if template_feat.shape[-2] * template_feat.shape[-1] != self.template_cells:
            raise ValueError(f"template features of {tuple(template_feat.shape[-2:])} cells; this head was built "
                             f"for {self.template_cells} template cells")
        return self.corr_pw_cls(template_feat, search_feat), self.corr_pw_reg(template_feat, search_feat)

    def predict(self, cls_corr: torch.Tensor, reg_corr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Correlation maps -> (cls logits (B,2,H,W): background, foreground; box (B,4,H,W) = exp(pred): l,t,r,b px)."""
        logits = self.cls_pred(self.cls_pw_tower(cls_corr))
        box = torch.exp(self.bbox_pred(self.bbox_pw_tower(reg_corr)))
        return logits, box

    def forward(self, zf: torch.Tensor, xf: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``predict(*correlate(zf, xf))``."""
        return self.predict(*self.correlate(zf, xf))
