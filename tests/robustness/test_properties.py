"""Property-based robustness checks (hypothesis): box conversions, crop/uncrop, IoU, polygons, prior warping."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from hypothesis.extra.numpy import arrays

from common import boxes as B
from common.crop import crop_snapped, crop_transform
from plugins.dctrack.correspondence import CorrespondenceModule

finite = st.floats(-5e3, 5e3, allow_nan=False, allow_infinity=False)
positive = st.floats(0.5, 2e3, allow_nan=False, allow_infinity=False)


@st.composite
def xywh(draw, n=None):
    """(N, 4) boxes with positive sizes."""
    count = draw(st.integers(1, 5)) if n is None else n
    rows = [[draw(finite), draw(finite), draw(positive), draw(positive)] for _ in range(count)]
    return np.asarray(rows, dtype=np.float64)


@given(xywh())
def test_box_conversions_round_trip(b):
    """xywh <-> xyxy, xywh <-> cxcywh and 0-based <-> 1-based round-trip (to float precision)."""
    for there, back in ((B.xywh_to_xyxy, B.xyxy_to_xywh), (B.xywh_to_cxcywh, B.cxcywh_to_xywh),
                        (B.to_one_based, B.from_one_based)):
        np.testing.assert_allclose(back(there(b)), b, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(back(there(b[0])), b[0], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(B.box_center(b), B.xywh_to_cxcywh(b)[:, :2])


@given(xywh(), finite, finite, positive, st.integers(8, 512))
def test_crop_then_uncrop_is_the_identity_on_boxes(b, cx, cy, side, out_size):
    """box_from_crop(box_to_crop(b)) == b for the exact crop transform and the snapped crop's transform."""
    t = crop_transform((cx, cy), side, out_size)
    np.testing.assert_allclose(t.box_from_crop(t.box_to_crop(b)), b, rtol=1e-9, atol=1e-6)
    image = np.zeros((24, 32, 3), np.uint8)
    _, snapped = crop_snapped(image, (cx / 100, cy / 100), max(side / 100, 1.0), min(out_size, 32))
    np.testing.assert_allclose(snapped.box_from_crop(snapped.box_to_crop(b)), b, rtol=1e-9, atol=1e-6)


@given(xywh(n=3), xywh(n=3))
def test_iou_lies_in_unit_interval_and_is_symmetric(a, b):
    """IoU is in [0, 1], symmetric, 1 for a box with itself, and 0 against an invalid (NaN or empty) box."""
    ab, ba = B.iou(a, b), B.iou(b, a)
    assert np.all((ab >= 0) & (ab <= 1))
    np.testing.assert_allclose(ab, ba, atol=1e-12)
    np.testing.assert_allclose(B.iou(a, a), 1.0, atol=1e-9)
    bad = a.copy()
    bad[0] = np.nan
    bad[1, 2] = 0.0
    bad[2, 3] = -3.0
    assert np.all(B.iou(bad, b) == 0.0)


@given(st.integers(3, 8).flatmap(lambda k: arrays(np.float64, (2 * k,), elements=finite)))
def test_polygon_box_contains_all_its_points(poly):
    """The box of a polygon contains every vertex, and touches the extreme ones."""
    x, y, w, h = B.polygon_to_xywh(poly)
    xs, ys = poly[0::2], poly[1::2]
    assert np.all((xs >= x) & (xs <= x + w + 1e-9)) and np.all((ys >= y) & (ys <= y + h + 1e-9))
    assert xs.min() == x and ys.min() == y


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**31 - 1), st.integers(1, 2), st.integers(2, 6), st.sampled_from([None, 0, 1, 2]),
       st.floats(0.01, 10.0))
def test_warped_prior_mass_stays_in_unit_interval(seed, batch, size, radius, scale):
    """CorrespondenceModule.warp of a random [0, 1] prior through attention on random features stays in
    [0, 1] per cell (a convex combination), and a constant prior stays constant."""
    gen = torch.Generator().manual_seed(seed)
    module = CorrespondenceModule(in_channels=3, embed_dim=4, radius=radius, hidden=8)
    cur = torch.randn(batch, 3, size, size, generator=gen) * scale
    prev = torch.randn(batch, 3, size, size, generator=gen) * scale
    prior = torch.rand(batch, 1, size, size, generator=gen)
    with torch.no_grad():
        attention = module(cur, prev)
        warped = module.warp(attention, prior)
        flat = module.warp(attention, torch.full_like(prior, 0.7))
    assert warped.shape == prior.shape and torch.isfinite(warped).all()
    assert warped.min() >= -1e-6 and warped.max() <= 1 + 1e-6
    torch.testing.assert_close(flat, torch.full_like(prior, 0.7), atol=1e-5, rtol=0)
