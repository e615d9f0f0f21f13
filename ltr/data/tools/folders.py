"""Sequences straight from a folder of sequence folders (frames + one ground-truth text file each).

Used by the tools as ``--dataset folder --root DIR`` (e.g. a benchmark folder whose registry reader is not set
up): each sub-folder holding images (directly or under ``img/`` / ``imgs/``) and exactly one ``*.txt`` file with
one 1-based ``x,y,w,h`` box (or 8-value polygon) per line becomes a ``Sequence``. Frames beyond the annotations
are dropped (OTB's Football1 ships more images than boxes).
"""
from __future__ import annotations

from pathlib import Path

from common.annotations import load_boxes
from common.datasets import DatasetError, load_dataset
from common.datasets.base import Sequence

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


def _frames(folder: Path) -> list[Path]:
    for sub in (folder / "img", folder / "imgs", folder):
        if sub.is_dir():
            frames = sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if frames:
                return frames
    return []


def _annotation(folder: Path) -> Path | None:
    texts = sorted(p for p in folder.glob("*.txt") if "gt" in p.name.lower() or "groundtruth" in p.name.lower()
                   or p.stem == folder.name)
    return texts[0] if texts else None


def folder_sequences(root: str | Path) -> list[Sequence]:
    """One ``Sequence`` per sub-folder of ``root`` (or ``root`` itself) with frames and a ground-truth file."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    candidates = [root] + sorted(p for p in root.rglob("*") if p.is_dir())
    out = []
    for folder in candidates:
        frames, gt_path = _frames(folder), _annotation(folder)
        if not frames or gt_path is None:
            continue
        boxes = load_boxes(gt_path, one_based=True)
        n = min(len(frames), len(boxes))
        out.append(Sequence(name=folder.name, dataset="folder", frames=[str(p) for p in frames[:n]],
                            ground_truth=boxes[:n]))
    if not out:
        raise DatasetError(f"{root}: no sequence folders (frames + a ground-truth .txt) found")
    return out


def load_sequences(name: str, split: str | None = None, root: str | Path | None = None) -> list[Sequence]:
    """``common.datasets.load_dataset(name, split, root)``, or ``folder_sequences(root)`` for ``name == 'folder'``."""
    if name == "folder":
        if root is None:
            raise DatasetError("--dataset folder needs --root")
        return folder_sequences(root)

    return load_dataset(name, split, root)
