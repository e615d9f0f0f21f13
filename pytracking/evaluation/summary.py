"""Per-sequence success AUC of a finished run, beside a "static" reference that never moves the first box.

The reference tells whether a tracker learned anything: a tracker whose mean AUC is not clearly above
the static one's does not follow its target.
"""
from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import Optional

import numpy as np

from common import metrics
from pytracking.evaluation.results import is_complete, read_boxes, sequence_paths

PRESET = "otb"


@dataclasses.dataclass
class SequenceRow:
    """One line of the summary table (AUCs are None without ground truth or results)."""

    dataset: str
    name: str
    frames: int
    done: bool
    auc: Optional[float] = None
    static_auc: Optional[float] = None
    fps: Optional[float] = None


def metrics_available() -> bool:
    """True when ``common.metrics`` can be imported."""
    try:
        return importlib.util.find_spec("common.metrics") is not None
    except ImportError:
        return False


def success_auc(pred: np.ndarray, sequence) -> float:
    """Success AUC of ``pred`` on ``sequence`` under the OTB preset of ``common.metrics``."""
    return float(metrics.success_auc(pred, sequence.ground_truth, preset=PRESET))


def static_boxes(sequence) -> np.ndarray:
    """The prediction of a tracker that never moves: the initial box repeated for every frame."""
    return np.repeat(np.asarray(sequence.init_box, dtype=np.float64).reshape(1, 4), len(sequence), axis=0)


def has_ground_truth(sequence) -> bool:
    """True when the sequence has per-frame ground truth with at least one finite box after frame 0."""
    gt = getattr(sequence, "ground_truth", None)
    return gt is not None and len(gt) > 1 and bool(np.isfinite(gt[1:]).all(axis=1).any())


def sequence_row(run_directory: Path, dataset: str, sequence, with_auc: bool = True) -> SequenceRow:
    """The summary row of one sequence (reads its result files when complete)."""
    row = SequenceRow(dataset, sequence.name, len(sequence), is_complete(run_directory, dataset, sequence.name))
    if not row.done:
        return row
    paths = sequence_paths(run_directory, dataset, sequence.name)
    times = np.loadtxt(paths["times"], ndmin=1)
    row.fps = float(len(times) / times.sum()) if times.sum() > 0 else None
    if with_auc and has_ground_truth(sequence):
        row.auc = success_auc(read_boxes(paths["boxes"]), sequence)
        row.static_auc = success_auc(static_boxes(sequence), sequence)
    return row


def summary_rows(run_directory: Path, sequences: dict) -> list:
    """Rows for every sequence of ``sequences`` ({dataset: [Sequence]})."""
    with_auc = metrics_available()
    return [sequence_row(run_directory, ds, seq, with_auc) for ds, seqs in sequences.items() for seq in seqs]


def format_table(rows: list) -> str:
    """A plain-text table of the rows and the mean AUC next to the static reference's mean."""
    lines = [f"{'dataset':<12} {'sequence':<28} {'frames':>6} {'fps':>7} {'AUC':>6} {'static':>6}"]
    for r in rows:
        fps = f"{r.fps:7.1f}" if r.fps else "      -"
        auc = f"{r.auc:6.3f}" if r.auc is not None else ("     -" if r.done else "  todo")
        static = f"{r.static_auc:6.3f}" if r.static_auc is not None else "     -"
        lines.append(f"{r.dataset:<12} {r.name:<28} {r.frames:>6} {fps} {auc} {static}")
    scored = [r for r in rows if r.auc is not None]
    if scored:
        mean = float(np.mean([r.auc for r in scored]))
        static = float(np.mean([r.static_auc for r in scored]))
        lines.append(f"mean success AUC ({PRESET} preset, {len(scored)} sequences): {mean:.3f}   "
                     f"static first-box reference: {static:.3f}")
    elif not metrics_available():
        lines.append("no AUC: common.metrics is not available")
    else:
        lines.append("no sequence with ground truth and results: no AUC")
    return "\n".join(lines)
