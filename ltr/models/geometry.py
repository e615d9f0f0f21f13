"""Exact score-map and feature-grid geometry of a Siamese network, derived from its layers.

A receptive-field walk: for every convolution / pooling on the path (kernel k, stride s, padding p,
dilation d) the map size becomes ``floor((n + 2p - d(k-1) - 1) / s) + 1`` (ceil for ceil_mode pools), the
centre of output cell 0 moves by ``stride_so_far * (d(k-1)/2 - p)`` input pixels and the stride multiplies
by s. Pixel i of the crop is centred at i + 0.5 (0-based continuous convention), so the walk starts at
offset 0.5. Depth-wise correlation with Z template cells gives F - Z + 1 cells centred (Z-1)/2 cells in;
the head's convolutions are walked the same way.
"""
from __future__ import annotations

import dataclasses
import math

from torch import nn

from common.geometry import Geometry, Grid


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """Spatial arithmetic of one layer (square kernels only)."""

    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    ceil_mode: bool = False


def _square(value, name: str, module: nn.Module) -> int:
    if isinstance(value, (tuple, list)):
        if len(set(value)) != 1:
            raise ValueError(f"compute_geometry needs square {name}, got {value} in {module}")
        return int(value[0])
    return int(value)


def layer_spec(module: nn.Module) -> LayerSpec:
    """The LayerSpec of a Conv2d / MaxPool2d / AvgPool2d."""
    if not isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        raise TypeError(f"no spatial arithmetic for {type(module).__name__}")
    if isinstance(module.padding, str):
        raise ValueError(f"compute_geometry needs numeric padding, got '{module.padding}' in {module}")
    return LayerSpec(kernel=_square(module.kernel_size, "kernel", module),
                     stride=_square(module.stride, "stride", module),
                     padding=_square(module.padding, "padding", module),
                     dilation=_square(getattr(module, "dilation", 1), "dilation", module),
                     ceil_mode=bool(getattr(module, "ceil_mode", False)))


def walk(specs: list[LayerSpec], size: int, stride: float = 1.0, offset: float = 0.5) -> Grid:
    """Push a grid (size cells, cell i at offset + stride*i) through the layers; returns the output grid.

    Raises ValueError when the map vanishes (fewer than one cell) at some layer.
    """
    for i, spec in enumerate(specs):
        span = size + 2 * spec.padding - spec.dilation * (spec.kernel - 1) - 1
        if span < 0:
            raise ValueError(f"input too small: {size} cells before layer {i} ({spec}) leave none")
        size = (math.ceil(span / spec.stride) if spec.ceil_mode else span // spec.stride) + 1
        offset = offset + stride * (spec.dilation * (spec.kernel - 1) / 2.0 - spec.padding)
        stride = stride * spec.stride
    return Grid(size=int(size), stride=float(stride), offset=float(offset))


def backbone_specs(backbone: nn.Module) -> list[LayerSpec]:
    """LayerSpecs of the backbone's ``spatial_layers()``."""
    layers = getattr(backbone, "spatial_layers", None)
    if not callable(layers):
        raise TypeError(f"{type(backbone).__name__} has no spatial_layers(); compute_geometry cannot walk it")
    return [layer_spec(m) for m in layers()]


def template_grid(backbone: nn.Module, template_size: int) -> Grid:
    """Feature grid of the template crop (for padded backbones check it is centred: offset + stride*(Z-1)/2 = T/2)."""
    return walk(backbone_specs(backbone), template_size)


def receptive_field(backbone: nn.Module) -> int:
    """Receptive-field width in input pixels of one output cell of the backbone (ignoring padding)."""
    rf, jump = 1, 1
    for spec in backbone_specs(backbone):
        rf += spec.dilation * (spec.kernel - 1) * jump
        jump *= spec.stride
    return rf


def compute_geometry(backbone: nn.Module, template_size: int, search_size: int, head_convs: int = 0,
                     head_kernel: int = 3, head_padding: int = 0, template_crop: int | None = None,
                     context: float = 0.5) -> Geometry:
    """Score and search-feature grids of backbone + depth-wise xcorr + ``head_convs`` stride-1 convolutions.

    ``template_crop``: the network keeps only the central ``template_crop`` cells of the template features
    (SiamRPN++-style for padded backbones); the correlation then uses that many cells.
    """
    if template_size <= 0 or search_size < template_size:
        raise ValueError(f"need 0 < template_size <= search_size, got {template_size}, {search_size}")
    specs = backbone_specs(backbone)
    try:
        feature = walk(specs, search_size)
        template = walk(specs, template_size)
    except ValueError as exc:
        raise ValueError(f"template {template_size} / search {search_size} px too small for "
                         f"{type(backbone).__name__}: {exc}") from None
    if template_crop is not None:
        if not 1 <= template_crop <= template.size or (template.size - template_crop) % 2:
            raise ValueError(f"template_crop {template_crop} must be in [1, {template.size}] (template feature cells) "
                             f"and leave an even margin")
        margin = (template.size - template_crop) // 2
        template = Grid(size=int(template_crop), stride=template.stride,
                        offset=template.offset + template.stride * margin)
    declared = getattr(backbone, "stride", None)
    if declared is not None and float(declared) != feature.stride:
        raise ValueError(f"{type(backbone).__name__}.stride is {declared} but its layers give {feature.stride}")
    if template.size < 1 or feature.size < template.size:
        raise ValueError(f"template {template_size} px gives {template.size} feature cells and search {search_size} px "
                         f"gives {feature.size}: too small for this backbone")
    corr = Grid(size=feature.size - template.size + 1, stride=feature.stride,
                offset=feature.offset + feature.stride * (template.size - 1) / 2.0)
    head = [LayerSpec(kernel=head_kernel, padding=head_padding)] * head_convs
    try:
        score = walk(head, corr.size, corr.stride, corr.offset)
    except ValueError:
        score = None
    if score is None or score.size < 1:
        raise ValueError(f"search {search_size} / template {template_size} leave {corr.size} correlation cells, "
                         f"fewer than the {head_convs} {head_kernel}x{head_kernel} head convolutions "
                         f"(padding {head_padding}) consume")
    return Geometry(template_size=int(template_size), search_size=int(search_size), score=score,
                    feature=feature, template_feature_size=template.size, context=float(context))


def pixelwise_geometry(backbone: nn.Module, template_size: int, search_size: int, context: float = 0.5) -> Geometry:
    """Geometry of backbone + pixel-wise correlation + padded head: one score cell per search-feature cell.

    The score grid is the anchor-free point grid of such trackers: cell ``size // 2`` sits at the crop centre,
    ``offset = search_size / 2 - (size // 2) * stride`` (decoding uses it; it may differ by a pixel from the
    receptive-field centres in ``feature``, which a padded trunk puts at ``0.5 + stride * i``).
    """
    specs = backbone_specs(backbone)
    feature = walk(specs, search_size)
    template = walk(specs, template_size)
    offset = search_size / 2.0 - (feature.size // 2) * feature.stride
    score = Grid(size=feature.size, stride=feature.stride, offset=float(offset))
    return Geometry(template_size=int(template_size), search_size=int(search_size), score=score, feature=feature,
                    template_feature_size=template.size, context=float(context))
