"""Box conversions, the one-based edge, polygons and IoU (examples and hypothesis properties)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from hypothesis.extra.numpy import arrays

from common import boxes as B

coord = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)
size = st.floats(0.01, 1e4, allow_nan=False, allow_infinity=False)
box = st.tuples(coord, coord, size, size).map(lambda t: np.array(t))
box_arrays = st.integers(1, 6).flatmap(lambda n: st.lists(box, min_size=n, max_size=n).map(np.stack))


def test_examples():
    b = np.array([10.0, 20.0, 30.0, 40.0])
    np.testing.assert_allclose(B.xywh_to_xyxy(b), [10, 20, 40, 60])
    np.testing.assert_allclose(B.xyxy_to_xywh([10, 20, 40, 60]), b)
    np.testing.assert_allclose(B.xywh_to_cxcywh(b), [25, 40, 30, 40])
    np.testing.assert_allclose(B.cxcywh_to_xywh([25, 40, 30, 40]), b)
    np.testing.assert_allclose(B.box_center(b), [25, 40])
    # a box covering pixel columns 0..9 is [0, 0, 10, h]; in a one-based file it starts at 1
    np.testing.assert_allclose(B.from_one_based([1, 1, 10, 5]), [0, 0, 10, 5])
    np.testing.assert_allclose(B.to_one_based([0, 0, 10, 5]), [1, 1, 10, 5])


def test_shapes_are_kept_and_input_is_not_modified():
    single = np.array([1.0, 2.0, 3.0, 4.0])
    many = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    for fn in (B.xywh_to_xyxy, B.xyxy_to_xywh, B.xywh_to_cxcywh, B.cxcywh_to_xywh, B.from_one_based, B.to_one_based):
        assert fn(single).shape == (4,) and fn(many).shape == (2, 4)
        assert fn([1, 2, 3, 4]).dtype == np.float64
    B.xywh_to_xyxy(many)
    np.testing.assert_array_equal(many, [[1, 2, 3, 4], [5, 6, 7, 8]])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"\(4,\) or \(N, 4\)"):
        B.xywh_to_xyxy([1, 2, 3])
    with pytest.raises(ValueError, match="even number"):
        B.polygon_to_xywh([1, 2, 3, 4, 5, 6, 7])
    with pytest.raises(ValueError, match="even number"):
        B.polygon_to_xywh([1, 2, 3, 4])
    with pytest.raises(ValueError, match="cannot pair"):
        B.iou(np.ones((2, 4)), np.ones((3, 4)))


def test_polygon_to_xywh_vot_example():
    # a VOT-style rotated rectangle: four corners, x1,y1,...,x4,y4
    poly = [10.0, 20.0, 30.0, 10.0, 40.0, 30.0, 20.0, 40.0]
    np.testing.assert_allclose(B.polygon_to_xywh(poly), [10, 10, 30, 30])
    np.testing.assert_allclose(B.polygon_to_xywh([poly, poly]), [[10, 10, 30, 30]] * 2)


def test_iou_examples():
    a = [0.0, 0.0, 10.0, 10.0]
    assert B.iou(a, a) == pytest.approx(1.0)
    assert B.iou(a, [5.0, 0.0, 10.0, 10.0]) == pytest.approx(50 / 150)
    assert B.iou(a, [10.0, 0.0, 10.0, 10.0]) == 0.0  # touching edges
    assert B.iou(a, [np.nan] * 4) == 0.0
    assert B.iou(a, [0.0, 0.0, 0.0, 10.0]) == 0.0
    np.testing.assert_allclose(B.iou(np.array([a, a]), np.array(a)), [1.0, 1.0])  # broadcasting one box


def test_is_valid_and_clip():
    np.testing.assert_array_equal(B.is_valid_box([[0, 0, 1, 1], [0, 0, 0, 1], [np.nan, 0, 1, 1], [0, 0, -1, 2]]),
                                  [True, False, False, False])
    np.testing.assert_allclose(B.clip_to_image([-5, 10, 20, 100], 100, 50), [0, 10, 15, 40])


@given(box_arrays)
def test_conversions_round_trip(b):
    np.testing.assert_allclose(B.xyxy_to_xywh(B.xywh_to_xyxy(b)), b, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(B.cxcywh_to_xywh(B.xywh_to_cxcywh(b)), b, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(B.from_one_based(B.to_one_based(b)), b, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(B.box_center(b), B.xywh_to_cxcywh(b)[:, :2])


@given(box_arrays, box_arrays)
def test_iou_in_unit_interval_and_symmetric(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    forward, backward = B.iou(a, b), B.iou(b, a)
    assert np.all((forward >= 0) & (forward <= 1))
    np.testing.assert_allclose(forward, backward, atol=1e-12)
    np.testing.assert_allclose(B.iou(a, a), 1.0)


@given(box, st.floats(0, 1e3), st.floats(0, 1e3))
def test_translation_beyond_the_box_gives_zero_iou(b, dx, dy):
    moved = b + np.array([b[2] + dx, 0.0, 0.0, 0.0])
    assert B.iou(b, moved) == 0.0
    moved = b + np.array([0.0, b[3] + dy, 0.0, 0.0])
    assert B.iou(b, moved) == 0.0


@hsettings(max_examples=200)
@given(st.integers(3, 8).flatmap(lambda k: arrays(np.float64, (2 * k,), elements=coord)))
def test_polygon_box_contains_all_its_points(poly):
    x, y, w, h = B.polygon_to_xywh(poly)
    xs, ys = poly[0::2], poly[1::2]
    assert w >= 0 and h >= 0
    assert np.all((xs >= x) & (xs <= x + w + 1e-9 * max(1, abs(x + w))))
    assert np.all((ys >= y) & (ys <= y + h + 1e-9 * max(1, abs(y + h))))
    assert np.isclose(xs.min(), x) and np.isclose(xs.max(), x + w) and np.isclose(ys.max(), y + h)
