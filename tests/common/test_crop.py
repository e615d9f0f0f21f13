"""The crop and its transform agree with the pixels: a rendered rectangle lands where CropTransform says."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings as hsettings, strategies as st

from common.crop import context_side, crop_square, crop_transform

BACKGROUND, WHITE = 20, 235
LEVEL = (BACKGROUND + WHITE) / 2


def render(width: int, height: int, rect: tuple[int, int, int, int]) -> np.ndarray:
    """A dark RGB image with a white rectangle covering pixel columns x..x+w-1 and rows y..y+h-1."""
    image = np.full((height, width, 3), BACKGROUND, np.uint8)
    x, y, w, h = rect
    image[y:y + h, x:x + w] = WHITE
    return image


def crossings(profile: np.ndarray) -> list[float]:
    """Sub-pixel positions (pixel centres at j + 0.5) where ``profile`` crosses the mid level."""
    above = profile >= LEVEL
    out = []
    for j in np.nonzero(above[1:] != above[:-1])[0]:
        a, b = float(profile[j]), float(profile[j + 1])
        out.append(j + 0.5 + (LEVEL - a) / (b - a))
    return out


def measured_box(crop: np.ndarray, expected) -> np.ndarray:
    """The white rectangle's [x, y, w, h] measured from the crop along its middle row and column."""
    gray = crop.astype(np.float64).mean(axis=2)
    ex, ey, ew, eh = expected
    row, col = int(ey + eh / 2), int(ex + ew / 2)
    xs, ys = crossings(gray[row]), crossings(gray[:, col])
    assert len(xs) == 2 and len(ys) == 2, (xs, ys)
    return np.array([xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]])


def check_rectangle_lands(width, height, rect, center, side, out_size):
    image = render(width, height, rect)
    crop, transform = crop_square(image, center, side, out_size)
    assert crop.shape == (out_size, out_size, 3) and crop.dtype == np.uint8
    expected = transform.box_to_crop(np.array(rect, np.float64))
    measured = measured_box(crop, expected)
    x0, y0 = measured[:2]
    x1, y1 = measured[:2] + measured[2:]
    e0, e1 = expected[:2], expected[:2] + expected[2:]
    # Half a crop pixel in general (a downscaled edge is sampled, not averaged); an upscaled edge is a clean
    # linear ramp, so there it must be much closer (a half-pixel convention slip would be off by 0.5 * (scale - 1)).
    tolerance = 0.15 if transform.scale >= 1 else 0.5
    errors = np.abs([x0 - e0[0], y0 - e0[1], x1 - e1[0], y1 - e1[1]])
    assert np.all(errors <= tolerance), (measured, expected, transform.scale)
    return image, crop, transform


@pytest.mark.parametrize("center, side, out_size", [
    ((42.5, 35.0), 40.0, 80),     # upscale, inside the image
    ((45.0, 37.0), 60.0, 31),     # downscale
    ((43.3, 34.6), 37.7, 64),     # fractional centre and side
    ((30.0, 28.0), 72.0, 63),     # partly outside (left and top)
    ((60.0, 45.0), 90.0, 127),    # partly outside (right and bottom)
])
def test_rectangle_lands_where_the_transform_says(center, side, out_size):
    check_rectangle_lands(100, 80, (30, 25, 25, 20), center, side, out_size)


def test_outside_is_padded_with_the_image_mean():
    image = render(100, 80, (30, 25, 25, 20))
    crop, transform = crop_square(image, (10.0, 10.0), 80.0, 64)
    mean = image.reshape(-1, 3).mean(axis=0)
    # crop pixels whose sample lies more than one image pixel left of or above the image are pure padding
    centres = transform.point_from_crop(np.stack(np.meshgrid(np.arange(64) + 0.5, np.arange(64) + 0.5), -1))
    outside = (centres[..., 0] < -1) | (centres[..., 1] < -1)
    assert outside.sum() > 100
    assert np.all(np.abs(crop[outside].astype(float) - mean) <= 1.0)
    explicit, _ = crop_square(image, (10.0, 10.0), 80.0, 64, pad_value=(1, 2, 3))
    np.testing.assert_array_equal(explicit[outside], np.broadcast_to([1, 2, 3], explicit[outside].shape))


def test_crop_entirely_outside_is_all_padding():
    image = render(60, 40, (10, 10, 10, 10))
    crop, _ = crop_square(image, (500.0, 500.0), 30.0, 16)
    np.testing.assert_allclose(crop.reshape(-1, 3), np.broadcast_to(np.round(image.reshape(-1, 3).mean(0)), (256, 3)), atol=1)


def test_grayscale_image_is_supported():
    image = render(60, 40, (10, 10, 10, 10))[..., 0]
    crop, _ = crop_square(image, (15.0, 15.0), 20.0, 32)
    assert crop.shape == (32, 32)


@hsettings(max_examples=60, deadline=None)
@given(width=st.integers(40, 120), height=st.integers(40, 120), data=st.data())
def test_rectangle_lands_property(width, height, data):
    w = data.draw(st.integers(3, width // 3))
    h = data.draw(st.integers(3, height // 3))
    x = data.draw(st.integers(1, width - w - 1))
    y = data.draw(st.integers(1, height - h - 1))
    side = data.draw(st.floats(1.3, 3.0)) * max(w, h)
    cx = x + w / 2 + data.draw(st.floats(-0.3, 0.3)) * (side - w)
    cy = y + h / 2 + data.draw(st.floats(-0.3, 0.3)) * (side - h)
    out_size = data.draw(st.integers(24, 96))
    scale = out_size / side
    assume(min(w, h) * scale >= 4)  # at least a few crop pixels across, so the middle row/column is clean
    transform = crop_transform((cx, cy), side, out_size)
    bx, by, bw, bh = transform.box_to_crop([x, y, w, h])
    assume(min(bx, by) >= 2 and max(bx + bw, by + bh) <= out_size - 2)  # the rectangle lies inside the crop
    check_rectangle_lands(width, height, (x, y, w, h), (cx, cy), side, out_size)


finite = st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)


@given(cx=finite, cy=finite, side=st.floats(0.5, 1e4), out_size=st.integers(1, 512),
       box=st.tuples(finite, finite, st.floats(0.01, 1e4), st.floats(0.01, 1e4)))
def test_box_to_crop_then_back_is_identity(cx, cy, side, out_size, box):
    t = crop_transform((cx, cy), side, out_size)
    b = np.array(box)
    np.testing.assert_allclose(t.box_from_crop(t.box_to_crop(b)), b, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(t.point_from_crop(t.point_to_crop(b[:2])), b[:2], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(t.point_to_crop([cx, cy]), [out_size / 2] * 2, rtol=1e-9, atol=1e-6)
    # the crop square itself maps onto the whole output
    np.testing.assert_allclose(t.box_to_crop([cx - side / 2, cy - side / 2, side, side]), [0, 0, out_size, out_size],
                               rtol=1e-9, atol=1e-6)


def test_context_side_and_bad_side():
    assert context_side(10, 10, 0.5) == pytest.approx(20.0)
    assert context_side(30, 10, 0.5) == pytest.approx(math.sqrt(50 * 30))
    assert context_side(10, 10, 0.0) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="positive"):
        crop_transform((0, 0), 0.0, 10)
