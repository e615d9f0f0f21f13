"""Siamese-tracker post-processing shared by trackers: cosine window, scale / aspect-ratio change penalty.

The SiamRPN / SiamBAN / SiamFC++ family scores every cell of the score grid with
``pscore = (1 - wi) * penalty * score + wi * window`` and smooths the size with ``lr = penalty * score * size_lr``
at the chosen cell, where ``penalty = exp(-(r_c * s_c - 1) * penalty_k)``, ``s_c`` is the change of the padded size
``sqrt((w + p)(h + p))``, ``p = (w + h) / 2`` and ``r_c`` the change of the aspect ratio (change(r) = max(r, 1/r)).
"""
from __future__ import annotations

import numpy as np


def cosine_window(size: int, sqrt: bool = False) -> np.ndarray:
    """Outer product of Hann windows, flattened row-major (S*S,); ``sqrt``: its square root (OpenCV's
    ``createHanningWindow``)."""
    w = np.hanning(size) if size > 1 else np.ones(1)
    window = np.outer(w, w).reshape(-1)
    return np.sqrt(window) if sqrt else window


def change(ratio: np.ndarray) -> np.ndarray:
    """``max(r, 1 / r)``: how far a ratio is from 1, symmetric in growth and shrinkage."""
    return np.maximum(ratio, 1.0 / ratio)


def padded_size(w, h) -> np.ndarray:
    """``sqrt((w + p) * (h + p))`` with ``p = (w + h) / 2``."""
    w, h = np.asarray(w, dtype=np.float64), np.asarray(h, dtype=np.float64)
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


def change_penalty(w: np.ndarray, h: np.ndarray, ref_w: float, ref_h: float, penalty_k: float,
                   ref_padded_size: float | None = None) -> np.ndarray:
    """``exp(-(r_c * s_c - 1) * penalty_k)`` of candidate sizes (w, h) against the reference size (ref_w, ref_h).

    ``ref_padded_size`` replaces ``padded_size(ref_w, ref_h)`` in the scale change when given.
    """
    w, h = np.maximum(w, 1e-6), np.maximum(h, 1e-6)
    ref_w, ref_h = max(float(ref_w), 1e-6), max(float(ref_h), 1e-6)
    reference = padded_size(ref_w, ref_h) if ref_padded_size is None else max(float(ref_padded_size), 1e-6)
    s_c = change(padded_size(w, h) / reference)
    r_c = change((ref_w / ref_h) / (w / h))
    return np.exp(-(r_c * s_c - 1.0) * penalty_k)


def windowed_score(score: np.ndarray, penalty: np.ndarray, window: np.ndarray, window_influence: float) -> np.ndarray:
    """``(1 - wi) * penalty * score + wi * window`` over the flattened score grid."""
    return (1.0 - window_influence) * penalty * score + window_influence * window


def validate_postprocess(params) -> None:
    """Check the post-processing fields a Siamese tracker's parameters share (for their ``validate``)."""
    from common.config import require

    require(0 <= params.window_influence <= 1, f"window_influence must be in [0, 1], got {params.window_influence}")
    require(params.penalty_k >= 0, f"penalty_k must be >= 0, got {params.penalty_k}")
    require(0 <= params.size_lr <= 1, f"size_lr must be in [0, 1], got {params.size_lr}")
    require(params.min_size > 0, f"min_size must be positive, got {params.min_size}")


def initial_state(box) -> tuple[np.ndarray, np.ndarray]:
    """(centre, size) of an initial ``[x, y, w, h]`` box; an invalid box raises ValueError naming it."""
    from common.boxes import is_valid_box

    box = np.asarray(box, dtype=np.float64).reshape(4)
    if not is_valid_box(box):
        raise ValueError(f"initial box {box.tolist()} is not a valid [x, y, w, h] box")
    return box[:2] + box[2:] / 2, box[2:].copy()
