"""The one fast crop path (common.crop.crop_from_bytes): reduced / region decoding keeps the geometry exact."""
import cv2
import numpy as np
import pytest

from common.crop import crop_from_bytes, crop_from_file, crop_snapped, crop_square, reduction_factor, crop_transform
from common.image_io import ImageReadError, decode_jpeg_bgr, jpeg_header
from ltr_data_helpers import box_image, measure_box


def _jpeg(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 100])
    assert ok
    return buf.tobytes()


BOX = (600, 280, 96, 64)
BIG = _jpeg(box_image(1280, 720, BOX))


@pytest.mark.parametrize("side,out", [(150, 300), (300, 127), (620, 127), (1100, 127), (2500, 255), (200, 200)])
def test_box_lands_where_the_transform_says(side, out):
    center = (BOX[0] + 40.3, BOX[1] + 20.7)
    crop, tf = crop_from_bytes(BIG, center, side, out)
    assert crop.shape == (out, out, 3) and crop.dtype == np.uint8
    expected = tf.box_to_crop(np.array(BOX, float))
    measured = measure_box(crop, expected)
    tol = 0.5 + 0.5 * tf.scale  # half a crop pixel plus the JPEG's own edge blur (half an image pixel)
    assert np.abs(measured - expected).max() <= tol, (measured, expected)
    # the snapped window is within half a decoded pixel of the requested one
    req = crop_transform(center, side, out)
    r = reduction_factor(req)
    assert abs(tf.origin_x - req.origin_x) <= r and abs(1 / tf.scale - 1 / req.scale) * out <= r


def test_reduction_factor_and_reduced_sizes():
    assert reduction_factor(crop_transform((0, 0), 100, 127)) == 1
    assert reduction_factor(crop_transform((0, 0), 260, 127)) == 2
    assert reduction_factor(crop_transform((0, 0), 1100, 127)) == 8
    w, h, mcu = jpeg_header(BIG)
    assert (w, h) == (1280, 720) and mcu in ((8, 8), (16, 16), (16, 8))
    for r in (1, 2, 4, 8):
        assert decode_jpeg_bgr(BIG, r).shape == (-(-720 // r), -(-1280 // r), 3)


def test_matches_crop_square_on_small_images(tmp_path):
    img = box_image(320, 240, (100, 80, 40, 60))
    path = tmp_path / "f.png"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    crop, tf = crop_from_file(path, (120.0, 110.0), 100.0, 100)   # 1:1 with integer window
    ref, tf_ref = crop_square(img, (120.0, 110.0), 100.0, 100)
    assert tf == tf_ref
    assert np.abs(crop.astype(int) - ref.astype(int)).max() <= 1


def test_padding_outside_the_image():
    img = box_image(64, 48, (10, 10, 20, 20))
    crop, tf = crop_snapped(img, (0.0, 0.0), 64.0, 64, pad_value=(1, 2, 3))
    assert (crop[:20, :20] == [1, 2, 3]).all()


def test_unreadable_bytes(tmp_path):
    with pytest.raises(ImageReadError, match="x.jpg"):
        crop_from_bytes(BIG[: len(BIG) // 2], (100, 100), 100, 127, path="x.jpg")
    with pytest.raises(ImageReadError, match="bad.jpg"):
        crop_from_bytes(b"not an image at all", (100, 100), 100, 127, path="bad.jpg")
    with pytest.raises(ImageReadError, match="no such"):
        crop_from_file(tmp_path / "missing.jpg", (1, 1), 10, 10)
