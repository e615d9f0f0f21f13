"""SiamFC++ targets on a grid."""
import numpy as np
import pytest

from common.geometry import Grid
from ltr.data.targets import siamfc_targets

GRID = Grid(17, 8.0, 24.0)


def test_positive_cells_are_inside_the_box_and_ltrb_consistent():
    box = np.array([70.3, 90.1, 50.0, 33.0])
    cls, ctr, ltrb = siamfc_targets(box, GRID)
    c = GRID.centers()
    for i in range(GRID.size):          # rows: y
        for j in range(GRID.size):      # cols: x
            inside = box[0] < c[j] < box[0] + box[2] and box[1] < c[i] < box[1] + box[3]
            assert cls[i, j] == float(inside)
            l, t, r, b = ltrb[:, i, j]
            assert l == pytest.approx(c[j] - box[0]) and r == pytest.approx(box[0] + box[2] - c[j])
            assert t == pytest.approx(c[i] - box[1]) and b == pytest.approx(box[1] + box[3] - c[i])
            assert l + r == pytest.approx(box[2]) and t + b == pytest.approx(box[3])
            if inside:
                expect = np.sqrt(min(l, r) / max(l, r) * min(t, b) / max(t, b))
                assert ctr[i, j] == pytest.approx(expect, rel=1e-5)
            else:
                assert ctr[i, j] == 0
    assert cls.sum() > 0


def test_shrunk_positives_are_a_subset():
    box = [60.0, 60.0, 80.0, 64.0]
    full, _, _ = siamfc_targets(box, GRID)
    shrunk, _, _ = siamfc_targets(box, GRID, positive_shrink=0.25)
    assert shrunk.sum() < full.sum() and np.all(shrunk <= full) and shrunk.sum() > 0


def test_missing_box_gives_zeros():
    for box in (None, [np.nan] * 4, [10, 10, 0, 5]):
        cls, ctr, ltrb = siamfc_targets(box, GRID)
        assert not cls.any() and not ctr.any() and not ltrb.any()
