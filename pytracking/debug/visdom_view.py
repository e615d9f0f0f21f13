"""What ``--debug N`` shows in visdom while a tracker runs (open http://<visdom_host>:<visdom_port>).

- Level 1: the frame with the predicted (green) and ground-truth (red) boxes, a status block (sequence,
  frame, score, fps, present) and the score curve.
- Level 2: every debug map the tracker's ``track`` returns (any 2-D or CxHxW array besides ``box``, ``score``,
  ``present``, ``crops``; the tracker names them), drawn in image orientation (row 0 at the top), and, when
  it returns its search crop (``crops``), each 2-D map overlaid on that crop (``overlay <name>``), placed by
  the tracker's ``geometry`` (score or feature grid) when it has one, else stretched over the crop.
- Level 3: + the crops themselves.

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
from common.visdom_client import VisdomClient, client_from_settings

log = logging.getLogger(__name__)

NOT_MAPS = ("box", "score", "present", "crops")
FRAME_PANEL_WIDTH = 640  # pixels: the frame panel (visdom's default is the image's own width)
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


def debug_maps(output: dict) -> dict:
    """The maps in a tracker's output, by the tracker's names: 2-D or CxHxW arrays (numpy or torch)."""
    maps = {}
    for key, value in output.items():
        if key in NOT_MAPS or value is None or not (isinstance(value, np.ndarray) or hasattr(value, "detach")):
            continue
        if np.squeeze(to_numpy(value)).ndim in (2, 3):
            maps[key] = value
    return maps


def search_crop(crops: Any) -> Optional[np.ndarray]:
    """The search crop (HxWx3 uint8) among a tracker's ``crops`` (an array, or a dict with 'search' or one crop)."""
    if isinstance(crops, dict):
        crops = crops.get("search", next(iter(crops.values()), None) if len(crops) == 1 else None)
    if crops is None:
        return None
    arr = to_image(crops)
    return arr if arr.ndim == 3 and arr.shape[2] == 3 else None


def to_image(value: Any) -> np.ndarray:
    """A crop (HxWx3, 3xHxW or 1x3xHxW; numpy or torch, 0-255) as HxWx3 uint8."""
    arr = to_numpy(value)
    if arr.ndim == 4 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 3 and arr.shape[0] == 3 and arr.shape[2] != 3:
        arr = arr.transpose(1, 2, 0)
    return np.clip(arr, 0, 255).astype(np.uint8)


def grid_of(size: int, geometry: Any = None) -> Any:
    """The geometry's score or feature grid with ``size`` cells (None when neither has that size)."""
    for grid in (getattr(geometry, "score", None), getattr(geometry, "feature", None)):
        if grid is not None and int(grid.size) == size:
            return grid
    return None


def map_extent(size: int, crop_side: int, geometry: Any = None) -> tuple[float, float]:
    """(start, end) crop pixels covered by a map of ``size`` cells: from the geometry's score or feature grid
    whose size matches (cell i centred at offset + stride * i), else the whole crop."""
    grid = grid_of(size, geometry)
    if grid is None:
        return 0.0, float(crop_side)
    half = float(grid.stride) / 2
    return float(grid.offset) - half, float(grid.offset) + float(grid.stride) * (size - 1) + half


def overlay_map(crop: np.ndarray, heat: np.ndarray, geometry: Any = None, alpha: float = 0.5) -> np.ndarray:
    """``crop`` with the 2-D map ``heat`` blended on where its cells lie (JET colours, min-max scaled)."""
    heat = np.nan_to_num(np.asarray(heat, dtype=np.float64))
    span = float(heat.max() - heat.min())
    norm = ((heat - heat.min()) / span * 255 if span > 0 else np.zeros_like(heat)).astype(np.uint8)
    (x0, x1), (y0, y1) = (map_extent(heat.shape[1], crop.shape[1], geometry),
                          map_extent(heat.shape[0], crop.shape[0], geometry))
    w, h = max(1, int(round(x1 - x0))), max(1, int(round(y1 - y0)))
    colour = cv2.cvtColor(cv2.applyColorMap(cv2.resize(norm, (w, h), interpolation=cv2.INTER_LINEAR),
                                            cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    out = crop.copy()
    ox, oy = int(round(x0)), int(round(y0))
    cx0, cy0 = max(0, ox), max(0, oy)
    cx1, cy1 = min(crop.shape[1], ox + w), min(crop.shape[0], oy + h)
    if cx1 <= cx0 or cy1 <= cy0:
        return out
    patch = colour[cy0 - oy:cy1 - oy, cx0 - ox:cx1 - ox].astype(np.float64)
    region = out[cy0:cy1, cx0:cx1].astype(np.float64)
    out[cy0:cy1, cx0:cx1] = np.clip((1 - alpha) * region + alpha * patch, 0, 255).astype(np.uint8)
    return out


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

    def __init__(self, level: int, client: VisdomClient, geometry: Any = None) -> None:
        self.level = int(level)
        self.client = client
        self.geometry = geometry
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

    def attach(self, tracker: Any) -> None:
        """Take the tracker's crop geometry (``tracker.geometry`` or its network's) to place map overlays."""
        self.geometry = getattr(tracker, "geometry", None) or getattr(getattr(tracker, "network", None),
                                                                      "geometry", None)

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
        self.client.image("frame", draw_boxes(image, output.get("box"), gt_box), f"frame: {self.sequence}",
                          width=FRAME_PANEL_WIDTH, caption=f"{self.sequence} #{frame}")
        self.client.text("status", self._status_html(frame, output, fps))
        self.client.line("score", frame, {"score": float(output.get("score", 0.0))}, "score")
        if self.level >= 2:
            self._show_maps(output)
        if self.level >= 3:
            self._show_crops(output.get("crops"))
        self.wait_if_paused()

    def _status_html(self, frame: int, output: dict, fps: float) -> str:
        state = "PAUSED (space: resume, right arrow: step)" if self.paused else "running (space: pause)"
        return (f"<b>{self.sequence}</b> frame {frame}<br>score {float(output.get('score', 0.0)):.3f} &nbsp; "
                f"present {bool(output.get('present', True))} &nbsp; fps {fps:.1f}<br>{state}")

    def _show_maps(self, output: dict) -> None:
        crop = search_crop(output.get("crops"))
        for key, value in debug_maps(output).items():
            tiled = tile_channels(value)
            self.client.heatmap(key, tiled, key)
            if crop is not None and np.squeeze(to_numpy(value)).ndim == 2:
                on_grid = all(grid_of(n, self.geometry) is not None for n in tiled.shape)
                placed = "" if on_grid else " (stretched over the crop)"
                self.client.image(f"overlay_{key}", overlay_map(crop, tiled, self.geometry), f"overlay {key}{placed}")

    def _show_crops(self, crops: Any) -> None:
        if crops is None:
            return
        if not isinstance(crops, dict):
            crops = dict(enumerate(crops if isinstance(crops, (list, tuple)) else [crops]))
        for name, crop in crops.items():
            self.client.image(f"crop_{name}", to_image(crop), f"crop {name}")


def make_debug_view(level: int, env: str = "debug") -> DebugView:
    """A debug view on the visdom server named in settings."""
    return DebugView(level, client_from_settings(env))
