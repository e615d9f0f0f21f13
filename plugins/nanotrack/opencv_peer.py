"""OpenCV's ``cv2.TrackerNano`` with the published ONNX pair, behind the toolkit's ``Tracker`` interface.

The reference this plugin is compared with (parity test, ``tools/compare_opencv.py``) and timed against
(``pytracking/benchmark.py``). Channel order: ``cv2.TrackerNano`` builds its network input with
``blobFromImage(..., swapRB=true)``, so the network sees the frame's channels swapped. NanoTrack was trained on
BGR frames, so the BGR network input comes from giving it **RGB** frames: ``channel_order="rgb"`` (default) passes
the toolkit's RGB frames unchanged; ``"bgr"`` converts each frame to BGR first, as a user of cv2 would, and the
network then sees RGB. ``cv2.TrackerNano`` takes and returns integer boxes: ``initialize`` rounds the box, and
``track`` returns the box it reports.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pytracking.tracker import Tracker

BACKBONE_ONNX = "nanotrack_backbone_sim.onnx"
HEAD_ONNX = "nanotrack_head_sim.onnx"


def onnx_folder(weights: str | Path) -> Path:
    """The folder of the ONNX pair: beside the published ``.pth`` named by ``weights``."""
    from plugins.nanotrack.weights import resolve_weights

    folder = resolve_weights(str(weights)).parent
    for name in (BACKBONE_ONNX, HEAD_ONNX):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} does not exist (cv2.TrackerNano needs the ONNX pair)")
    return folder


def create_opencv_nano(folder: str | Path):
    """A fresh ``cv2.TrackerNano`` on the ONNX pair in ``folder``."""
    params = cv2.TrackerNano_Params()
    params.backbone = str(Path(folder) / BACKBONE_ONNX)
    params.neckhead = str(Path(folder) / HEAD_ONNX)
    return cv2.TrackerNano.create(params)


def integer_box(box) -> tuple[int, int, int, int]:
    """The box rounded to whole pixels (width and height at least 1), as ``cv2.Tracker.init`` takes it."""
    x, y, w, h = (int(round(float(v))) for v in np.asarray(box, dtype=np.float64).reshape(4))
    return x, y, max(w, 1), max(h, 1)


class OpenCVNanoTracker(Tracker):
    """``cv2.TrackerNano`` as a toolkit tracker (RGB frames in, [x, y, w, h] out)."""

    def __init__(self, folder: str | Path, channel_order: str = "rgb"):
        if channel_order not in ("rgb", "bgr"):
            raise ValueError(f"channel_order must be rgb or bgr, got '{channel_order}'")
        super().__init__(params=None, network=None)
        self.folder = Path(folder)
        self.channel_order = channel_order
        self._cv = None

    @property
    def name(self) -> str:
        return f"cv2.TrackerNano[{self.channel_order}]"

    def _frame(self, image: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(image[..., ::-1]) if self.channel_order == "bgr" else image

    def initialize(self, image: np.ndarray, box) -> None:
        """A new ``cv2.TrackerNano`` initialised on the rounded box."""
        self._cv = create_opencv_nano(self.folder)
        self._cv.init(self._frame(image), integer_box(box))

    def track(self, image: np.ndarray) -> dict:
        """``cv2.TrackerNano.update``: its integer box and its tracking score (the windowed, penalised score)."""
        if self._cv is None:
            raise RuntimeError("OpenCVNanoTracker.track called before initialize")
        ok, box = self._cv.update(self._frame(image))
        return {"box": [float(v) for v in box], "score": float(self._cv.getTrackingScore()), "present": bool(ok)}


def peer_tracker(params=None) -> OpenCVNanoTracker:
    """The plugin's peer (``PluginSpec.peer_tracker``): cv2.TrackerNano on the ONNX pair beside ``weights``."""
    from plugins.nanotrack.config import PUBLISHED_WEIGHTS

    return OpenCVNanoTracker(onnx_folder(getattr(params, "weights", PUBLISHED_WEIGHTS)))
