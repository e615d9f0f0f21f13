"""The nanotrack plugin's configuration sections: the network (``ModelConfig``), the loss weights (``LossConfig``)
and the online tracker's parameters (``TrackerParams``, see ``params.py``)."""
from __future__ import annotations

import dataclasses
from typing import Optional

from common.config import require

# The published NanoTrack v2 weights, relative to the repository root (the shared data folder beside it);
# a bare file name is also looked up under settings' pretrained_dir (see weights.resolve_weights).
PUBLISHED_WEIGHTS = "../shared/data/weights/nanotrack/nanotrackv2.pth"


@dataclasses.dataclass
class ModelConfig:
    """NanoTrack v2: MobileNetV3-small trunk (stride 16) + pixel-wise correlation head."""

    backbone: str = "mobilenetv3_small"
    template_size: int = 127
    search_size: int = 255
    head_channels: int = 96             # tower width
    head_layers: int = 6                # depth-wise separable layers per tower
    init_weights: Optional[str] = PUBLISHED_WEIGHTS  # training starts from these (published .pth or a checkpoint)

    def validate(self) -> None:
        require(self.backbone == "mobilenetv3_small", f"backbone must be mobilenetv3_small, got '{self.backbone}'")
        require(0 < self.template_size < self.search_size, "need 0 < template_size < search_size")
        require(self.head_channels >= 1 and self.head_layers >= 1, "head_channels and head_layers must be >= 1")


@dataclasses.dataclass
class LossConfig:
    """NanoTrack's losses: cross-entropy over fg / bg score cells and an IoU loss on the boxes of fg cells."""

    cls: float = 1.0
    iou: float = 1.0
    iou_kind: str = "linear"            # linear | log | giou (ltr.models.losses.iou_loss)

    def validate(self) -> None:
        require(self.cls >= 0 and self.iou >= 0, "loss weights must be >= 0")
        require(self.iou_kind in ("linear", "log", "giou"), f"iou_kind must be linear, log or giou, got '{self.iou_kind}'")
