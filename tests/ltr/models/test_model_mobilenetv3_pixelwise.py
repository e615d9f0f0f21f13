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


def _trained_looking_head(seed: int = 0) -> PixelwiseHead:
    """A small head with random weights and random BatchNorm statistics, in eval mode."""
    torch.manual_seed(seed)
    head = PixelwiseHead(in_channels=8, template_cells=16, channels=12, num_layers=2)
    for m in head.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.normal_()
            m.bias.data.normal_()
    return head.eval()


def test_fused_head_equals_the_head_it_was_built_from():
    from ltr.models.inference import fold_batchnorm
    from ltr.models.pixelwise_head import FusedPixelwiseHead

    head = _trained_looking_head()
    fused = FusedPixelwiseHead(fold_batchnorm(head)).eval()
    zf, xf = torch.randn(2, 8, 4, 4), torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        cls_corr, reg_corr = head.correlate(zf, xf)
        fused_cls, fused_reg = fused.correlate(zf, xf)
        assert torch.allclose(fused_cls, cls_corr, atol=1e-5) and torch.allclose(fused_reg, reg_corr, atol=1e-5)
        # predict takes maps that a plugin's branch changed in between, not only the correlation's own
        changed = cls_corr + torch.randn_like(cls_corr)
        for a, b in zip(fused.predict(changed, reg_corr), head.predict(changed, reg_corr)):
            assert a.shape == b.shape and torch.allclose(a, b, rtol=1e-4, atol=1e-5)
        assert torch.allclose(fused.predict_cls(changed), head.predict_cls(changed), atol=1e-5)
        # the template side is cached per template tensor: a new template gives new kernels
        zf2 = torch.randn(2, 8, 4, 4)
        assert torch.allclose(fused(zf2, xf)[0], head(zf2, xf)[0], atol=1e-5)


def test_fused_head_refuses_unfolded_batchnorm():
    from ltr.models.pixelwise_head import FusedPixelwiseHead

    with pytest.raises(ValueError, match="folded"):
        FusedPixelwiseHead(_trained_looking_head())
