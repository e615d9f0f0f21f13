"""Write frames with drawn boxes to an MP4 or AVI file atomically (a temporary file renamed when done)."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

FOURCC = {".mp4": "mp4v", ".avi": "MJPG", ".mkv": "mp4v"}


class AtomicVideoWriter:
    """``write(rgb)`` per frame, then ``close()`` renames the finished file into place; ``abort()`` discards it."""

    def __init__(self, path: str | os.PathLike, fps: Optional[float] = None) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in FOURCC:
            raise ValueError(f"{self.path}: video format must be one of {', '.join(FOURCC)}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp{suffix}")
        self.fps = fps or 25.0
        self._writer = None
        self.frames = 0

    def write(self, rgb: np.ndarray) -> None:
        """Append one RGB uint8 frame (the first frame fixes the size)."""
        if self._writer is None:
            h, w = rgb.shape[:2]
            self._writer = cv2.VideoWriter(str(self.tmp), cv2.VideoWriter_fourcc(*FOURCC[self.path.suffix.lower()]),
                                           self.fps, (w, h))
            if not self._writer.isOpened():
                raise OSError(f"{self.path}: OpenCV cannot write this video format here")
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> None:
        """Finish the file and move it to its final name."""
        if self._writer is None:
            raise OSError(f"{self.path}: no frame was written")
        self._writer.release()
        self._writer = None
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Discard the partial file."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()
