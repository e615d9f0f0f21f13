"""The one image reader: RGB uint8 HxWx3 from JPEG (jpeg4py / libjpeg-turbo when it loads, else OpenCV),
PNG, grayscale or 16-bit files. A corrupt, empty or missing file raises ``ImageReadError`` naming the path.
"""
from __future__ import annotations

import logging
import os

import cv2
import numpy as np

log = logging.getLogger(__name__)


class ImageReadError(OSError):
    """An image file is missing, empty, corrupt or truncated."""


_turbo = None  # None: not tried yet; False: unavailable


def _jpeg4py():
    global _turbo
    if _turbo is None:
        try:
            import jpeg4py

            jpeg4py.JPEG(np.zeros(0, np.uint8))  # loads libturbojpeg, raises if the library is missing
            _turbo = jpeg4py
        except (ImportError, OSError, AttributeError) as exc:
            log.warning("jpeg4py/libturbojpeg unavailable (%s): decoding JPEGs with OpenCV", exc)
            _turbo = False
    return _turbo or None


def _to_rgb_uint8(img: np.ndarray, path: str) -> np.ndarray:
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        raise ImageReadError(f"{path}: unsupported pixel type {img.dtype}")
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    else:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    return img


def is_jpeg(data: bytes) -> bool:
    """True when ``data`` starts with the JPEG SOI marker."""
    return data[:2] == b"\xff\xd8"


def decode_image(data: bytes, path: str = "<bytes>") -> np.ndarray:
    """Decode encoded image bytes to RGB uint8 HxWx3."""
    if not data:
        raise ImageReadError(f"{path}: empty file (0 bytes)")
    if is_jpeg(data):
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise ImageReadError(f"{path}: truncated JPEG (no end-of-image marker)")
        turbo = _jpeg4py()
        if turbo is not None:
            try:
                img = turbo.JPEG(np.frombuffer(data, np.uint8)).decode()
                if img.ndim == 3 and img.shape[2] == 3:
                    return img
                return _to_rgb_uint8(img.squeeze(), path)
            except Exception as exc:  # jpeg4py raises a bare JPEGRuntimeError subclass of Exception
                raise ImageReadError(f"{path}: corrupt JPEG ({exc})") from exc
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if img is None:
        raise ImageReadError(f"{path}: cannot decode image (corrupt or unsupported format)")
    return _to_rgb_uint8(img, path)


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as RGB uint8 HxWx3."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ImageReadError(f"{path}: no such image file") from None
    except IsADirectoryError:
        raise ImageReadError(f"{path}: is a folder, not an image") from None
    return decode_image(data, path)
