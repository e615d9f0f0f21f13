"""Annotation text files: boxes, polygons, VOT run-length-encoded masks, and per-frame flag files.

``load_boxes`` reads one target state per line and returns float64 ``(N, 4)`` boxes ``[x, y, w, h]``,
0-based continuous (``common.boxes``). A line may hold

* 4 numbers: a box ``x, y, w, h``;
* an even number >= 6 of numbers: a polygon ``x1, y1, ..., xk, yk`` (its axis-aligned bounding box);
* ``NaN`` values (one or four): the target is absent in that frame (the row stays NaN);
* ``m<x0>,<y0>,<w>,<h>,<counts...>``: a VOT2020+ mask, run-length encoded over the ``w x h`` patch at
  offset ``(x0, y0)``, row-major, runs alternating background/foreground starting with background.
  Its box covers the foreground pixels; an empty mask gives a NaN row. Mask offsets are pixel indices,
  i.e. already 0-based: ``one_based`` never shifts them.

Numbers are separated by commas, tabs, spaces or semicolons (mixed is fine). Every error is an
``AnnotationError`` naming the file and the line.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Optional

import numpy as np

from common.boxes import from_one_based, polygon_to_xywh

_SPLIT = re.compile(r"[\s,;]+")
_EDGE = re.compile(r"^[ \t,;]+|[ \t,;]+$", re.MULTILINE)
_DELIMS = re.compile(r"[ \t,;]+")


class AnnotationError(ValueError):
    """A malformed annotation file; the message names the file and the line."""


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="strict")
    except FileNotFoundError:
        raise AnnotationError(f"{path}: no such annotation file") from None
    except UnicodeDecodeError as exc:
        raise AnnotationError(f"{path}: not a text file ({exc.reason})") from None
    return text.splitlines()


def split_tokens(line: str) -> list[str]:
    """Tokens of one annotation line split at commas, tabs, spaces or semicolons."""
    return [t for t in _SPLIT.split(line.strip()) if t]


def _numbers(tokens: list[str], path: Path, lineno: int) -> np.ndarray:
    values = []
    for token in tokens:
        try:
            values.append(float(token))
        except ValueError:
            raise AnnotationError(f"{path}:{lineno}: '{token}' is not a number") from None
    return np.asarray(values, dtype=np.float64)


def rle_to_mask(counts, width: int, height: int) -> np.ndarray:
    """Decode VOT run-length counts (background first, row-major) into a ``height x width`` bool mask."""
    counts = np.asarray(counts, dtype=np.int64)
    if (counts < 0).any():
        raise ValueError("negative run length")
    total = int(counts.sum())
    if total > width * height:
        raise ValueError(f"run lengths cover {total} pixels, the {width}x{height} patch has {width * height}")
    values = (np.arange(len(counts)) % 2).astype(bool)
    flat = np.zeros(width * height, dtype=bool)
    flat[:total] = np.repeat(values, counts)
    return flat.reshape(height, width)


def mask_to_xywh(mask: np.ndarray, offset: tuple = (0, 0)) -> np.ndarray:
    """Box ``[x, y, w, h]`` (0-based, covering whole pixels) of a bool mask placed at ``offset``; NaN if empty."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return np.full(4, np.nan)
    x0, y0 = xs.min(), ys.min()
    return np.array([offset[0] + x0, offset[1] + y0, xs.max() - x0 + 1, ys.max() - y0 + 1], dtype=np.float64)


def parse_mask_line(line: str, path: Path | str = "<string>", lineno: int = 0) -> np.ndarray:
    """Box of a VOT mask line ``m<x0>,<y0>,<w>,<h>,<counts...>`` (NaN for an empty mask)."""
    tokens = split_tokens(line.strip()[1:])
    values = _numbers(tokens, Path(path), lineno)
    if len(values) < 4:
        raise AnnotationError(f"{path}:{lineno}: a mask line needs x0,y0,w,h and run lengths, got {len(values)} values")
    if not np.all(values == np.round(values)) or (values < 0).any():
        raise AnnotationError(f"{path}:{lineno}: mask values must be non-negative integers")
    x0, y0, w, h = (int(v) for v in values[:4])
    try:
        mask = rle_to_mask(values[4:], w, h)
    except ValueError as exc:
        raise AnnotationError(f"{path}:{lineno}: bad run-length mask ({exc})") from None
    return mask_to_xywh(mask, (x0, y0))


