"""dctrack's prior maps on a network grid (numpy; shared by the dctrack processing and the online tracker).

A map has one value per cell of a ``common.geometry.Grid`` (cell i centred at crop pixel ``offset + stride*i``),
indexed ``[y, x]``. Boxes are ``[x, y, w, h]`` in the crop's pixel coordinates.

Prior kinds (``render_prior``):
- ``box``: the box filled with 1, soft at its edges (fraction of each cell's area that the box covers);
- ``gaussian``: a Gaussian at the box centre, sigma = ``GAUSSIAN_SIGMA`` * (w, h);
- ``center``: the centre point splatted bilinearly onto its (up to) four nearest cells;
- ``direction``: 2 channels, the unit vector from each cell to the box centre times a Gaussian falloff
  (sigma = ``DIRECTION_FALLOFF`` * max(w, h));
- ``score``: a peaked Gaussian (sigma = ``SCORE_SIGMA`` * (w, h), at least half a cell) standing in for the
  tracker's previous score map (the tracker passes its own map instead).
"""
from __future__ import annotations

import numpy as np

from common.geometry import Grid
from ltr.data.targets import box_ok

PRIOR_KINDS = ("box", "gaussian", "center", "direction", "score")
GAUSSIAN_SIGMA = 0.25
SCORE_SIGMA = 0.1
DIRECTION_FALLOFF = 1.0


def prior_channels(kind: str) -> int:
    """Number of channels of the prior map of ``kind``."""
    _check_kind(kind)
    return 2 if kind == "direction" else 1


def _check_kind(kind: str) -> None:
    if kind not in PRIOR_KINDS:
        raise ValueError(f"unknown prior kind '{kind}' (known: {', '.join(PRIOR_KINDS)})")


def _coverage_1d(centers: np.ndarray, stride: float, lo: float, hi: float) -> np.ndarray:
    """Fraction of each cell [c - s/2, c + s/2] covered by the interval [lo, hi]."""
    overlap = np.minimum(centers + stride / 2, hi) - np.maximum(centers - stride / 2, lo)
    return np.clip(overlap / stride, 0.0, 1.0)


def _gaussian(grid: Grid, cx: float, cy: float, sx: float, sy: float) -> np.ndarray:
    c = grid.centers()
    gx = np.exp(-0.5 * ((c - cx) / sx) ** 2)
    gy = np.exp(-0.5 * ((c - cy) / sy) ** 2)
    return np.outer(gy, gx)


def _center_splat(grid: Grid, cx: float, cy: float) -> np.ndarray:
    out = np.zeros((grid.size, grid.size), np.float64)
    fx, fy = float(grid.pixel_to_cell(cx)), float(grid.pixel_to_cell(cy))
    x0, y0 = int(np.floor(fx)), int(np.floor(fy))
    ax, ay = fx - x0, fy - y0
    for dy, wy in ((0, 1 - ay), (1, ay)):
        for dx, wx in ((0, 1 - ax), (1, ax)):
            i, j = y0 + dy, x0 + dx
            if 0 <= i < grid.size and 0 <= j < grid.size:
                out[i, j] += wy * wx
    return out


def _direction(grid: Grid, cx: float, cy: float, w: float, h: float) -> np.ndarray:
    c = grid.centers()
    dx = cx - c[None, :].repeat(grid.size, 0)
    dy = cy - c[:, None].repeat(grid.size, 1)
    dist = np.hypot(dx, dy)
    falloff = np.exp(-0.5 * (dist / (DIRECTION_FALLOFF * max(w, h))) ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ux = np.where(dist > 1e-9, dx / dist, 0.0)
        uy = np.where(dist > 1e-9, dy / dist, 0.0)
    return np.stack([ux * falloff, uy * falloff])


def render_prior(kind: str, box, grid: Grid, valid: bool = True) -> np.ndarray:
    """Prior map (P, F, F) float32 of ``box`` (crop pixels) on ``grid``; zeros when invalid or the box is degenerate."""
    _check_kind(kind)
    out = np.zeros((prior_channels(kind), grid.size, grid.size), np.float32)
    if not valid or not box_ok(box):
        return out
    x, y, w, h = (float(v) for v in np.asarray(box, dtype=np.float64).reshape(4))
    cx, cy = x + w / 2, y + h / 2
    if kind == "box":
        c = grid.centers()
        out[0] = np.outer(_coverage_1d(c, grid.stride, y, y + h), _coverage_1d(c, grid.stride, x, x + w))
    elif kind == "gaussian":
        out[0] = _gaussian(grid, cx, cy, GAUSSIAN_SIGMA * w, GAUSSIAN_SIGMA * h)
    elif kind == "score":
        floor = grid.stride / 2
        out[0] = _gaussian(grid, cx, cy, max(SCORE_SIGMA * w, floor), max(SCORE_SIGMA * h, floor))
    elif kind == "center":
        out[0] = _center_splat(grid, cx, cy)
    else:
        out[:] = _direction(grid, cx, cy, w, h)
    return out
