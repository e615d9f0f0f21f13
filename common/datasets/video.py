"""A video file as one ``Sequence``: ``load_dataset('video', root='clip.avi')``.

Frames are decoded with OpenCV (``cv2.VideoCapture``) and returned RGB. Reading frames in order decodes
each once; a small cache serves recently read frames again; a jump backwards or far ahead seeks.
The frame count is found by grabbing every frame once when the sequence is built (container counts
can be wrong). Options: ``ground_truth`` (path of a box/polygon file, one line per frame) and
``one_based`` (default True, the OTB/VOT convention of such files).
"""
from __future__ import annotations

import collections
import logging
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from common.annotations import load_boxes
from common.datasets import DatasetError, register_dataset
from common.datasets.base import Sequence
from common.datasets.layout import SequenceList, finish

log = logging.getLogger(__name__)

_SKIP_AHEAD = 16  # decode forward instead of seeking when the wanted frame is at most this far ahead


class VideoReadError(OSError):
    """A video file cannot be opened or a frame cannot be decoded."""


def _open(path: str) -> cv2.VideoCapture:
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise VideoReadError(f"{path}: cannot open video (missing file or unsupported codec)")
    return cap


def count_frames(path: str | Path) -> int:
    """Number of decodable frames of a video file (grabs every frame once)."""
    cap = _open(str(path))
    try:
        count = 0
        while cap.grab():
            count += 1
        return count
    finally:
        cap.release()


class VideoFrames:
    """Picklable random-access frame reader of a video file: ``reader(i)`` -> RGB uint8 HxWx3."""

    def __init__(self, path: str | Path, num_frames: int, cache_size: int = 8) -> None:
        self.path = str(path)
        self.num_frames = num_frames
        self.cache_size = cache_size
        self._cap: Optional[cv2.VideoCapture] = None
        self._next = 0  # index of the frame the capture decodes next
        self._cache: collections.OrderedDict[int, np.ndarray] = collections.OrderedDict()

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.update(_cap=None, _next=0, _cache=collections.OrderedDict())
        return state

    def __call__(self, index: int) -> np.ndarray:
        if not 0 <= index < self.num_frames:
            raise IndexError(f"{self.path}: frame {index} out of range 0..{self.num_frames - 1}")
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index].copy()
        frame = self._decode(index)
        self._cache[index] = frame
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return frame.copy()

    def _decode(self, index: int) -> np.ndarray:
        if self._cap is None:
            self._cap, self._next = _open(self.path), 0
        if not self._next <= index <= self._next + _SKIP_AHEAD:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            self._next = index
        while self._next < index:
            if not self._cap.grab():
                raise VideoReadError(f"{self.path}: cannot decode frame {self._next}")
            self._next += 1
        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            raise VideoReadError(f"{self.path}: cannot decode frame {index}")
        self._next = index + 1
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        """Release the decoder (it reopens on the next read)."""
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def video_sequence(path: str | Path, ground_truth: Optional[str | Path] = None, one_based: bool = True) -> Sequence:
    """A ``Sequence`` reading the frames of video file ``path`` (optionally with a ground-truth file)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"video: {path} is not a file")
    num = count_frames(path)
    if num == 0:
        raise VideoReadError(f"{path}: no decodable frames")
    gt = None
    if ground_truth is not None:
        gt = load_boxes(ground_truth, one_based=one_based)
        if len(gt) != num:
            log.warning("video %s: %d frames but %d ground-truth rows; using %d", path, num, len(gt), min(num, len(gt)))
            num = min(num, len(gt))
            gt = gt[:num]
    return Sequence(name=path.stem, dataset="video", ground_truth=gt, frame_reader=VideoFrames(path, num),
                    num_frames=num)


@register_dataset("video", None, ("test",), "One video file (root=<file>), frames decoded with OpenCV.")
def load_video(root: Optional[Path], split: str = "test", ground_truth: Optional[str] = None,
               one_based: bool = True) -> SequenceList:
    """The video file ``root`` as a one-sequence dataset."""
    if root is None:
        raise DatasetError("video: pass the video file as root, e.g. load_dataset('video', root='clip.avi')")
    return finish("video", [video_sequence(root, ground_truth, one_based)])


__all__ = ["VideoFrames", "VideoReadError", "count_frames", "video_sequence", "load_video"]
