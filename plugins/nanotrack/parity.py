"""Parity of the toolkit's NanoTrack with ``cv2.TrackerNano``: both trackers on the same frames, box by box.

Both start from the same integer box (cv2 takes whole pixels). ``cv2.TrackerNano`` reports
``int(x), int(y), int(w), int(h)`` of its float state (truncation), as ``nanotrack/default`` does (``report=opencv``);
next to the raw IoU (the boxes as the two trackers report them) the comparison gives the IoU after truncating our box
(``reported_iou``; the same for ``report=opencv``): equal to 1 wherever the two internal states agree to the
truncation, whichever way ours is reported.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from common.boxes import iou
from common.datasets import evaluation_split, load_dataset
from common.metrics import preset_for_dataset, success_auc
from plugins.nanotrack.opencv_peer import integer_box
from plugins.nanotrack.tracker import reported_box
from pytracking.tracker import Tracker, check_output

# The shared real data: (dataset, split, root relative to the shared data folder).
SHARED_SETS = (("otb", None, "sequences/otb"), ("vot", None, "sequences/vot"), ("uav123", None, "sequences/uav123"),
               ("dsst", None, "sequences/dsst"), ("got10k", "val", "trainset"))
DIVERGED = 0.9  # reported IoU below this: the trackers chose different boxes (not a rounding difference)


@dataclasses.dataclass
class SequenceParity:
    """One sequence: per-frame IoUs between the trackers, each tracker's success AUC, the first divergence."""

    dataset: str
    name: str
    frames: int
    raw_iou: float                 # mean over frames 1.. of IoU(our box, cv2's integer box), as reported
    reported_iou: float            # the same with our box truncated as cv2 reports
    auc_ours: float
    auc_opencv: float
    first_divergence: Optional[int]  # first frame with reported IoU < DIVERGED
    margin_at_divergence: Optional[float]  # our best minus second-best windowed score there (a near-tie is small)
    seconds: float


def _margin(pscore: Optional[np.ndarray]) -> Optional[float]:
    if pscore is None:
        return None
    top = np.sort(np.asarray(pscore).reshape(-1))[-2:]
    return float(top[1] - top[0])


def compare_sequence(sequence, ours: Tracker, reference: Tracker, dataset: str,
                     max_frames: Optional[int] = None) -> SequenceParity:
    """Run ``ours`` and ``reference`` side by side over ``sequence`` (first ``max_frames`` frames)."""
    n = len(sequence) if max_frames is None else min(len(sequence), max_frames)
    start_box = np.asarray(integer_box(sequence.init_box), dtype=np.float64)
    boxes = {"ours": np.zeros((n, 4)), "ref": np.zeros((n, 4))}
    boxes["ours"][0] = boxes["ref"][0] = start_box
    margins: list = [None]
    start = time.perf_counter()
    for i in range(n):
        image = sequence.frame(i)
        if i == 0:
            ours.initialize(image, start_box.copy())
            reference.initialize(image, start_box.copy())
            continue
        out = ours.track(image)
        boxes["ours"][i] = check_output(out)["box"]
        boxes["ref"][i] = check_output(reference.track(image))["box"]
        margins.append(_margin(out.get("score_fused")))
    seconds = time.perf_counter() - start
    raw = iou(boxes["ours"][1:], boxes["ref"][1:])
    reported = iou(reported_box(boxes["ours"][1:]), boxes["ref"][1:])
    diverged = np.flatnonzero(reported < DIVERGED)
    first = int(diverged[0]) + 1 if len(diverged) else None
    gt, visible = sequence.ground_truth[:n], getattr(sequence, "visible", None)
    visible = None if visible is None else visible[:n]
    preset = preset_for_dataset(dataset)
    return SequenceParity(dataset, sequence.name, n, float(raw.mean()) if len(raw) else 1.0,
                          float(reported.mean()) if len(reported) else 1.0,
                          success_auc(boxes["ours"], gt, preset, visible), success_auc(boxes["ref"], gt, preset, visible),
                          first, margins[first] if first is not None else None, seconds)


def shared_sequences(shared_data: Path, sets: Iterable[tuple] = SHARED_SETS) -> list[tuple[str, object]]:
    """(dataset, sequence) pairs of the shared annotated data that exists under ``shared_data``."""
    out = []
    for name, split, root in sets:
        folder = Path(shared_data) / root
        if folder.is_dir():
            out += [(name, seq) for seq in load_dataset(name, evaluation_split(name, split), root=folder)]
    return out
