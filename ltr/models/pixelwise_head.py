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

    def predict_cls(self, cls_corr: torch.Tensor) -> torch.Tensor:
        """The classification logits (B,2,H,W) alone."""
        return self.cls_pred(self.cls_pw_tower(cls_corr))

    def forward(self, zf: torch.Tensor, xf: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``predict(*correlate(zf, xf))``."""
        return self.predict(*self.correlate(zf, xf))


def _stack_1x1(convs: list[nn.Conv2d], groups: int, out_pad: int = 0) -> nn.Conv2d:
    """One grouped 1x1 conv doing what ``convs`` (same input width; group i reads input block i when ``groups`` > 1)
    do side by side; each output block zero-padded to ``out_pad`` channels when given."""
    width = max(out_pad, max(c.out_channels for c in convs))
    out_each = [width if out_pad else c.out_channels for c in convs]
    fused = nn.Conv2d(convs[0].in_channels * groups, sum(out_each), 1, groups=groups)
    weight = torch.zeros_like(fused.weight)
    bias = torch.zeros_like(fused.bias)
    start = 0
    for conv, n in zip(convs, out_each):
        weight[start:start + conv.out_channels] = conv.weight.reshape(conv.out_channels, -1, 1, 1)
        if conv.bias is not None:
            bias[start:start + conv.out_channels] = conv.bias
        start += n
    with torch.no_grad():
        fused.weight.copy_(weight)
        fused.bias.copy_(bias)
    return fused


def _stack_depthwise(convs: list[nn.Conv2d]) -> nn.Conv2d:
    """One depth-wise conv over the concatenated channels of the depth-wise ``convs``."""
    first = convs[0]
    channels = sum(c.out_channels for c in convs)
    fused = nn.Conv2d(channels, channels, first.kernel_size, first.stride, first.padding, groups=channels,
                      bias=any(c.bias is not None for c in convs))
    with torch.no_grad():
        fused.weight.copy_(torch.cat([c.weight for c in convs]))
        if fused.bias is not None:
            fused.bias.copy_(torch.cat([c.bias if c.bias is not None else c.weight.new_zeros(c.out_channels)
                                        for c in convs]))
    return fused


class FusedPixelwiseHead(nn.Module):
    """Inference form of a ``PixelwiseHead`` whose BatchNorms are folded: the classification and box branches run as
    one stack of grouped convolutions (half the operator calls, the per-call overhead being most of this small head's
    time on a CPU), and the template side of the correlation is computed once per template.

    Same API and outputs (within float rounding): ``correlate`` -> (cls_corr, reg_corr), ``predict``, ``predict_cls``.
    """

    def __init__(self, head: PixelwiseHead):
        super().__init__()
        if any(isinstance(m, nn.BatchNorm2d) for m in head.modules()):
            raise ValueError("FusedPixelwiseHead needs a head with its BatchNorms folded (ltr.models.inference)")
        branches = (head.corr_pw_cls, head.corr_pw_reg)
        self.template_cells = head.template_cells
        self.kernel_conv = _stack_1x1([b.conv_kernel[0] for b in branches], groups=1)
        self.search_conv = _stack_1x1([b.conv_search[0] for b in branches], groups=1)
        self.attention_fc1 = _stack_1x1([b.CA_layer.fc1 for b in branches], groups=2)
        self.attention_fc2 = _stack_1x1([b.CA_layer.fc2 for b in branches], groups=2)
        layers: list[nn.Module] = []
        towers = (list(head.cls_pw_tower), list(head.bbox_pw_tower))
        for i, module in enumerate(towers[0]):
            other = towers[1][i]
            if isinstance(module, nn.Conv2d) and module.groups > 1:
                layers.append(_stack_depthwise([module, other]))
            elif isinstance(module, nn.Conv2d):
                layers.append(_stack_1x1([module, other], groups=2))
            elif not isinstance(module, nn.Identity):
                layers.append(module)
        self.tower = nn.Sequential(*layers)
        self.cls_out = head.cls_pred[0].out_channels
        self.pred = _stack_1x1([head.cls_pred[0], head.bbox_pred[0]], groups=2,
                               out_pad=max(head.cls_pred[0].out_channels, head.bbox_pred[0].out_channels))
        self.cls_tower, self.cls_pred = head.cls_pw_tower, head.cls_pred   # predict_cls: the cls branch alone
        self._template: tuple = (None, None)

    def _kernel(self, template_feat: torch.Tensor) -> torch.Tensor:
        """(B*2, Z*Z, C) correlation kernels of both branches, cached for the last template tensor seen."""
        cached_for, kernel = self._template
        if cached_for is not template_feat:
            b, c = template_feat.shape[:2]
            kernel = self.kernel_conv(template_feat).reshape(b * 2, c, -1).transpose(1, 2).contiguous()
            self._template = (template_feat, kernel)
        return kernel

    def correlate(self, template_feat: torch.Tensor, search_feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """As ``PixelwiseHead.correlate``; the two maps are halves of one tensor."""
        b, c, h, w = search_feat.shape
        search = self.search_conv(search_feat).reshape(b * 2, c, h * w)
        corr = torch.bmm(self._kernel(template_feat), search).reshape(b, -1, h, w)
        gate = torch.relu(self.attention_fc1(corr.mean(dim=(2, 3), keepdim=True)))
        corr = corr * torch.sigmoid(self.attention_fc2(gate))
        return corr[:, :self.template_cells], corr[:, self.template_cells:]

    def predict(self, cls_corr: torch.Tensor, reg_corr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """As ``PixelwiseHead.predict``."""
        out = self.pred(self.tower(torch.cat([cls_corr, reg_corr], dim=1)))
        half = out.shape[1] // 2
        return out[:, :self.cls_out], torch.exp(out[:, half:])

    def predict_cls(self, cls_corr: torch.Tensor) -> torch.Tensor:
        """As ``PixelwiseHead.predict_cls`` (the classification branch alone)."""
        return self.cls_pred(self.cls_tower(cls_corr))

    def forward(self, zf: torch.Tensor, xf: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``predict(*correlate(zf, xf))``."""
        return self.predict(*self.correlate(zf, xf))
