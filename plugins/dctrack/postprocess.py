"""SiamFC++ post-processing of one frame's maps: scale / aspect-ratio change penalty, cosine window, size smoothing.

Follows the published SiamFC++ tracker: ``penalty = exp(-(r_c * s_c - 1) * penalty_k)`` with ``s_c`` the change
of the padded size ``sqrt((w + p)(h + p))``, ``p = (w + h) / 2``, and ``r_c`` the change of the aspect ratio
(change(r) = max(r, 1/r)); ``pscore = (1 - wi) * penalty * score + wi * window``; the new size is smoothed with
``lr = penalty[best] * score[best] * size_lr``.
"""
from __future__ import annotations

import dataclasses

import numpy as np


def cosine_window(size: int) -> np.ndarray:
    """Outer product of Hann windows, flattened row-major (S*S,)."""
    w = np.hanning(size) if size > 1 else np.ones(1)
    return np.outer(w, w).reshape(-1)


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _padded_size(w: np.ndarray, h: np.ndarray) -> np.ndarray:
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


@dataclasses.dataclass
class Selection:
    """The chosen cell and the values that decide the box update."""

    index: int
    box: np.ndarray       # xywh in crop pixels of the chosen cell
    score: float          # raw score (cls probability) at the chosen cell
    lr: float             # size learning rate used for this frame
    pscore: np.ndarray    # penalised, windowed score of every cell (S*S,)


def select(score: np.ndarray, quality: np.ndarray, boxes: np.ndarray, target_wh_crop: np.ndarray, window: np.ndarray,
           window_influence: float, penalty_k: float, size_lr: float) -> Selection:
    """Choose the best cell: ``score``/``quality`` (S*S,) probabilities, ``boxes`` (S*S,4) xywh crop pixels."""
    w = np.maximum(boxes[:, 2], 1e-6)
    h = np.maximum(boxes[:, 3], 1e-6)
    tw, th = max(float(target_wh_crop[0]), 1e-6), max(float(target_wh_crop[1]), 1e-6)
    s_c = _change(_padded_size(w, h) / _padded_size(np.array(tw), np.array(th)))
    r_c = _change((tw / th) / (w / h))
    penalty = np.exp(-(r_c * s_c - 1.0) * penalty_k)
    weighted = score * quality
    pscore = (1.0 - window_influence) * penalty * weighted + window_influence * window
    best = int(np.argmax(pscore))
    lr = float(penalty[best] * weighted[best] * size_lr)
    return Selection(best, boxes[best].copy(), float(score[best]), lr, pscore)


def update_state(center: np.ndarray, size: np.ndarray, pred_center: np.ndarray, pred_size: np.ndarray, lr: float,
                 image_shape: tuple, min_size: float) -> tuple[np.ndarray, np.ndarray]:
    """New (centre, size) in image pixels: centre from the prediction, size smoothed with ``lr``, kept in the image."""
    height, width = image_shape[:2]
    new_size = size * (1.0 - lr) + pred_size * lr
    new_size = np.clip(new_size, min_size, [max(width, min_size), max(height, min_size)])
    new_center = np.clip(pred_center, [0.0, 0.0], [width, height])
    return new_center, new_size
