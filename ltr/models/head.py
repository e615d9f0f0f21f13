"""SiamFC++-style head: classification / centerness / box-regression towers on correlation features."""
from __future__ import annotations

import math

import torch
from torch import nn

CLS_PRIOR_PROB = 0.01  # initial foreground probability of every score cell (focal-loss init, RetinaNet/FCOS)


def _tower_conv(cin: int, cout: int, kernel: int, padding: int, fast: bool) -> nn.Module:
    if not fast:
        return nn.Conv2d(cin, cout, kernel, padding=padding)
    return nn.Sequential(nn.Conv2d(cin, cin, kernel, padding=padding, groups=cin), nn.Conv2d(cin, cout, 1))


def _tower(cin: int, channels: int, num_convs: int, kernel: int, padding: int, fast: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(num_convs):
        layers += [_tower_conv(cin if i == 0 else channels, channels, kernel, padding, fast), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class SiamHead(nn.Module):
    """Towers of ``num_convs`` convs (kernel, padding) then 1x1 predictors: cls, centerness (cls tower), ltrb (reg tower).

    ltrb = act(scale * x + bias) * stride crop pixels, act = exp (SiamFC++) or relu; ``fast`` makes the tower
    convolutions depth-wise separable (same geometry, fewer FLOPs).
    """

    def __init__(self, in_channels: int, channels: int = 256, num_convs: int = 3, kernel: int = 3, padding: int = 0,
                 stride: int = 8, fast: bool = False, box_activation: str = "exp"):
        super().__init__()
        if box_activation not in ("exp", "relu"):
            raise ValueError(f"box_activation must be exp or relu, got '{box_activation}'")
        if num_convs < 0:
            raise ValueError(f"num_convs must be >= 0, got {num_convs}")
        self.num_convs, self.kernel, self.padding, self.stride = num_convs, kernel, padding, stride
        self.box_activation = box_activation
        last = channels if num_convs > 0 else in_channels
        self.cls_tower = _tower(in_channels, channels, num_convs, kernel, padding, fast)
        self.reg_tower = _tower(in_channels, channels, num_convs, kernel, padding, fast)
        self.cls_pred = nn.Conv2d(last, 1, 1)
        self.ctr_pred = nn.Conv2d(last, 1, 1)
        self.box_pred = nn.Conv2d(last, 4, 1)
        self.box_scale = nn.Parameter(torch.tensor(1.0))
        self.box_bias = nn.Parameter(torch.tensor(0.0))
        self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.01)
                nn.init.zeros_(m.bias)
        nn.init.constant_(self.cls_pred.bias, -math.log((1 - CLS_PRIOR_PROB) / CLS_PRIOR_PROB))

    def forward(self, cls_feat: torch.Tensor, reg_feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Correlation features -> (cls logits [B,1,S,S], centerness logits [B,1,S,S], ltrb px [B,4,S,S])."""
        c = self.cls_tower(cls_feat)
        r = self.reg_tower(reg_feat)
        x = self.box_scale * self.box_pred(r) + self.box_bias
        if self.box_activation == "exp":
            ltrb = torch.exp(x.clamp(max=10.0))
        else:
            ltrb = torch.relu(x)
        return self.cls_pred(c), self.ctr_pred(c), ltrb * self.stride
