"""Helpers of the data-pipeline tests: generated sequences, a toy geometry, a box probe for rendered crops, and a
minimal tracker-neutral processing for the core loader."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from common.boxes import box_center
from common.crop import context_side
from common.datasets.base import Sequence
from common.geometry import Geometry, Grid
from ltr.data.processing import Jitter, check_box, image_tensor

TOY_GEOMETRY = Geometry(template_size=64, search_size=128, score=Grid(9, 8.0, 32.0), feature=Grid(15, 8.0, 8.0),
                        template_feature_size=7)


def make_frames(n: int, size=(160, 120), seed: int = 0, speed=(2.0, 1.0), box_wh=(24.0, 16.0)):
    """(frames RGB, boxes xywh): a white box moving over a noisy dark background."""
    rng = np.random.default_rng(seed)
    w, h = size
    frames, boxes = [], []
    for i in range(n):
        img = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
        x, y = 30 + speed[0] * i, 40 + speed[1] * i
        bx = np.array([x, y, box_wh[0], box_wh[1]])
        img[int(y):int(y + box_wh[1]), int(x):int(x + box_wh[0])] = 255
        frames.append(img)
        boxes.append(bx)
    return frames, np.array(boxes, dtype=np.float64)


def write_sequence(folder: Path, name: str, n: int, seed: int = 0, **kw) -> Sequence:
    """A Sequence of ``n`` JPEG files in ``folder/name`` with exact integer boxes."""
    frames, boxes = make_frames(n, seed=seed, **kw)
    boxes = np.floor(boxes)
    out = folder / name
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(frames):
        p = out / f"{i:04d}.jpg"
        cv2.imwrite(str(p), cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        paths.append(str(p))
    return Sequence(name=name, dataset="toy", frames=paths, ground_truth=boxes)


def reader_sequence(name: str, n: int, seed: int = 0, **kw) -> Sequence:
    """A Sequence whose frames come from a frame_reader callable (no files)."""
    frames, boxes = make_frames(n, seed=seed, **kw)
    boxes = np.floor(boxes)
    return Sequence(name=name, dataset="toy", ground_truth=boxes, frame_reader=lambda i: frames[i], num_frames=n)




def _crossings(profile: np.ndarray) -> tuple[float, float]:
    """Continuous positions where the profile first rises above and last falls below half its range."""
    lo, hi = float(profile.min()), float(profile.max())
    half = (lo + hi) / 2
    above = np.flatnonzero(profile >= half)
    i, k = int(above[0]), int(above[-1])
    left = (i - 1 + 0.5) + (half - profile[i - 1]) / (profile[i] - profile[i - 1])
    right = (k + 0.5) + (profile[k] - half) / (profile[k] - profile[k + 1])
    return float(left), float(right)


def measure_box(crop: np.ndarray, expected) -> np.ndarray:
    """[x, y, w, h] of the bright box in an RGB crop, using profiles through the middle of ``expected``."""
    gray = crop.astype(np.float64).mean(axis=2)
    x, y, w, h = expected
    rows = slice(int(y + 0.3 * h), int(np.ceil(y + 0.7 * h)))
    cols = slice(int(x + 0.3 * w), int(np.ceil(x + 0.7 * w)))
    x0, x1 = _crossings(gray[rows].mean(axis=0))
    y0, y1 = _crossings(gray[:, cols].mean(axis=1))
    return np.array([x0, y0, x1 - x0, y1 - y0])


def box_image(width: int, height: int, box, background: int = 30, value: int = 230) -> np.ndarray:
    """RGB uint8 image with an integer box filled with ``value``."""
    img = np.full((height, width, 3), background, np.uint8)
    x, y, w, h = (int(v) for v in box)
    img[y:y + h, x:x + w] = value
    return img


def write_box_sequence(folder: Path, name: str, n: int, size=(320, 240), start=(100.0, 90.0), step=(3.0, 2.0),
                       wh=(40, 28)) -> Sequence:
    """JPEG frames (quality 100) of one flat bright box moving on a flat background, exact integer boxes."""
    out = folder / name
    out.mkdir(parents=True, exist_ok=True)
    paths, boxes = [], []
    for i in range(n):
        box = (int(start[0] + step[0] * i), int(start[1] + step[1] * i), wh[0], wh[1])
        p = out / f"{i:04d}.jpg"
        cv2.imwrite(str(p), cv2.cvtColor(box_image(size[0], size[1], box), cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 100])
        paths.append(str(p))
        boxes.append(box)
    return Sequence(name=name, dataset="boxes", frames=paths, ground_truth=np.array(boxes, float))


def tensor_image(t) -> np.ndarray:
    """3xHxW float tensor -> HxWx3 float array."""
    return t.permute(1, 2, 0).numpy()


class CropProcessing:
    """A minimal processing for the core loader's tests: the template crop and a jittered current search crop
    centred on the previous box (what every Siamese plugin's processing starts with), no targets."""

    def __init__(self, geometry: Geometry, context: float = 0.5) -> None:
        self.geometry, self.context = geometry, context

    def __call__(self, triplet, rng, cropper) -> dict:
        g, t = self.geometry, triplet.template_box
        check_box(t, "template", triplet)
        template, _ = cropper.crop(triplet.template_seq, triplet.template_frame, box_center(t),
                                   context_side(t[2], t[3], self.context), g.template_size)
        est = Jitter.draw(rng, 0.1, 0.1).apply(triplet.prev_box)
        side = context_side(est[2], est[3], self.context) * g.search_size / g.template_size
        search, _ = cropper.crop(triplet.seq, triplet.cur_frame, box_center(est), side, g.search_size)
        return {"template": image_tensor(template), "search_cur": image_tensor(search),
                "is_negative": torch.tensor(float(triplet.is_negative)), "labeled": torch.tensor(float(triplet.labeled))}


crop_processing = CropProcessing