def _parse_line(line: str, path: Path, lineno: int) -> tuple[np.ndarray, bool]:
    """One line to (box, is_mask)."""
    if line.lstrip().startswith("m"):
        return parse_mask_line(line, path, lineno), True
    values = _numbers(split_tokens(line), path, lineno)
    if len(values) and np.isnan(values).all() and (len(values) in (1, 4) or len(values) >= 6):
        return np.full(4, np.nan), False
    if len(values) == 4:
        return values, False
    if len(values) >= 6 and len(values) % 2 == 0:
        if np.isnan(values).any():
            return np.full(4, np.nan), False
        return polygon_to_xywh(values), False
    raise AnnotationError(
        f"{path}:{lineno}: expected 4 values (x,y,w,h), an even number >= 6 (polygon) or a mask, got {len(values)}")


def _fast_table(lines: list[str]) -> Optional[np.ndarray]:
    """All lines as one numeric table (C speed), or None when the file needs the line-by-line parser."""
    text = "\n".join(lines)
    if "m" in text or not text.strip():
        return None
    text = _DELIMS.sub(",", _EDGE.sub("", text))
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2, dtype=np.float64)
    except ValueError:
        return None
    if table.shape[1] == 4:
        return table
    if table.shape[1] >= 6 and table.shape[1] % 2 == 0:
        out = np.full((len(table), 4), np.nan)
        ok = np.isfinite(table).all(axis=1)
        if ok.any():
            out[ok] = polygon_to_xywh(table[ok])
        return out
    return None


def load_boxes(path: str | os.PathLike, one_based: bool, allow_empty: bool = False,
               max_rows: Optional[int] = None) -> np.ndarray:
    """Boxes of an annotation file as float64 (N, 4) xywh 0-based; NaN rows where the target is absent.

    ``one_based``: the file's first pixel is 1 (OTB, UAV123, LaSOT, VOT polygons); converted once here.
    Blank lines are skipped; ``max_rows`` stops after that many boxes (e.g. GOT-10k test: first box only).
    """
    path = Path(path)
    lines = _read_lines(path)
    if max_rows is None:
        table = _fast_table(lines)
        if table is not None:
            return from_one_based(table) if one_based else table
    boxes, masks = [], []
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        box, is_mask = _parse_line(line, path, lineno)
        boxes.append(box)
        masks.append(is_mask)
        if max_rows is not None and len(boxes) >= max_rows:
            break
    if not boxes:
        if allow_empty:
            return np.zeros((0, 4), dtype=np.float64)
        raise AnnotationError(f"{path}:1: empty annotation file (no boxes)")
    out = np.stack(boxes).astype(np.float64)
    if one_based:
        shift = ~np.asarray(masks)
        if shift.any():
            out[shift] = from_one_based(out[shift])
    return out


def load_flags(path: str | os.PathLike, count: Optional[int] = None) -> np.ndarray:
    """Integer per-frame flags: one per line (GOT-10k ``absence.label``/``cover.label``) or comma separated
    on one line (LaSOT ``full_occlusion.txt``/``out_of_view.txt``). ``count`` checks the number of values."""
    path = Path(path)
    lines = _read_lines(path)
    fast = np.array(_DELIMS.split(" ".join(lines).strip()) if "".join(lines).strip() else [], dtype=object)
    try:
        numbers = fast.astype(np.float64)
        if (numbers == np.round(numbers)).all():
            values = numbers.astype(np.int64)
            if count is not None and len(values) != count:
                raise AnnotationError(f"{path}:1: expected {count} flags (one per frame), got {len(values)}")
            return values
    except ValueError:
        pass
    values: list[int] = []
    for lineno, line in enumerate(lines, start=1):
        for token in split_tokens(line):
            try:
                number = float(token)
            except ValueError:
                raise AnnotationError(f"{path}:{lineno}: flag '{token}' is not a number") from None
            if number != int(number):
                raise AnnotationError(f"{path}:{lineno}: flag '{token}' is not an integer")
            values.append(int(number))
    if count is not None and len(values) != count:
        raise AnnotationError(f"{path}:1: expected {count} flags (one per frame), got {len(values)}")
    return np.asarray(values, dtype=np.int64)


def load_frame_range(path: str | os.PathLike) -> tuple[int, int]:
    """A ``start,end`` (1-based, inclusive) frame range file such as DSST's ``<seq>_frames.txt``."""
    path = Path(path)
    lines = [(n, l) for n, l in enumerate(_read_lines(path), start=1) if l.strip()]
    if not lines:
        raise AnnotationError(f"{path}:1: empty frame-range file")
    lineno, line = lines[0]
    values = _numbers(split_tokens(line), path, lineno)
    if len(values) != 2 or values[0] > values[1] or values[0] != int(values[0]) or values[1] != int(values[1]):
        raise AnnotationError(f"{path}:{lineno}: expected 'start,end' frame numbers, got '{line.strip()}'")
    return int(values[0]), int(values[1])


__all__ = ["AnnotationError", "load_boxes", "load_flags", "load_frame_range", "rle_to_mask", "mask_to_xywh",
           "parse_mask_line", "split_tokens"]
