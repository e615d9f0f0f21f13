"""Training targets on a network grid (numpy): SiamFC++'s anchor-free classification, centerness and box maps.

A map has one value per cell of a ``common.geometry.Grid`` (cell i centred at crop pixel ``offset + stride*i``),
indexed ``[y, x]``. Boxes are ``[x, y, w, h]`` in the crop's pixel coordinates.
"""
from __future__ import annotations

import numpy as np

from common.geometry import Grid


def box_ok(box) -> bool:
    """True for a finite ``[x, y, w, h]`` with positive width and height."""
    b = np.asarray(box, dtype=np.float64).reshape(-1)
    return b.size == 4 and bool(np.isfinite(b).all()) and b[2] > 0 and b[3] > 0


def siamfc_targets(box, grid: Grid, positive_shrink: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SiamFC++ targets of ``box`` (crop pixels) on the score ``grid``: ``(cls (S,S), ctr (S,S), ltrb (4,S,S))``.

    A cell is positive when its centre lies strictly inside the box shrunk by ``positive_shrink`` * (w, h) on each
    side; ltrb are the distances (crop pixels) from every cell centre to the left, top, right and bottom sides;
    centerness is ``sqrt(min(l,r)/max(l,r) * min(t,b)/max(t,b))`` inside the box and 0 outside. A missing or
    degenerate box gives all zeros.
    """
    s = grid.size
    cls = np.zeros((s, s), np.float32)
    ctr = np.zeros((s, s), np.float32)
    ltrb = np.zeros((4, s, s), np.float32)
    if box is None or not box_ok(box):
        return cls, ctr, ltrb
    x, y, w, h = (float(v) for v in np.asarray(box, dtype=np.float64).reshape(4))
    c = grid.centers()
    px, py = np.meshgrid(c, c)  # px varies along columns (x), py along rows (y)
    l, t, r, b = px - x, py - y, x + w - px, y + h - py
    ltrb[:] = np.stack([l, t, r, b])
    inside = (l > 0) & (t > 0) & (r > 0) & (b > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centerness = np.sqrt(np.minimum(l, r) / np.maximum(l, r) * np.minimum(t, b) / np.maximum(t, b))
    ctr[:] = np.where(inside, centerness, 0.0)
    sx, sy = positive_shrink * w, positive_shrink * h
    positive = (l > sx) & (r > sx) & (t > sy) & (b > sy)
    cls[:] = positive.astype(np.float32)
    return cls, ctr, ltrb
