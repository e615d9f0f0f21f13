"""Pieces every plugin's processing uses: crop-placement jitter, the degenerate-box check, and packing crops and
boxes into tensors. The processing itself (which crops, which targets) belongs to the plugin
(``PluginSpec.build_processing``)."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from ltr.data.sampler import Triplet

MIN_BOX_SIZE = 1.0  # pixels; a smaller ground-truth box makes the sample degenerate


class DegenerateSampleError(ValueError):
    """A ground-truth box that cannot give a sample (non-finite or smaller than ``MIN_BOX_SIZE``)."""


@dataclasses.dataclass
class Jitter:
    """Crop-placement noise: centre offset in target sizes and a log scale."""

    dx: float = 0.0
    dy: float = 0.0
    log_scale: float = 0.0

    @staticmethod
    def draw(rng: np.random.Generator, center_sigma: float, scale_sigma: float) -> "Jitter":
        """A jitter with normal centre offsets (``center_sigma`` target sizes) and log scale (``scale_sigma``)."""
        if center_sigma == 0 and scale_sigma == 0:
            return Jitter()
        return Jitter(float(rng.normal(0, center_sigma)) if center_sigma else 0.0,
                      float(rng.normal(0, center_sigma)) if center_sigma else 0.0,
                      float(rng.normal(0, scale_sigma)) if scale_sigma else 0.0)

    def apply(self, box: np.ndarray) -> np.ndarray:
        """The jittered box (same centre convention as ``common.boxes``)."""
        x, y, w, h = box
        cx, cy = x + w / 2 + self.dx * w, y + h / 2 + self.dy * h
        s = math.exp(self.log_scale)
        return np.array([cx - w * s / 2, cy - h * s / 2, w * s, h * s])


def check_box(box: np.ndarray, what: str, triplet: Triplet) -> None:
    """Raise ``DegenerateSampleError`` (naming dataset and sequence) for a non-finite or tiny ``box``."""
    b = np.asarray(box, dtype=np.float64)
    if not (np.isfinite(b).all() and b[2] >= MIN_BOX_SIZE and b[3] >= MIN_BOX_SIZE):
        raise DegenerateSampleError(f"{triplet.dataset}/{triplet.seq.name}: degenerate {what} box {b.tolist()}")


def check_triplet(triplet: Triplet) -> None:
    """``check_box`` of the template, previous and (when visible) current boxes of a triplet."""
    check_box(triplet.template_box, "template", triplet)
    check_box(triplet.prev_box, "previous", triplet)
    if triplet.cur_visible:
        check_box(triplet.cur_box, "current", triplet)


def image_tensor(img: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 3xHxW uint8. Crops travel from the workers as bytes (a quarter of float32's shared memory and
    copies); ``ltr.trainer.trainer.move_batch`` makes them float32 0-255 on the training device."""
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.uint8))


def box_tensor(box) -> torch.Tensor:
    """A box as a float32 tensor of 4 values."""
    return torch.tensor(np.asarray(box, dtype=np.float32).reshape(4))
