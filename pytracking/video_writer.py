"""Write frames with drawn boxes to a video file atomically (a temporary file renamed when done).

The codec is the first one the installed OpenCV can write, in this order (browsers play the first two of each):

    .mp4   H.264 (avc1), VP9 (vp09), MPEG-4 Part 2 (mp4v, not played by browsers)
    .webm  VP9, VP8
    .mkv   VP9, MPEG-4 Part 2
    .avi   Motion JPEG

``codec`` (after the first frame) names what was written and ``browser_playable`` says whether a browser plays it.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator, Optional

import cv2
import numpy as np

CODECS = {  # suffix -> ((fourcc, name), ...) in order of preference
    ".mp4": (("avc1", "H.264"), ("vp09", "VP9"), ("mp4v", "MPEG-4 Part 2")),
    ".webm": (("VP90", "VP9"), ("VP80", "VP8")),
    ".mkv": (("VP90", "VP9"), ("mp4v", "MPEG-4 Part 2")),
    ".avi": (("MJPG", "Motion JPEG"),),
}
BROWSER_PLAYABLE = {(".mp4", "avc1"), (".mp4", "vp09"), (".webm", "VP90"), (".webm", "VP80")}


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's own messages (FFmpeg's 'tag not supported' while codecs are probed)."""
    log = getattr(getattr(cv2, "utils", None), "logging", None)
    if log is None:
        yield
        return
    before = log.getLogLevel()
    log.setLogLevel(log.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        log.setLogLevel(before)


class AtomicVideoWriter:
    """``write(rgb)`` per frame, then ``close()`` renames the finished file into place; ``abort()`` discards it."""

    def __init__(self, path: str | os.PathLike, fps: Optional[float] = None) -> None:
        self.path = Path(path)
        self.suffix = self.path.suffix.lower()
        if self.suffix not in CODECS:
            raise ValueError(f"{self.path}: video format must be one of {', '.join(CODECS)}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.tmp{self.suffix}")
        self.fps = fps or 25.0
        self._writer = None
        self.frames = 0
        self.fourcc: Optional[str] = None
        self.codec: Optional[str] = None

    @property
    def browser_playable(self) -> bool:
        """True when the codec written plays in web browsers (H.264 or VP9 in MP4, VP8/VP9 in WebM)."""
        return (self.suffix, self.fourcc) in BROWSER_PLAYABLE

    def _open(self, width: int, height: int) -> None:
        tried = []
        for fourcc, name in CODECS[self.suffix]:
            with quiet_opencv():
                writer = cv2.VideoWriter(str(self.tmp), cv2.VideoWriter_fourcc(*fourcc), self.fps, (width, height))
            if writer.isOpened():
                self._writer, self.fourcc, self.codec = writer, fourcc, name
                return
            tried.append(name)
        with contextlib.suppress(FileNotFoundError):
            self.tmp.unlink()
        raise OSError(f"{self.path}: OpenCV cannot write {' or '.join(tried)} here")

    def write(self, rgb: np.ndarray) -> None:
        """Append one RGB uint8 frame (the first frame fixes the size and the codec)."""
        if self._writer is None:
            self._open(rgb.shape[1], rgb.shape[0])
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def describe(self) -> str:
        """What was written, e.g. ``VP9 in .mp4 (plays in browsers)``."""
        if self.codec is None:
            return "nothing written"
        playable = "plays in browsers" if self.browser_playable else "browsers do not play it; use .webm"
        return f"{self.codec} in {self.suffix} ({playable})"

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
