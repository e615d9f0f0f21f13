"""MobileNetV3-small trunk and the pixel-wise correlation head: shapes, geometry, correlation, the split API."""
from __future__ import annotations

import pytest
import torch

from ltr.models.backbones import build_backbone
from ltr.models.geometry import compute_geometry, pixelwise_geometry
from ltr.models.pixelwise_head import PixelwiseHead, pixelwise_xcorr


def test_mobilenetv3_small_shapes_and_stride():
    net = build_backbone("mobilenetv3_small").eval()
    assert net.out_channels == 48 and net.stride == 16
    with torch.no_grad():
        assert net(torch.rand(1, 3, 127, 127)).shape == (1, 48, 8, 8)
        assert net(torch.rand(2, 3, 255, 255)).shape == (2, 48, 16, 16)


def test_mobilenetv3_block_names_follow_published_layout():
    keys = set(build_backbone("mobilenetv3_small").state_dict())
    assert "features.0.0.weight" in keys                       # stem conv
    assert "features.1.conv.3.fc.0.weight" in keys              # block 1: SE after the activation
    assert "features.2.conv.7.weight" in keys                   # block 2: no SE, projection at 7
    assert "features.8.conv.5.fc.2.bias" in keys                # block 8: SE before the activation
    assert not any(k.startswith("features.9") for k in keys)


def test_pixelwise_geometry_matches_point_grid():
    g = pixelwise_geometry(build_backbone("mobilenetv3_small"), 127, 255)
    assert (g.score.size, g.score.stride, g.template_feature_size) == (16, 16.0, 8)
    assert g.score.cell_to_pixel(8) == pytest.approx(255 / 2)   # cell size//2 at the crop centre
    assert g.feature.offset == pytest.approx(0.5)               # receptive-field centre of cell 0: pixel 0


def test_compute_geometry_walks_the_trunk():
    # depth-wise correlation of the same trunk: 16 - 8 + 1 cells
    g = compute_geometry(build_backbone("mobilenetv3_small"), 127, 255)
    assert g.score.size == 9 and g.feature.size == 16


def test_pixelwise_xcorr_equals_explicit_products():
    torch.manual_seed(0)
    x, z = torch.randn(2, 5, 4, 3), torch.randn(2, 5, 2, 2)
    out = pixelwise_xcorr(x, z)
    assert out.shape == (2, 4, 4, 3)
    expected = torch.einsum("bczw,bchv->bzwhv", z, x).reshape(2, 4, 4, 3)
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(out[1, 2, 3, 1], (z[1, :, 1, 0] * x[1, :, 3, 1]).sum(), atol=1e-5)
    with pytest.raises(ValueError, match="pixelwise_xcorr"):
        pixelwise_xcorr(x, torch.randn(2, 4, 2, 2))


def test_head_forward_is_predict_of_correlate():
    torch.manual_seed(0)
    head = PixelwiseHead(in_channels=48, template_cells=64).eval()
    zf, xf = torch.randn(1, 48, 8, 8), torch.randn(1, 48, 16, 16)
    with torch.no_grad():
        cls_corr, reg_corr = head.correlate(zf, xf)
        cls, box = head(zf, xf)
        cls2, box2 = head.predict(cls_corr, reg_corr)
    assert cls_corr.shape == reg_corr.shape == (1, 64, 16, 16)
    assert cls.shape == (1, 2, 16, 16) and box.shape == (1, 4, 16, 16)
    assert torch.equal(cls, cls2) and torch.equal(box, box2)
    assert bool((box > 0).all())
    with pytest.raises(ValueError, match="template cells"):
        head.correlate(torch.randn(1, 48, 7, 7), xf)
