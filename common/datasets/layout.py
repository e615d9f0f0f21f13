"""Helpers the readers share: natural sorting, frame listing, and the list of sequences a root lacks.

A reader returns a ``SequenceList`` (a plain ``list`` of ``Sequence``) whose ``missing`` attribute names
the listed sequences that the root does not hold; ``missing_sequences(seqs)`` reads it for any list.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterable, Optional

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")
_DIGITS = re.compile(r"(\d+)")


class SequenceList(list):
    """A list of ``Sequence``; ``missing`` names listed sequences absent from the root."""

    def __init__(self, items: Iterable = (), missing: Iterable[str] = ()) -> None:
        super().__init__(items)
        self.missing: list[str] = list(missing)


def missing_sequences(sequences: list) -> list[str]:
    """Names of the listed sequences that the dataset root lacks (empty for a complete root)."""
    return list(getattr(sequences, "missing", []))


def natural_key(name: str) -> list:
    """Sort key that orders ``img2`` before ``img10``."""
    return [int(part) if part.isdigit() else part.lower() for part in _DIGITS.split(name)]


def list_images(folder: Path, extensions: tuple = IMAGE_EXTENSIONS) -> list[Path]:
    """Image files directly inside ``folder``, sorted naturally (hidden files skipped)."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.suffix.lower() in extensions and not p.name.startswith(".")
             and p.is_file()]
    return sorted(files, key=lambda p: natural_key(p.name))


def frame_number(path: Path) -> Optional[int]:
    """The last integer in a frame file's stem (``0300.jpg`` -> 300, ``img00001.jpg`` -> 1), or None."""
    numbers = _DIGITS.findall(path.stem)
    return int(numbers[-1]) if numbers else None


def fill_frame_gaps(images: list[Path], source: str = "", expected: Optional[int] = None) -> list[Path]:
    """Frames with a hole in their numbering (``0002.jpg``, ``0004.jpg``) get the missing file's path in its place.

    Boxes are paired with frames by position, so a deleted frame would otherwise shift every later box onto
    the wrong frame. Filled only when the frames are fewer than ``expected`` (the boxes) and the numbering
    counts in steps of one (some step is 1, or the numbered span fits ``expected``; not every fifth frame).
    The placeholder path does not exist, so reading it raises ``ImageReadError`` naming it (a training loader
    skips and counts it). A warning names the missing files.
    """
    numbers = [frame_number(p) for p in images]
    if len(images) < 2 or any(n is None for n in numbers) or (expected is not None and len(images) >= expected):
        return list(images)
    steps = [b - a for a, b in zip(numbers, numbers[1:])]
    span = numbers[-1] - numbers[0] + 1
    if any(s < 1 for s in steps) or not (min(steps) == 1 or (expected is not None and span <= expected)):
        return list(images)
    out: list[Path] = [images[0]]
    missing: list[str] = []
    for prev, path, step in zip(images, images[1:], steps):
        for k in range(1, step):
            digits = _DIGITS.findall(prev.stem)[-1]
            number = str(int(digits) + k).zfill(len(digits))
            head, _, tail = prev.stem.rpartition(digits)
            placeholder = prev.with_name(f"{head}{number}{tail}{prev.suffix}")
            out.append(placeholder)
            missing.append(placeholder.name)
        out.append(path)
    if missing:
        shown = ", ".join(missing[:10]) + (f" ... ({len(missing)} in all)" if len(missing) > 10 else "")
        log.warning("%s: frame files missing from the numbering: %s (kept in place so the boxes stay aligned; "
                    "reading them fails)", source or images[0].parent, shown)
    return out


def read_name_list(path: Path) -> list[str]:
    """Sequence names, one per line (blank lines and ``#`` comments skipped)."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def finish(dataset: str, sequences: list, listed: Optional[Iterable[str]] = None,
           present: Optional[Iterable[str]] = None) -> SequenceList:
    """Wrap ``sequences`` in a ``SequenceList``; log and record which ``listed`` names are not ``present``."""
    missing: list[str] = []
    if listed is not None:
        have = set(present if present is not None else (s.name for s in sequences))
        missing = [n for n in listed if n not in have]
        if missing:
            shown = ", ".join(missing[:10]) + (f" ... (+{len(missing) - 10})" if len(missing) > 10 else "")
            log.warning("%s: %d listed sequence(s) are not in the root: %s", dataset, len(missing), shown)
    return SequenceList(sequences, missing)


__all__ = ["SequenceList", "missing_sequences", "natural_key", "list_images", "frame_number", "fill_frame_gaps",
           "read_name_list",
           "finish", "IMAGE_EXTENSIONS"]
