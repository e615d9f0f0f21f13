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

from common import image_io
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


def image_mean(image: np.ndarray) -> np.ndarray:
    """Per-channel mean of an HxW or HxWxC image (float64)."""
    if image.ndim == 2 or image.shape[-1] <= 4:
        return np.asarray(cv2.mean(image)[: 1 if image.ndim == 2 else image.shape[-1]], dtype=np.float64)
    return image.reshape(-1, image.shape[-1]).mean(axis=0)


def warp_with(image: np.ndarray, transform: CropTransform, pad_value=None, interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Apply a crop transform to an image (padding outside with ``pad_value``, default the image mean)."""
    s = transform.scale
    # cv2 places pixel centres at integers; our continuous convention places them at i + 0.5.
    tx = 0.5 * s - 0.5 - s * transform.origin_x
    ty = 0.5 * s - 0.5 - s * transform.origin_y
    matrix = np.array([[s, 0.0, tx], [0.0, s, ty]], dtype=np.float64)
    if pad_value is None:
        pad_value = image_mean(image)
    border = tuple(float(v) for v in np.atleast_1d(pad_value))
    return cv2.warpAffine(image, matrix, (transform.out_size, transform.out_size), flags=interpolation,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def crop_square(image: np.ndarray, center, side: float, out_size: int, pad_value=None) -> tuple[np.ndarray, CropTransform]:
    """Crop a square of ``side`` pixels centred at ``center`` and resize it to ``out_size``; returns (crop, transform)."""
    transform = crop_transform(center, side, out_size)
    return warp_with(image, transform, pad_value), transform


# ---------------------------------------------------------------------------------------------------------------
# Cropping straight from encoded bytes: decode only what the crop needs (the one fast crop path of the data loader).

LOSSLESS_CROP_MIN_PIXELS = 400_000   # cut a JPEG region out before decoding only on images at least this large
LOSSLESS_CROP_MAX_FRACTION = 0.5     # ... and only when the region is at most this fraction of the image


def reduction_factor(transform: CropTransform) -> int:
    """Largest DCT-domain reduction (1, 2, 4, 8) that keeps the decoded image at least as fine as the crop."""
    shrink = 1.0 / transform.scale
    for r in (8, 4, 2):
        if shrink >= r:
            return r
    return 1


def _needed_region(transform: CropTransform, width: int, height: int, margin: int):
    """Integer image region ``(x0, y0, x1, y1)`` the crop samples from, grown by ``margin``, clipped to the image."""
    side = transform.out_size / transform.scale
    x0 = max(0, int(math.floor(transform.origin_x)) - margin)
    y0 = max(0, int(math.floor(transform.origin_y)) - margin)
    x1 = min(width, int(math.ceil(transform.origin_x + side)) + margin)
    y1 = min(height, int(math.ceil(transform.origin_y + side)) + margin)
    return x0, y0, x1, y1


def _resize_window(image: np.ndarray, ox: int, oy: int, n: int, out_size: int, pad_value) -> np.ndarray:
    """The ``n``x``n`` window at integer ``(ox, oy)`` of ``image`` (padded with ``pad_value``), resized to out_size."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(ox, 0), max(oy, 0), min(ox + n, w), min(oy + n, h)
    pad = tuple(float(v) for v in np.atleast_1d(pad_value))
    if x1 <= x0 or y1 <= y0:
        window = np.empty((n, n, image.shape[2]), image.dtype)
        window[:] = np.asarray(pad, dtype=np.float64).round().astype(image.dtype)
    elif x0 == ox and y0 == oy and x1 == ox + n and y1 == oy + n:
        window = image[y0:y1, x0:x1]
    else:
        window = cv2.copyMakeBorder(image[y0:y1, x0:x1], y0 - oy, oy + n - y1, x0 - ox, ox + n - x1,
                                    cv2.BORDER_CONSTANT, value=pad)
    if n == out_size:
        return np.ascontiguousarray(window)
    return cv2.resize(window, (out_size, out_size), interpolation=cv2.INTER_LINEAR)


def crop_window(image: np.ndarray, x0: int, y0: int, side: int, out_size: int,
                pad_value=None) -> tuple[np.ndarray, CropTransform]:
    """The ``side`` x ``side`` window whose top-left pixel is integer ``(x0, y0)`` (padded with ``pad_value``, default
    the image mean), resized to ``out_size``: for trackers that place their crop on whole pixels themselves."""
    side = int(side)
    if side < 1:
        raise ValueError(f"crop side must be at least one pixel, got {side}")
    if pad_value is None:
        pad_value = image_mean(image)
    crop = _resize_window(image, int(x0), int(y0), side, int(out_size), pad_value)
    return crop, CropTransform(float(x0), float(y0), out_size / side, int(out_size))


def crop_snapped(image: np.ndarray, center, side: float, out_size: int, pad_value=None, reduction: int = 1,
                 offset=(0, 0)) -> tuple[np.ndarray, CropTransform]:
    """Fast ``crop_square``: the window is snapped to whole pixels of ``image`` and resized (no general warp).

    ``image`` may be a part of a larger image (its pixel (0, 0) is original pixel ``offset``) decoded at
    ``1 / reduction`` resolution. The window's origin moves by at most half a pixel of ``image`` and its side by
    at most one; the returned transform (original image -> crop) is the exact one of the crop made.
    """
    requested = crop_transform(center, side, out_size)
    r = int(reduction)
    n = max(1, int(round(side / r)))
    ox = int(round((requested.origin_x - offset[0]) / r + (side / r - n) / 2))
    oy = int(round((requested.origin_y - offset[1]) / r + (side / r - n) / 2))
    if pad_value is None:
        pad_value = image_mean(image)
    crop = _resize_window(image, ox, oy, n, int(out_size), pad_value)
    transform = CropTransform(offset[0] + ox * r, offset[1] + oy * r, out_size / (n * r), int(out_size))
    return crop, transform


def crop_from_bytes(data: bytes, center, side: float, out_size: int, path: str = "<bytes>",
                    pad_value=None) -> tuple[np.ndarray, CropTransform]:
    """``crop_square`` of an encoded image, decoding only what the crop needs; returns (RGB crop, transform).

    JPEGs are decoded DCT-reduced by 2/4/8 when the crop shrinks the image that much, and on large images the
    needed region (plus one MCU of margin) is first cut out losslessly. The window is snapped to whole decoded
    pixels (``crop_snapped``): the returned transform is exact for the crop made, so boxes land where it says.
    The padding defaults to the mean of the decoded part. Other formats are decoded fully. Unreadable bytes
    raise ``common.image_io.ImageReadError``.
    """
    if not image_io.is_jpeg(data):
        return crop_snapped(image_io.decode_image(data, path), center, side, out_size, pad_value)
    requested = crop_transform(center, side, out_size)
    r = reduction_factor(requested)
    x0 = y0 = 0
    width, height, (mcu_w, mcu_h) = image_io.jpeg_header(data, path)
    if image_io.lossless_crop_available():
        rx0, ry0, rx1, ry1 = _needed_region(requested, width, height, margin=max(mcu_w, mcu_h, 2 * r))
        area = width * height
        if rx1 > rx0 and ry1 > ry0 and area >= LOSSLESS_CROP_MIN_PIXELS \
                and (rx1 - rx0) * (ry1 - ry0) <= LOSSLESS_CROP_MAX_FRACTION * area:
            x0, y0 = rx0 // mcu_w * mcu_w, ry0 // mcu_h * mcu_h
            try:
                data = image_io.jpeg_crop(data, x0, y0, rx1 - x0, ry1 - y0, path)
            except image_io.ImageReadError:
                x0 = y0 = 0  # a JPEG variant the transformer refuses: decode it whole (raises if truly corrupt)
    bgr = image_io.decode_jpeg_bgr(data, r, path)
    pad = None if pad_value is None else np.asarray(pad_value, dtype=np.float64).reshape(-1)[::-1]
    crop, transform = crop_snapped(bgr, center, side, out_size, pad, reduction=r, offset=(x0, y0))
    return cv2.cvtColor(crop, cv2.COLOR_BGR2RGB), transform


def crop_from_file(path, center, side: float, out_size: int, pad_value=None,
                   data: bytes | None = None) -> tuple[np.ndarray, CropTransform]:
    """``crop_square`` of the image file ``path`` via ``crop_from_bytes`` (pass ``data`` when already read)."""
    path = str(path)
    if data is None:
        data = image_io.read_bytes(path)
    return crop_from_bytes(data, center, side, out_size, path, pad_value)
