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
    return decode_image(read_bytes(path), path)


def read_bytes(path: str | os.PathLike) -> bytes:
    """The raw bytes of an image file; a missing file or a folder raises ``ImageReadError``."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise ImageReadError(f"{path}: no such image file") from None
    except IsADirectoryError:
        raise ImageReadError(f"{path}: is a folder, not an image") from None
    if not data:
        raise ImageReadError(f"{path}: empty file (0 bytes)")
    return data


class _TurboHandles:
    """Per-process turbojpeg transform handle (created lazily, after a fork)."""

    pid = None
    transform = None


def _turbo_lib():
    turbo = _jpeg4py()
    if turbo is None:
        return None
    from jpeg4py import _cffi

    if _TurboHandles.pid != os.getpid():
        _TurboHandles.pid = os.getpid()
        _TurboHandles.transform = _cffi.lib.tjInitTransform()
    return _cffi


_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_header(data: bytes, path: str = "<bytes>"):
    """``(width, height, (mcu_w, mcu_h))`` read from a JPEG's frame header (SOF segment)."""
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            raise ImageReadError(f"{path}: corrupt JPEG (bad marker at byte {pos})")
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        length = (data[pos + 2] << 8) | data[pos + 3]
        if marker in _SOF_MARKERS:
            if pos + 10 > n:
                break
            height = (data[pos + 5] << 8) | data[pos + 6]
            width = (data[pos + 7] << 8) | data[pos + 8]
            components = data[pos + 9]
            h_max = v_max = 1
            for k in range(components):
                at = pos + 10 + 3 * k + 1
                if at >= n:
                    break
                h_max, v_max = max(h_max, data[at] >> 4), max(v_max, data[at] & 15)
            if width == 0 or height == 0:
                raise ImageReadError(f"{path}: corrupt JPEG (frame size {width}x{height})")
            return width, height, (8 * h_max if components > 1 else 8, 8 * v_max if components > 1 else 8)
        if marker == 0xDA:
            break
        pos += 2 + length
    raise ImageReadError(f"{path}: corrupt JPEG (no frame header)")


def jpeg_crop(data: bytes, x: int, y: int, w: int, h: int, path: str = "<bytes>") -> bytes:
    """Losslessly cut the region (x, y multiples of the MCU size) out of JPEG bytes (a smaller JPEG)."""
    c = _turbo_lib()
    if c is None:
        raise ImageReadError(f"{path}: lossless JPEG cropping needs libturbojpeg")
    dst = c.ffi.new("unsigned char **")
    size = c.ffi.new("unsigned long *")
    transform = c.ffi.new("tjtransform *")
    transform.r.x, transform.r.y, transform.r.w, transform.r.h = int(x), int(y), int(w), int(h)
    transform.op, transform.options = 0, 4 | 64  # TJXOP_NONE, TJXOPT_CROP | TJXOPT_COPYNONE (no APPn markers)
    src = c.ffi.cast("unsigned char *", c.ffi.from_buffer(data))
    if c.lib.tjTransform(_TurboHandles.transform, src, len(data), 1, dst, size, transform, 0) != 0:
        message = c.ffi.string(c.lib.tjGetErrorStr()).decode(errors="replace")
        if dst[0] != c.ffi.NULL:
            c.lib.tjFree(dst[0])
        raise ImageReadError(f"{path}: corrupt JPEG ({message})")
    try:
        return bytes(c.ffi.buffer(dst[0], size[0]))
    finally:
        c.lib.tjFree(dst[0])


_REDUCED_FLAGS = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
                  8: cv2.IMREAD_REDUCED_COLOR_8}


def decode_jpeg_bgr(data: bytes, reduction: int = 1, path: str = "<bytes>") -> np.ndarray:
    """Decode JPEG bytes to BGR uint8, DCT-domain reduced by ``reduction`` (1, 2, 4 or 8): pixel j covers
    original pixels ``[r*j, r*(j+1))`` and the size is ``ceil(W / r) x ceil(H / r)``."""
    if reduction not in _REDUCED_FLAGS:
        raise ValueError(f"reduction must be 1, 2, 4 or 8, got {reduction}")
    if not data:
        raise ImageReadError(f"{path}: empty file (0 bytes)")
    if not is_jpeg(data):
        raise ImageReadError(f"{path}: not a JPEG file")
    if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise ImageReadError(f"{path}: truncated JPEG (no end-of-image marker)")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), _REDUCED_FLAGS[reduction])
    if img is None:
        raise ImageReadError(f"{path}: corrupt JPEG (cannot decode)")
    return img


def image_size(path: str | os.PathLike) -> tuple[int, int]:
    """``(width, height)`` of an image file: read from the JPEG header, other formats decoded."""
    data = read_bytes(path)
    if is_jpeg(data):
        width, height, _ = jpeg_header(data, str(path))
        return width, height
    img = decode_image(data, str(path))
    return img.shape[1], img.shape[0]


def lossless_crop_available() -> bool:
    """True when ``jpeg_crop`` can work (libturbojpeg loaded through jpeg4py)."""
    return _jpeg4py() is not None
