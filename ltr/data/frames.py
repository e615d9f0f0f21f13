"""Crops of sequence frames for one sample, decoding only what each crop needs (``common.crop.crop_from_bytes``).

A ``FrameCropper`` lives for one sample: file bytes (and frames of generated sequences) are cached so that crops
from the same frame (template and previous crop on a first-frame sample, the two crops of an image pair) read
and decode the file once. It also accumulates the time spent reading/decoding/cropping (for ``bench``).
"""
from __future__ import annotations

import time

import numpy as np

from common.crop import CropTransform, crop_from_bytes, crop_snapped
from common.datasets.base import Sequence
from common.image_io import ImageReadError, read_bytes


class FrameCropper:
    """Per-sample cache of frame bytes / decoded frames, and the one way processing crops a frame."""

    def __init__(self) -> None:
        self._bytes: dict[str, bytes] = {}
        self._frames: dict[tuple[int, int], np.ndarray] = {}
        self.seconds = 0.0
        self.transforms: list[CropTransform] = []  # of every crop made, in order (template, previous, current)

    def crop(self, seq: Sequence, index: int, center, side: float, out_size: int) -> tuple[np.ndarray, CropTransform]:
        """Square crop (RGB uint8) of frame ``index`` of ``seq`` and its image-to-crop transform."""
        start = time.perf_counter()
        try:
            path = seq.frame_path(index) if seq.frame_reader is None else None
            if path is not None:
                data = self._bytes.get(path)
                if data is None:
                    data = self._bytes[path] = read_bytes(path)
                crop, transform = crop_from_bytes(data, center, side, out_size, path)
            else:
                key = (id(seq), index)
                frame = self._frames.get(key)
                if frame is None:
                    frame = self._frames[key] = self._generated(seq, index)
                crop, transform = crop_snapped(frame, center, side, out_size)
            self.transforms.append(transform)
            return crop, transform
        finally:
            self.seconds += time.perf_counter() - start

    @staticmethod
    def _generated(seq: Sequence, index: int) -> np.ndarray:
        frame = seq.frame(index)
        if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ImageReadError(f"{seq.dataset}/{seq.name} frame {index}: the frame reader did not return RGB uint8 "
                                 f"HxWx3 (got {getattr(frame, 'shape', type(frame))})")
        return frame
