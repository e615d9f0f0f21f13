"""Debug view helpers: the tracker's own maps, the search crop, and map overlays placed by the crop geometry."""
from __future__ import annotations

import numpy as np
import torch

from common.geometry import Grid
from pytracking.debug.visdom_view import debug_maps, map_extent, overlay_map, search_crop


class _Geometry:
    score = Grid(size=5, stride=8.0, offset=20.0)
    feature = Grid(size=7, stride=8.0, offset=8.0)


def test_debug_maps_are_the_trackers_arrays():
    out = {"box": [1, 2, 3, 4], "score": 0.5, "present": True, "crops": np.zeros((8, 8, 3)), "note": "text",
           "my_map": np.ones((4, 4)), "two": torch.zeros(1, 2, 3, 3), "vector": np.ones(5), "empty": None}
    assert sorted(debug_maps(out)) == ["my_map", "two"]


def test_search_crop_forms():
    chw = torch.full((3, 6, 4), 300.0)
    assert search_crop(chw).shape == (6, 4, 3) and search_crop(chw).max() == 255
    assert search_crop({"search": np.zeros((5, 5, 3))}).shape == (5, 5, 3)
    assert search_crop({"template": np.zeros((5, 5, 3)), "other": np.zeros((5, 5, 3))}) is None
    assert search_crop(None) is None


def test_map_extent_from_the_matching_grid():
    assert map_extent(5, 64, _Geometry()) == (16.0, 56.0)  # score: centres 20..52, half a stride each side
    assert map_extent(7, 64, _Geometry()) == (4.0, 60.0)  # feature grid
    assert map_extent(9, 64, _Geometry()) == (0.0, 64.0)  # unknown: stretched
    assert map_extent(5, 64, None) == (0.0, 64.0)


def test_overlay_lands_on_the_peak_cell():
    crop = np.full((64, 64, 3), 128, np.uint8)
    heat = np.zeros((5, 5))
    heat[1, 3] = 1.0  # row 1 (from the top), column 3
    out = overlay_map(crop, heat, _Geometry())
    assert np.array_equal(out[:16], crop[:16]) and np.array_equal(out[:, 56:], crop[:, 56:])  # outside the grid
    red = out[..., 0].astype(int) - out[..., 2].astype(int)  # JET: the peak is red, the rest blue
    y, x = np.unravel_index(np.argmax(red), red.shape)
    assert abs(x - (20 + 3 * 8)) <= 4 and abs(y - (20 + 1 * 8)) <= 4
