"""Backbones by name: ``build_backbone('alexnet' | 'resnet18' | 'resnet50' | 'tiny' | 'mobilenetv3_small', pretrained_path)``.

Every backbone takes a float NCHW image (ImageNet-normalised for alexnet / resnet / tiny; ``mobilenetv3_small``
takes whatever its weights were trained on) and returns features at its ``stride`` (8; 16 for mobilenetv3_small);
it has ``out_channels``, ``stride`` and ``spatial_layers()`` (the conv/pool chain that ``compute_geometry`` walks).
"""
from __future__ import annotations

import os
from typing import Callable

from torch import nn

from ltr.models.backbones.alexnet import AlexNetBN
from ltr.models.backbones.mobilenetv3 import MobileNetV3Small
from ltr.models.backbones.pretrained import LoadReport, load_pretrained, read_state_dict
from ltr.models.backbones.resnet import resnet18, resnet50
from ltr.models.backbones.tiny import TinyNet


BACKBONES: dict[str, Callable[..., nn.Module]] = {
    "alexnet": AlexNetBN,
    "resnet18": resnet18,
    "resnet50": resnet50,
    "tiny": TinyNet,
    "mobilenetv3_small": MobileNetV3Small,
}


def build_backbone(name: str, pretrained_path: str | os.PathLike | None = None, **kw) -> nn.Module:
    """Build backbone ``name`` (keyword arguments go to its constructor) and load ``pretrained_path`` if given."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone '{name}' (known: {', '.join(sorted(BACKBONES))})")
    model = BACKBONES[name](**kw)
    if pretrained_path is not None:
        load_pretrained(model, pretrained_path)
    return model


__all__ = ["BACKBONES", "build_backbone", "load_pretrained", "read_state_dict", "LoadReport",
           "AlexNetBN", "MobileNetV3Small", "TinyNet", "resnet18", "resnet50"]
