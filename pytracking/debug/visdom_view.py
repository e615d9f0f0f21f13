"""What ``--debug N`` shows in visdom while a tracker runs (open http://<visdom_host>:<visdom_port>).

- Level 1: the frame with the predicted (green) and ground-truth (red) boxes, a status block (sequence,
  frame, score, fps, present) and the score curve.
- Level 2: the tracker's debug maps ``score_appearance`` (template-only score), ``warped_prior``,
  ``score_fused`` and ``confidence`` when its ``track`` returns them.
- Level 3: ``attention`` (the correspondence of a selected cell) and ``crops``.

Keys (click the "status" window first so it has the keyboard focus): SPACE pauses / resumes, RIGHT ARROW
advances one frame while paused. When no visdom server answers, one warning is logged and tracking runs
on without debug output.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Optional

import cv2
import numpy as np

from common.boxes import is_valid_box
from common.visdom_client import VisdomClient

log = logging.getLogger(__name__)

LEVEL2_MAPS = ("score_appearance", "warped_prior", "score_fused", "confidence")
LEVEL3_MAPS = ("attention",)
PAUSE_KEYS = (" ", "Space", "Spacebar")
STEP_KEYS = ("ArrowRight", "Right")


def to_numpy(value: Any) -> np.ndarray:
    """A torch tensor or array-like as a numpy array (on CPU, detached)."""
    if hasattr(value, "detach"):
        value = value.detach().float().cpu().numpy()
    return np.asarray(value)


def tile_channels(arr: np.ndarray) -> np.ndarray:
    """A 2-D view of a map: (H,W) as is, (C,H,W) or (1,C,H,W) tiled side by side."""
    arr = np.squeeze(to_numpy(arr).astype(np.float64))
    if arr.ndim == 2:
        return arr
    if arr.ndim == 3:
        return np.concatenate(list(arr), axis=1)
    raise ValueError(f"cannot show a map of shape {arr.shape}")


def draw_boxes(image: np.ndarray, pred: Optional[Any], gt: Optional[Any]) -> np.ndarray:
    """A copy of ``image`` with the ground truth (red) and the prediction (green) drawn."""
    canvas = np.ascontiguousarray(image.copy())
    thickness = max(1, round(max(image.shape[:2]) / 300))
    for box, colour in ((gt, (255, 0, 0)), (pred, (0, 255, 0))):
        if box is None or not is_valid_box(np.asarray(box, dtype=np.float64)):
            continue
        x, y, w, h = (float(v) for v in box)
        cv2.rectangle(canvas, (round(x), round(y)), (round(x + w) - 1, round(y + h) - 1), colour, thickness)
    return canvas


class DebugView:
    """Shows one tracking run in visdom; ``show`` blocks while the user has paused it."""

    def __init__(self, level: int, client: VisdomClient) -> None:
        self.level = int(level)
        self.client = client
        self.sequence = ""
        self._paused = threading.Event()
        self._step = threading.Event()
        self._frame_times: list = []
        self.events = client.on_key("status", self.handle_key) if client.available else False
        if client.available and not self.events:
            log.warning("visdom events unavailable: pause/step keys will not work")

    @property
    def paused(self) -> bool:
        """True while the user has paused tracking."""
        return self._paused.is_set()

    def handle_key(self, key: str) -> None:
        """SPACE toggles pause; RIGHT ARROW steps one frame while paused."""
        if key in PAUSE_KEYS:
            if self._paused.is_set():
                self._paused.clear()
                self._step.set()  # wake the waiting show()
            else:
                self._step.clear()
                self._paused.set()
        elif key in STEP_KEYS:
            self._step.set()

    def start_sequence(self, name: str) -> None:
        """Reset the per-sequence status (score curve, fps)."""
        self.sequence = name
        self._frame_times = []

    def wait_if_paused(self, poll: float = 0.05) -> None:
        """Block while paused, until resumed or stepped one frame."""
        while self._paused.is_set():
            if self._step.wait(poll):
                self._step.clear()
                return
            if not self.client.available:
                return

    def show(self, frame: int, image: np.ndarray, output: dict, gt_box: Optional[Any] = None,
             frame_time: float = 0.0) -> None:
        """Send the views of this frame (per level) and wait while paused."""
        if not self.client.available or self.level < 1:
            return
        self._frame_times = (self._frame_times + [frame_time])[-30:]
        mean_time = float(np.mean(self._frame_times)) if self._frame_times else 0.0
        fps = 1.0 / mean_time if mean_time > 0 else 0.0
        self.client.image("frame", draw_boxes(image, output.get("box"), gt_box), f"{self.sequence} #{frame}")
        self.client.text("status", self._status_html(frame, output, fps))
        self.client.line("score", frame, {"score": float(output.get("score", 0.0))}, "score")
        if self.level >= 2:
            self._show_maps(output, LEVEL2_MAPS)
        if self.level >= 3:
            self._show_maps(output, LEVEL3_MAPS)
            self._show_crops(output.get("crops"))
        self.wait_if_paused()

    def _status_html(self, frame: int, output: dict, fps: float) -> str:
        state = "PAUSED (space: resume, right arrow: step)" if self.paused else "running (space: pause)"
        return (f"<b>{self.sequence}</b> frame {frame}<br>score {float(output.get('score', 0.0)):.3f} &nbsp; "
                f"present {bool(output.get('present', True))} &nbsp; fps {fps:.1f}<br>{state}")

    def _show_maps(self, output: dict, keys: tuple) -> None:
        for key in keys:
            if output.get(key) is not None:
                self.client.heatmap(key, tile_channels(output[key]), key)

    def _show_crops(self, crops: Any) -> None:
        if crops is None:
            return
        items = crops.items() if isinstance(crops, dict) else enumerate(crops if isinstance(crops, (list, tuple)) else [crops])
        for name, crop in items:
            arr = to_numpy(crop)
            if arr.ndim == 3 and arr.shape[0] == 3 and arr.shape[2] != 3:
                arr = arr.transpose(1, 2, 0)
            self.client.image(f"crop_{name}", np.clip(arr, 0, 255).astype(np.uint8), f"crop {name}")


def make_debug_view(level: int, env: str = "dctrack") -> DebugView:
    """A debug view on the visdom server named in settings."""
    from common.visdom_client import client_from_settings

    return DebugView(level, client_from_settings(env))
