"""Frame sources for ``run_video.py``: a video file, a folder of images, or a webcam (``webcam:N``).

Every source yields RGB uint8 HxWx3 frames in order.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, Optional

import cv2
import numpy as np

from common.image_io import read_image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


class VideoSourceError(OSError):
    """A video, folder or webcam that cannot be opened or read."""


def _natural_key(path: Path) -> list:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


class FrameSource:
    """An ordered stream of RGB frames with a name and a frame rate (None when unknown)."""

    def __init__(self, spec: str, max_frames: Optional[int] = None) -> None:
        self.spec = spec
        self.max_frames = max_frames
        self.fps: Optional[float] = None
        self._capture = None
        self._files: list = []
        webcam = re.fullmatch(r"webcam:(\d+)", spec)
        if webcam:
            self.name = f"webcam{webcam.group(1)}"
            self._open_capture(int(webcam.group(1)))
        elif Path(spec).is_dir():
            self.name = Path(spec).name
            self._files = sorted((p for p in Path(spec).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key)
            if not self._files:
                raise VideoSourceError(f"{spec}: folder holds no images ({', '.join(IMAGE_SUFFIXES)})")
        elif Path(spec).is_file():
            self.name = Path(spec).stem
            self._open_capture(str(spec))
        else:
            raise VideoSourceError(f"{spec}: no such video file or image folder (webcams: webcam:0)")

    def _open_capture(self, target) -> None:
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            raise VideoSourceError(f"{self.spec}: OpenCV cannot open it (unsupported codec or no such device)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and fps > 0 else None
        self._capture = capture

    def __iter__(self) -> Iterator[np.ndarray]:
        count = 0
        try:
            while self.max_frames is None or count < self.max_frames:
                frame = self._next(count)
                if frame is None:
                    return
                count += 1
                yield frame
        finally:
            self.close()

    def _next(self, index: int) -> Optional[np.ndarray]:
        if self._capture is None:
            return read_image(self._files[index]) if index < len(self._files) else None
        ok, bgr = self._capture.read()
        if not ok:
            if index == 0:
                raise VideoSourceError(f"{self.spec}: no frame could be read")
            return None
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        """Release the capture device or file."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None
