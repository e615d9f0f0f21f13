"""dctrack's prior maps on a grid: shapes, invalid boxes, coverage, peaks, direction fields."""
import numpy as np
import pytest

from common.geometry import Grid
from plugins.dctrack.priors import PRIOR_KINDS, prior_channels, render_prior

GRID = Grid(17, 8.0, 24.0)


@pytest.mark.parametrize("kind", PRIOR_KINDS)
def test_prior_shapes_and_invalid(kind):
    box = [80.0, 70.0, 40.0, 30.0]
    m = render_prior(kind, box, GRID)
    assert m.shape == (prior_channels(kind), 17, 17) and m.dtype == np.float32 and np.abs(m).sum() > 0
    assert not render_prior(kind, box, GRID, valid=False).any()
    assert not render_prior(kind, [np.nan] * 4, GRID).any()


def test_box_prior_coverage_and_peak_locations():
    box = [GRID.offset - 4, GRID.offset - 4, 16.0, 8.0]      # covers cells (0,0),(0,1) fully
    m = render_prior("box", box, GRID)[0]
    assert m[0, 0] == pytest.approx(1) and m[0, 1] == pytest.approx(1) and m[1, 0] == pytest.approx(0)
    half = render_prior("box", [GRID.offset, GRID.offset - 4, 8.0, 8.0], GRID)[0]
    assert half[0, 0] == pytest.approx(0.5) and half[0, 1] == pytest.approx(0.5)
    center_box = [GRID.cell_to_pixel(5) - 10, GRID.cell_to_pixel(7) - 6, 20.0, 12.0]  # centre at cell (row 7, col 5)
    for kind in ("gaussian", "score", "center"):
        m = render_prior(kind, center_box, GRID)[0]
        assert np.unravel_index(np.argmax(m), m.shape) == (7, 5)
    shifted = [GRID.cell_to_pixel(5.25) - 10, GRID.cell_to_pixel(7) - 6, 20.0, 12.0]
    c = render_prior("center", shifted, GRID)[0]
    assert c[7, 5] == pytest.approx(0.75) and c[7, 6] == pytest.approx(0.25) and c.sum() == pytest.approx(1)


def test_direction_points_to_the_centre():
    box = [GRID.cell_to_pixel(8) - 10, GRID.cell_to_pixel(8) - 10, 20.0, 20.0]
    d = render_prior("direction", box, GRID)
    assert d[0, 8, 2] > 0 and d[0, 8, 14] < 0 and d[1, 2, 8] > 0 and d[1, 14, 8] < 0
    assert d[:, 8, 8] == pytest.approx([0, 0])
    norms = np.hypot(d[0], d[1])
    assert norms.max() <= 1 + 1e-6 and norms[8, 9] > norms[8, 14]


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown prior kind"):
        prior_channels("heat")
