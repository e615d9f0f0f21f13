"""Draw labelled boxes on RGB frames (playback of results over the video)."""
from __future__ import annotations

import cv2
import numpy as np

from common.boxes import is_valid_box

GT_COLOR = (0, 255, 0)
PALETTE = [(255, 64, 64), (64, 128, 255), (255, 200, 0), (255, 0, 255), (0, 255, 255), (255, 128, 0)]


def tracker_color(index: int) -> tuple:
    """RGB colour of the ``index``-th tracker (ground truth is green)."""
    return PALETTE[index % len(PALETTE)]


def draw_box(rgb: np.ndarray, box, color: tuple, label: str = "", thickness: int = 2) -> None:
    """Draw a 0-based continuous ``[x, y, w, h]`` box in place (invalid boxes are skipped)."""
    box = np.asarray(box, dtype=np.float64)
    if not bool(is_valid_box(box)):
        return
    x1, y1 = int(round(box[0])), int(round(box[1]))
    x2, y2 = int(round(box[0] + box[2])) - 1, int(round(box[1] + box[3])) - 1
    cv2.rectangle(rgb, (x1, y1), (max(x1, x2), max(y1, y2)), color, thickness)
    if label:
        cv2.putText(rgb, label, (x1, max(12, y1 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, color, 1, cv2.LINE_AA)


def draw_frame(rgb: np.ndarray, index: int, gt, tracks: dict) -> np.ndarray:
    """A copy of ``rgb`` with the ground truth, every tracker's box (``{name: box}``) and a legend."""
    out = np.ascontiguousarray(rgb.copy())
    if gt is not None:
        draw_box(out, gt, GT_COLOR, "gt")
    for i, (name, box) in enumerate(tracks.items()):
        draw_box(out, box, tracker_color(i))
    lines = [(f"#{index}", (255, 255, 255))] + [(name, tracker_color(i)) for i, name in enumerate(tracks)]
    for row, (text, color) in enumerate(lines):
        y = 16 + 16 * row
        cv2.putText(out, text, (6, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(out, text, (6, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, color, 1, cv2.LINE_AA)
    return out


__all__ = ["GT_COLOR", "tracker_color", "draw_box", "draw_frame"]
