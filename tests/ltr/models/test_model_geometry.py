"""Geometry of backbone + xcorr + head: pinned per backbone and checked by an impulse (gradient) test."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from ltr.models.backbones import build_backbone
from ltr.models.geometry import LayerSpec, compute_geometry, receptive_field, template_grid, walk
from ltr.models.head import SiamHead
from ltr.models.xcorr import depthwise_xcorr



# (backbone, template, search, head convs) -> (score size, score offset, feature size, feature offset, Z)
# alexnet at SiamFC++ sizes, by hand: 303 -> conv11/2 147 -> pool 73 -> conv5 69 -> pool 34 -> 32 -> 30 -> 28 cells,
# 127 -> 6 cells; 28 - 6 + 1 = 23 correlation cells, minus 3 unpadded 3x3 convs = 17 (SiamFC++ score_size 17).
# Cell 0 of the feature map is centred at 0.5 + 5 + 2*1 + 4*2 + 8*(1+1+1) = 43.5; the correlation adds 8*2.5 and
# the head 3*8 -> 87.5, i.e. SiamFC++'s score_offset (303-1-16*8)/2 = 87 plus the half-pixel convention.
# resnet at 121 / 257 (8k+1 sizes keep the padded grids centred): 257 -> 129 -> 65 -> 33 cells at 0.5 + 8i,
# 121 -> 16 cells; 33 - 16 + 1 = 18 - 6 = 12 cells at 0.5 + 8*7.5 + 24 = 84.5 (centre cell at 128.5 = 257/2).
# tiny at 127 / 255: 255 -> 127 -> 63 -> 31 -> 29 -> 27 at 0.5 + 1 + 2 + 4 + 8 + 8 = 23.5; 127 -> 11;
# 27 - 11 + 1 = 17 - 6 = 11 cells at 23.5 + 40 + 24 = 87.5.
PINNED = [
    ("alexnet", 127, 303, 3, (17, 87.5, 28, 43.5, 6)),
    ("alexnet", 127, 255, 0, (17, 63.5, 22, 43.5, 6)),
    ("resnet18", 121, 257, 3, (12, 84.5, 33, 0.5, 16)),
    ("resnet50", 121, 257, 3, (12, 84.5, 33, 0.5, 16)),
    ("tiny", 127, 255, 3, (11, 87.5, 27, 23.5, 11)),
    ("tiny", 63, 127, 0, (9, 31.5, 11, 23.5, 3)),
]


@pytest.mark.parametrize("name,template,search,head_convs,expected", PINNED)
def test_geometry_pinned(name, template, search, head_convs, expected):
    geo = compute_geometry(build_backbone(name), template, search, head_convs=head_convs)
    s_size, s_off, f_size, f_off, z = expected
    assert (geo.score.size, geo.score.offset, geo.score.stride) == (s_size, s_off, 8.0)
    assert (geo.feature.size, geo.feature.offset, geo.feature.stride) == (f_size, f_off, 8.0)
    assert geo.template_feature_size == z
    assert (geo.template_size, geo.search_size) == (template, search)


@pytest.mark.parametrize("name,template,search,head_convs,expected", PINNED[:3] + PINNED[4:])
def test_geometry_matches_real_forward_shapes(name, template, search, head_convs, expected):
    bb = build_backbone(name).eval()
    head = SiamHead(bb.out_channels, channels=16, num_convs=head_convs)
    geo = compute_geometry(bb, template, search, head.num_convs, head.kernel, head.padding)
    with torch.no_grad():
        fx, fz = bb(torch.zeros(1, 3, search, search)), bb(torch.zeros(1, 3, template, template))
        corr = depthwise_xcorr(fx, fz)
        cls, ctr, box = head(corr, corr)
    assert fx.shape[-1] == geo.feature.size and fz.shape[-1] == geo.template_feature_size
    assert cls.shape[-2:] == ctr.shape[-2:] == box.shape[-2:] == (geo.score.size, geo.score.size)


def _uniform_linear(model: nn.Module) -> nn.Module:
    """Make the network linear with symmetric, positive receptive fields: max-pool -> avg-pool, constant weights."""
    for module in list(model.modules()):
        for cname, child in list(module.named_children()):
            if isinstance(child, nn.MaxPool2d):
                setattr(module, cname, nn.AvgPool2d(child.kernel_size, child.stride, child.padding))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.fill_(1.0 / m.weight[0].numel())
                if m.bias is not None:
                    m.bias.zero_()
    return model.eval()


def _centroid(grad: torch.Tensor) -> tuple[float, float]:
    """Gradient-weighted mean (y, x) in 0-based continuous pixel coordinates (pixel i centred at i + 0.5)."""
    g = grad.abs().sum(dim=(0, 1)).double()
    ys = torch.arange(g.shape[0], dtype=torch.float64) + 0.5
    xs = torch.arange(g.shape[1], dtype=torch.float64) + 0.5
    return float((g.sum(1) * ys).sum() / g.sum()), float((g.sum(0) * xs).sum() / g.sum())


# sizes chosen so the tested cells' receptive fields lie inside the crop (zero padding would bias the centroid)
IMPULSE = [
    ("alexnet", 127, 303, 3, [(0, 0), (8, 8), (1, 15), (16, 5)]),
    ("tiny", 127, 255, 3, [(0, 0), (5, 5), (1, 9), (10, 3)]),
    ("resnet18", 31, 271, 0, [(15, 15), (16, 15), (15, 16)]),
]


@pytest.mark.parametrize("name,template,search,head_convs,cells", IMPULSE)
def test_score_cell_gradient_centred_at_cell_to_pixel(name, template, search, head_convs, cells):
    bb = build_backbone(name)
    geo = compute_geometry(bb, template, search, head_convs=head_convs)
    _uniform_linear(bb)
    x = torch.ones(1, 3, search, search, requires_grad=True)
    fz = torch.ones(1, bb.out_channels, geo.template_feature_size, geo.template_feature_size)
    score = depthwise_xcorr(bb(x), fz).sum(1, keepdim=True)
    for _ in range(head_convs):
        score = F.avg_pool2d(score, 3, stride=1)
    assert score.shape[-1] == geo.score.size
    half = (receptive_field(bb) + 8 * (geo.template_feature_size - 1)) / 2
    for i, j in cells:
        cy, cx = float(geo.score.cell_to_pixel(i)), float(geo.score.cell_to_pixel(j))
        if name.startswith("resnet"):  # padded backbone: the tested cell must see no padding
            assert half <= min(cy, cx) and max(cy, cx) + half <= search, "test cell touches padding"
        (grad,) = torch.autograd.grad(score[0, 0, i, j], x, retain_graph=True)
        gy, gx = _centroid(grad)
        assert gy == pytest.approx(cy, abs=0.05) and gx == pytest.approx(cx, abs=0.05), (i, j)


def test_walk_layer_arithmetic():
    grid = walk([LayerSpec(kernel=3, stride=2, padding=1), LayerSpec(kernel=3, dilation=2, padding=2)], 10)
    assert (grid.size, grid.stride, grid.offset) == (5, 2.0, 0.5)
    ceil = walk([LayerSpec(kernel=3, stride=2, ceil_mode=True)], 10)
    assert ceil.size == 5 and walk([LayerSpec(kernel=3, stride=2)], 10).size == 4


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2)),
                min_size=1, max_size=4), st.integers(20, 48))
def test_walk_size_equals_real_conv_output(layers, size):
    specs = [LayerSpec(kernel=k, stride=s, padding=min(p, k // 2), dilation=d) for k, s, p, d in layers]
    convs = nn.Sequential(*[nn.Conv2d(1, 1, sp.kernel, sp.stride, sp.padding, sp.dilation) for sp in specs])
    try:
        expected = walk(specs, size).size
    except ValueError:
        with pytest.raises(RuntimeError):
            convs(torch.zeros(1, 1, size, size))
        return
    with torch.no_grad():
        assert convs(torch.zeros(1, 1, size, size)).shape[-1] == expected


def test_template_crop_and_template_grid():
    bb = build_backbone("resnet18")
    assert template_grid(bb, 121).offset + 8 * 7.5 == 121 / 2  # centred template grid
    geo = compute_geometry(bb, 121, 257, head_convs=0, template_crop=8)
    assert geo.template_feature_size == 8 and geo.score.size == 33 - 8 + 1
    with pytest.raises(ValueError, match="template_crop"):
        compute_geometry(bb, 121, 257, template_crop=40)


def test_too_small_sizes_raise():
    with pytest.raises(ValueError, match="head"):
        compute_geometry(build_backbone("alexnet"), 127, 143, head_convs=3)
    with pytest.raises(ValueError):
        compute_geometry(build_backbone("tiny"), 127, 100)
    with pytest.raises(ValueError, match="too small"):
        compute_geometry(build_backbone("alexnet"), 40, 60)


@pytest.mark.parametrize("name,sizes", [("alexnet", [127, 255, 303]), ("tiny", [63, 127, 255]), ("resnet18", [121, 257])])
def test_documented_sizes_give_centred_grids(name, sizes):
    bb = build_backbone(name)
    for size in sizes:
        grid = template_grid(bb, size)
        assert grid.offset + grid.stride * (grid.size - 1) / 2 == size / 2
    assert template_grid(build_backbone("resnet18"), 127).offset + 8 * 7.5 == 60.5  # 127 is 3 px off-centre
