"""common.crop.crop_window: a crop placed on whole pixels by the caller."""
from __future__ import annotations

import numpy as np
import pytest

from common.crop import crop_window


def test_window_inside_and_padded():
    image = np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3)
    crop, t = crop_window(image, 2, 1, 3, 3)
    assert np.array_equal(crop, image[1:4, 2:5]) and (t.origin_x, t.origin_y, t.scale) == (2.0, 1.0, 1.0)
    crop, t = crop_window(image, -1, -2, 4, 8, pad_value=(9, 9, 9))
    assert crop.shape == (8, 8, 3) and (crop[0, 0] == 9).all() and t.scale == 2.0
    assert np.allclose(t.point_from_crop([4.0, 4.0]), [1.0, 0.0])   # crop centre -> window centre


def test_bad_side_is_refused():
    with pytest.raises(ValueError, match="side"):
        crop_window(np.zeros((4, 4, 3), np.uint8), 0, 0, 0, 4)
