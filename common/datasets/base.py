"""The Sequence seam: one description of an annotated (or unannotated) video for training and evaluation.

Every dataset reader (OTB, LaSOT, GOT-10k, COCO, synthetic, ...) returns ``Sequence`` objects. Boxes are
float ``[x, y, w, h]`` 0-based continuous (see ``common.boxes``); a row of NaN means the target is absent
or unannotated in that frame.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Sequence as Seq

import numpy as np

from common.image_io import read_image


@dataclasses.dataclass
class Sequence:
    """An image sequence with optional per-frame ground truth.

    ``frames`` is a list of image paths, or ``frame_reader`` reads frame i (generated or decoded video).
    ``visible`` marks frames where the target is present (defaults to rows of finite, positive-size boxes).
    """

    name: str
    dataset: str
    frames: list = dataclasses.field(default_factory=list)
    ground_truth: Optional[np.ndarray] = None
    visible: Optional[np.ndarray] = None
    occlusion: Optional[np.ndarray] = None
    attributes: dict = dataclasses.field(default_factory=dict)
    object_class: Optional[str] = None
    init_box: Optional[np.ndarray] = None
    frame_reader: Optional[Callable[[int], np.ndarray]] = None
    num_frames: Optional[int] = None
    is_video: bool = True

    def __post_init__(self) -> None:
        if self.ground_truth is not None:
            self.ground_truth = np.asarray(self.ground_truth, dtype=np.float64).reshape(-1, 4)
        if self.visible is None and self.ground_truth is not None:
            gt = self.ground_truth
            self.visible = np.isfinite(gt).all(axis=1) & (gt[:, 2] > 0) & (gt[:, 3] > 0)
        if self.init_box is None and self.ground_truth is not None and len(self.ground_truth):
            self.init_box = self.ground_truth[0].copy()

    def __len__(self) -> int:
        if self.num_frames is not None:
            return self.num_frames
        return len(self.frames)

    def frame_path(self, index: int) -> Optional[str]:
        """Path of frame ``index`` when frames are files, else None."""
        return str(self.frames[index]) if self.frames else None

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as an RGB uint8 HxWx3 array."""
        if self.frame_reader is not None:
            return self.frame_reader(index)

        return read_image(self.frames[index])
