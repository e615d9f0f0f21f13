"""The one crop function: a square region of an image, resized, padded with the image mean.

Coordinates follow ``common.boxes`` (0-based continuous). A crop of side ``side`` centred at ``center``
resized to ``out_size`` maps image point p to crop point ``(p - origin) * scale`` with
``origin = center - side / 2`` and ``scale = out_size / side``.
"""
from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from common.boxes import as_boxes


@dataclasses.dataclass(frozen=True)
class CropTransform:
    """Image-to-crop similarity: ``crop = (image - origin) * scale``."""

    origin_x: float
    origin_y: float
    scale: float
    out_size: int

    def point_to_crop(self, points) -> np.ndarray:
        p = np.asarray(points, dtype=np.float64)
        return (p - np.array([self.origin_x, self.origin_y])) * self.scale

    def point_from_crop(self, points) -> np.ndarray:
        p = np.asarray(points, dtype=np.float64)
        return p / self.scale + np.array([self.origin_x, self.origin_y])

    def box_to_crop(self, boxes) -> np.ndarray:
        b = as_boxes(boxes).copy()
        b[:, :2] = (b[:, :2] - [self.origin_x, self.origin_y]) * self.scale
        b[:, 2:] *= self.scale
        return b[0] if np.asarray(boxes).ndim == 1 else b

    def box_from_crop(self, boxes) -> np.ndarray:
        b = as_boxes(boxes).copy()
        b[:, 2:] /= self.scale
        b[:, :2] = b[:, :2] / self.scale + [self.origin_x, self.origin_y]
        return b[0] if np.asarray(boxes).ndim == 1 else b


def context_side(width: float, height: float, context: float = 0.5) -> float:
    """SiamFC's template side: ``sqrt((w + p) * (h + p))`` with ``p = context * (w + h)``."""
    pad = context * (width + height)
    return math.sqrt(max(width + pad, 1e-6) * max(height + pad, 1e-6))


def crop_transform(center, side: float, out_size: int) -> CropTransform:
    """The transform of a square crop of ``side`` image pixels centred at ``center``, resized to ``out_size``."""
    if not side > 0:
        raise ValueError(f"crop side must be positive, got {side}")
    cx, cy = float(center[0]), float(center[1])
    return CropTransform(cx - side / 2, cy - side / 2, out_size / side, int(out_size))


def warp_with(image: np.ndarray, transform: CropTransform, pad_value=None, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Apply a crop transform to an image (padding outside with ``pad_value``, default the image mean)."""
    s = transform.scale
    # cv2 places pixel centres at integers; our continuous convention places them at i + 0.5.
    tx = 0.5 * s - 0.5 - s * transform.origin_x
    ty = 0.5 * s - 0.5 - s * transform.origin_y
    matrix = np.array([[s, 0.0, tx], [0.0, s, ty]], dtype=np.float64)
    if pad_value is None:
        pad_value = image.reshape(-1, image.shape[-1]).mean(axis=0) if image.ndim == 3 else float(image.mean())
    border = tuple(float(v) for v in np.atleast_1d(pad_value))
    return cv2.warpAffine(image, matrix, (transform.out_size, transform.out_size), flags=interpolation,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def crop_square(image: np.ndarray, center, side: float, out_size: int, pad_value=None) -> tuple[np.ndarray, CropTransform]:
    """Crop a square of ``side`` pixels centred at ``center`` and resize it to ``out_size``; returns (crop, transform)."""
    transform = crop_transform(center, side, out_size)
    return warp_with(image, transform, pad_value), transform
