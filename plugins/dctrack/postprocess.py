"""SiamFC++ post-processing of one frame's maps: cell selection and size smoothing.

The penalty and window are the shared Siamese-tracker ones (``pytracking.postprocess``: scale / aspect-ratio change
penalty, cosine window); SiamFC++ weights the score by its centerness (``quality``) and smooths the new size with
``lr = penalty[best] * score[best] * quality[best] * size_lr``.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from pytracking.postprocess import change_penalty, cosine_window, windowed_score


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
    penalty = change_penalty(boxes[:, 2], boxes[:, 3], target_wh_crop[0], target_wh_crop[1], penalty_k)
    weighted = score * quality
    pscore = windowed_score(weighted, penalty, window, window_influence)
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
