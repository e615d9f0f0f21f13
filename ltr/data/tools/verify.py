"""Check a dataset before training on it: frames exist and decode, one annotation per frame, sane boxes."""
from __future__ import annotations

import dataclasses

import numpy as np
from tqdm import tqdm

from common.datasets.base import Sequence
from common.image_io import ImageReadError


@dataclasses.dataclass
class SequenceCheck:
    """Findings for one sequence: ``errors`` make the dataset unusable, ``warnings`` are worth a look."""

    name: str
    frames: int
    annotations: int
    decoded: int = 0
    degenerate_boxes: int = 0
    outside_boxes: int = 0
    resolutions: set = dataclasses.field(default_factory=set)
    errors: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _frames_to_decode(n: int, full: bool) -> list[int]:
    if full or n <= 5:
        return list(range(n))
    return sorted({0, n // 4, n // 2, 3 * n // 4, n - 1})


def check_sequence(seq: Sequence, full: bool = False) -> SequenceCheck:
    """Decode the first/last/some frames (all with ``full``) and check the annotations of ``seq``."""
    n = len(seq)
    gt = seq.ground_truth
    check = SequenceCheck(seq.name, n, 0 if gt is None else len(gt))
    if n == 0:
        check.errors.append("no frames")
        return check
    if gt is None:
        check.warnings.append("no annotations")
    elif len(gt) != n:
        check.errors.append(f"{len(gt)} annotations for {n} frames")
    for i in _frames_to_decode(n, full):
        try:
            frame = seq.frame(i)
        except ImageReadError as exc:
            check.errors.append(f"frame {i}: {exc}")
            continue
        check.decoded += 1
        check.resolutions.add((int(frame.shape[1]), int(frame.shape[0])))
    if len(check.resolutions) > 1:
        check.warnings.append(f"resolution changes: {sorted(check.resolutions)}")
    if gt is not None and len(gt):
        _check_boxes(check, gt)
    return check


def _check_boxes(check: SequenceCheck, gt: np.ndarray) -> None:
    finite = np.isfinite(gt).all(axis=1)
    degenerate = finite & ((gt[:, 2] <= 0) | (gt[:, 3] <= 0))
    check.degenerate_boxes = int(degenerate.sum())
    if check.degenerate_boxes:
        first = int(np.flatnonzero(degenerate)[0])
        check.warnings.append(f"{check.degenerate_boxes} degenerate boxes (first at frame {first}: {gt[first].tolist()})")
    if len(check.resolutions) == 1:
        w, h = next(iter(check.resolutions))
        b = gt[finite & ~degenerate]
        outside = (b[:, 0] >= w) | (b[:, 1] >= h) | (b[:, 0] + b[:, 2] <= 0) | (b[:, 1] + b[:, 3] <= 0)
        check.outside_boxes = int(outside.sum())
        if check.outside_boxes:
            check.warnings.append(f"{check.outside_boxes} boxes entirely outside the {w}x{h} image")


def verify_sequences(sequences: list[Sequence], full: bool = False, progress: bool = True) -> list[SequenceCheck]:
    """``check_sequence`` for every sequence (with a progress bar)."""
    return [check_sequence(s, full) for s in tqdm(sequences, desc="verify", unit="seq", disable=not progress)]
