"""Box conventions and conversions.

Inside the toolkit a box is float ``[x, y, w, h]`` in 0-based continuous pixel coordinates: ``x = 0``
is the left edge of the first pixel column, so a box covering pixel columns 0..9 is ``[0, 0, 10, h]``
and its centre is ``x + w / 2``. Readers convert once at the edge (``from_one_based``,
``polygon_to_xywh``); writers convert back when a format asks for it.

All functions accept a single box of shape (4,) or an array of shape (N, 4).
"""
from __future__ import annotations

import numpy as np

ArrayLike = np.ndarray


def as_boxes(boxes) -> np.ndarray:
    """Return ``boxes`` as a float64 array of shape (N, 4) (a single box becomes (1, 4))."""
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"expected boxes of shape (4,) or (N, 4), got {arr.shape}")
    return arr


def _like(result: np.ndarray, original) -> np.ndarray:
    return result[0] if np.asarray(original).ndim == 1 else result


def xywh_to_xyxy(boxes) -> np.ndarray:
    """``[x, y, w, h]`` to ``[x1, y1, x2, y2]`` (x2 = x + w)."""
    b = as_boxes(boxes).copy()
    b[:, 2:] += b[:, :2]
    return _like(b, boxes)


def xyxy_to_xywh(boxes) -> np.ndarray:
    """``[x1, y1, x2, y2]`` to ``[x, y, w, h]``."""
    b = as_boxes(boxes).copy()
    b[:, 2:] -= b[:, :2]
    return _like(b, boxes)


def xywh_to_cxcywh(boxes) -> np.ndarray:
    """``[x, y, w, h]`` to centre form ``[cx, cy, w, h]``."""
    b = as_boxes(boxes).copy()
    b[:, :2] += b[:, 2:] / 2
    return _like(b, boxes)


def cxcywh_to_xywh(boxes) -> np.ndarray:
    """Centre form ``[cx, cy, w, h]`` to ``[x, y, w, h]``."""
    b = as_boxes(boxes).copy()
    b[:, :2] -= b[:, 2:] / 2
    return _like(b, boxes)


def box_center(boxes) -> np.ndarray:
    """Centre ``[cx, cy]`` of each box."""
    b = as_boxes(boxes)
    c = b[:, :2] + b[:, 2:] / 2
    return c[0] if np.asarray(boxes).ndim == 1 else c


def from_one_based(boxes) -> np.ndarray:
    """Boxes whose first pixel is 1 (OTB, UAV123, VOT, LaSOT files) to the 0-based convention."""
    b = as_boxes(boxes).copy()
    b[:, :2] -= 1.0
    return _like(b, boxes)


def to_one_based(boxes) -> np.ndarray:
    """The 0-based convention to boxes whose first pixel is 1."""
    b = as_boxes(boxes).copy()
    b[:, :2] += 1.0
    return _like(b, boxes)


def polygon_to_xywh(polygons) -> np.ndarray:
    """Axis-aligned bounding box ``[x, y, w, h]`` of polygons given as ``[x1, y1, ..., xk, yk]`` rows."""
    p = np.asarray(polygons, dtype=np.float64)
    single = p.ndim == 1
    p = p[None] if single else p
    if p.shape[1] % 2 or p.shape[1] < 6:
        raise ValueError(f"a polygon needs an even number (>= 6) of values, got {p.shape[1]}")
    xs, ys = p[:, 0::2], p[:, 1::2]
    x1, y1 = xs.min(axis=1), ys.min(axis=1)
    out = np.stack([x1, y1, xs.max(axis=1) - x1, ys.max(axis=1) - y1], axis=1)
    return out[0] if single else out


def is_valid_box(boxes) -> np.ndarray:
    """True where a box is finite with positive width and height."""
    b = as_boxes(boxes)
    ok = np.isfinite(b).all(axis=1) & (b[:, 2] > 0) & (b[:, 3] > 0)
    return ok[0] if np.asarray(boxes).ndim == 1 else ok


def iou(a, b) -> np.ndarray:
    """Intersection over union of paired boxes (0 where either is invalid)."""
    A, B = as_boxes(a), as_boxes(b)
    if len(A) != len(B) and len(A) != 1 and len(B) != 1:
        raise ValueError(f"cannot pair {len(A)} boxes with {len(B)} boxes")
    x1 = np.maximum(A[:, 0], B[:, 0])
    y1 = np.maximum(A[:, 1], B[:, 1])
    # Overlap measured from each box's own width, so identical boxes give exactly IoU 1 in floating point.
    # Boxes that only touch (right edge == left edge) keep exactly 0.
    touching_x = np.minimum(A[:, 0] + A[:, 2], B[:, 0] + B[:, 2]) <= x1
    touching_y = np.minimum(A[:, 1] + A[:, 3], B[:, 1] + B[:, 3]) <= y1
    inter_w = np.where(touching_x, 0.0, np.minimum(A[:, 2] - (x1 - A[:, 0]), B[:, 2] - (x1 - B[:, 0])))
    inter_h = np.where(touching_y, 0.0, np.minimum(A[:, 3] - (y1 - A[:, 1]), B[:, 3] - (y1 - B[:, 1])))
    inter = np.clip(inter_w, 0, None) * np.clip(inter_h, 0, None)
    union = A[:, 2] * A[:, 3] + B[:, 2] * B[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(union > 0, inter / union, 0.0)
    out = np.where(is_valid_box(A) & is_valid_box(B), out, 0.0)
    out = np.clip(out, 0.0, 1.0)
    return out[0] if np.asarray(a).ndim == 1 and np.asarray(b).ndim == 1 else out


def clip_to_image(boxes, width: int, height: int) -> np.ndarray:
    """Clip boxes to the image rectangle ``[0, width] x [0, height]``."""
    b = xywh_to_xyxy(as_boxes(boxes))
    b[:, [0, 2]] = np.clip(b[:, [0, 2]], 0, width)
    b[:, [1, 3]] = np.clip(b[:, [1, 3]], 0, height)
    return _like(xyxy_to_xywh(b), boxes)
