"""The timed sequence: OTB Couple from the shared data when present, a folder, a name, or a synthetic one; its
frames (decoded and as files) and boxes."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import cv2
import numpy as np

from common.datasets import load_dataset
from pytracking.speed.errors import BenchmarkError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SEQUENCE = "Couple"
SEQUENCE_KINDS = ("otb", "uav123", "vot", "dsst")  # folders of ../shared/data/sequences searched for a name


def shared_data_root() -> Path:
    """The shared real-data folder (``DCTRACK_SHARED_DATA`` or ``../shared/data`` beside the repository)."""
    return Path(os.environ.get("DCTRACK_SHARED_DATA", REPO.parent / "shared" / "data"))


def _sequence_from_folder(folder: Path):
    for seq in load_dataset("generic", root=folder.parent):
        if seq.name == folder.name:
            return seq
    raise BenchmarkError(f"{folder}: not a sequence folder (frames, or img/, and one ground-truth .txt)")


def load_sequence(spec: Optional[str]) -> tuple[Any, str]:
    """(sequence, label) from a folder path, a name under the shared data's sequences/ folders, or 'synthetic'.

    Without ``spec``: OTB Couple from the shared data when present, else the first synthetic test sequence.
    """
    if spec and Path(spec).expanduser().is_dir():
        folder = Path(spec).expanduser().resolve()
        return _sequence_from_folder(folder), str(folder)
    name = spec or DEFAULT_SEQUENCE
    root = shared_data_root() / "sequences"
    for kind in SEQUENCE_KINDS:
        if (root / kind / name).is_dir():
            return _sequence_from_folder(root / kind / name), f"{kind}/{name}"
    if spec and spec != "synthetic":
        raise BenchmarkError(f"sequence '{spec}' is neither a folder nor a sequence under {root}/{{{','.join(SEQUENCE_KINDS)}}}")
    sequence = load_dataset("synthetic", "test")[0]
    return sequence, f"synthetic/{sequence.name}"


def sequence_info(sequence, label: str) -> dict:
    """Name, length and frame size of the timed sequence (for the report)."""
    image = sequence.frame(0)
    return {"name": label, "frames": len(sequence), "height": int(image.shape[0]), "width": int(image.shape[1])}


def init_box(sequence) -> np.ndarray:
    """The sequence's initial box (its init_box, else the first ground-truth row)."""
    box = getattr(sequence, "init_box", None)
    if box is None:
        box = sequence.ground_truth[0]
    box = np.asarray(box, dtype=np.float64).reshape(4)
    if not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        raise BenchmarkError(f"sequence {sequence.name}: no valid initial box ({box.tolist()})")
    return box


def frame_indices(sequence, frames: int) -> list[int]:
    """Indices of the ``frames`` tracked frames after frame 0 (cycling when the sequence is shorter)."""
    n = len(sequence)
    if n < 2:
        raise BenchmarkError(f"sequence {sequence.name} has {n} frame(s); need at least 2")
    return [1 + (i % (n - 1)) for i in range(frames)]


def frame_files(sequence, indices: list[int], images: dict, folder: Path) -> list[str]:
    """Paths of the frames at ``indices``; frames without a file (generated ones) are written as JPEGs to ``folder``."""
    paths = []
    for i in indices:
        path = sequence.frame_path(i)
        if path is None:
            path = str(folder / f"{i:06d}.jpg")
            if not Path(path).is_file() and not cv2.imwrite(path, cv2.cvtColor(images[i], cv2.COLOR_RGB2BGR)):
                raise BenchmarkError(f"could not write the JPEG frame {path}")
        paths.append(path)
    return paths


def boxes_for(sequence, indices: list[int], fallback: np.ndarray) -> list[np.ndarray]:
    """Ground-truth boxes at ``indices`` (the last valid one where a row is missing or NaN)."""
    gt = getattr(sequence, "ground_truth", None)
    out, last = [], fallback
    for i in indices:
        row = np.asarray(gt[i], dtype=np.float64) if gt is not None and i < len(gt) else None
        if row is not None and np.all(np.isfinite(row)) and row[2] > 0 and row[3] > 0:
            last = row
        out.append(last)
    return out
