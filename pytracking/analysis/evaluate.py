"""Score result sets on a dataset: overall numbers (mean +- std over run ids), per sequence and per attribute.

FPS is total frames / total seconds over the sequences that have ``<seq>_time.txt`` files.
"""
from __future__ import annotations

import ast
import dataclasses
import logging
from pathlib import Path
from typing import Optional

import numpy as np
from tqdm import tqdm

from common import metrics
from common.datasets.training import read_meta_info
from common.metrics import DatasetScores, Preset, SequenceScores
from pytracking.analysis.cache import ScoreCache, score_key
from pytracking.analysis.results import AnalysisError, ResultSet, check_length, read_boxes, read_times, sequence_key

log = logging.getLogger(__name__)

METRIC_KEYS = ("AUC", "P", "NP", "AO", "SR0.5", "SR0.75")


@dataclasses.dataclass
class RunReport:
    """Scores of one run id (one result folder)."""

    folder: Path
    sequences: dict
    overall: Optional[DatasetScores]
    fps: Optional[float]
    attributes: dict
    missing: list


@dataclasses.dataclass
class TrackerReport:
    """All run ids of one tracker on one dataset."""

    name: str
    preset: str
    runs: list

    def numbers(self) -> dict:
        """``{metric: (mean, std)}`` over run ids (``FPS`` included when time files exist)."""
        out = {}
        rows = [r.overall.as_row() for r in self.runs if r.overall is not None]
        for key in METRIC_KEYS:
            values = np.array([row[key] for row in rows], dtype=np.float64)
            out[key] = (float(values.mean()), float(values.std())) if len(values) else (float("nan"), 0.0)
        fps = np.array([r.fps for r in self.runs if r.fps is not None])
        out["FPS"] = (float(fps.mean()), float(fps.std())) if len(fps) else (float("nan"), 0.0)
        return out

    def curves(self) -> dict:
        """Success, precision and normalised precision curves averaged over run ids."""
        runs = [r.overall for r in self.runs if r.overall is not None]
        return {key: np.mean([getattr(r, key) for r in runs], axis=0)
                for key in ("success_curve", "precision_curve", "norm_precision_curve")}

    def per_sequence(self) -> dict:
        """``{sequence: {AUC, P, NP, AO, frames}}`` averaged over the run ids that have the sequence."""
        names = sorted({n for r in self.runs for n in r.sequences}, key=str.lower)
        out = {}
        for name in names:
            scores = [r.sequences[name] for r in self.runs if name in r.sequences]
            out[name] = {"AUC": float(np.mean([s.auc for s in scores])),
                         "P": float(np.mean([s.precision_curve for s in scores], axis=0)[_p_index(self.preset)]),
                         "AO": float(np.mean([s.ao for s in scores])), "frames": scores[0].num_frames}
        return out

    def per_attribute(self) -> dict:
        """``{attribute: {AUC, P, NP, sequences}}`` averaged over run ids."""
        attrs = sorted({a for r in self.runs for a in r.attributes})
        out = {}
        for attr in attrs:
            rows = [r.attributes[attr] for r in self.runs if attr in r.attributes]
            out[attr] = {"AUC": float(np.mean([d.auc for d in rows])), "P": float(np.mean([d.precision for d in rows])),
                         "NP": float(np.mean([d.norm_precision for d in rows])), "sequences": rows[0].num_sequences}
        return out


def _p_index(preset_name: str) -> int:
    preset = metrics.get_preset(preset_name)
    return int(np.argmin(np.abs(np.asarray(preset.precision_thresholds) - preset.precision_at)))


def image_size(sequence) -> Optional[tuple]:
    """``(width, height)`` from a GOT-10k ``meta_info.ini`` beside the frames, else None (no image is read)."""
    path = sequence.frame_path(0) if len(sequence) else None
    if not path:
        return None
    meta = Path(path).parent / "meta_info.ini"
    if not meta.is_file():
        return None

    value = read_meta_info(meta).get("resolution")
    try:
        width, height = ast.literal_eval(value) if value else (None, None)
        return (float(width), float(height)) if width and height else None
    except (ValueError, SyntaxError, TypeError):
        log.warning("%s: unreadable resolution '%s'; boxes are not bounded to the image", meta, value)
        return None


def _score_sequence(path: Path, sequence, preset: Preset, result: ResultSet, missing: str,
                    cache: ScoreCache) -> SequenceScores:
    gt = sequence.ground_truth
    size = image_size(sequence) if preset.clip_to_image else None
    key = score_key(path.read_bytes(), gt, sequence.visible, preset, one_based=result.one_based, missing=missing,
                    image_size=size, frames=len(gt))

    def compute() -> SequenceScores:
        boxes = read_boxes(path, result.one_based)
        check_length(path, boxes, len(gt), sequence.name, missing)
        return metrics.evaluate_sequence(boxes, gt, preset, visible=sequence.visible, image_size=size,
                                         name=sequence.name, missing=missing)

    return cache.get(key, compute)


def evaluate_run(folder: Path, result: ResultSet, sequences: list, preset: Preset, missing: str = "error",
                 cache: Optional[ScoreCache] = None) -> RunReport:
    """Scores of one result folder on ``sequences`` (sequences without a result file are listed as missing)."""
    cache = cache or ScoreCache(enabled=False)
    files = result.files(folder)
    scored, missing_names, frames, seconds = {}, [], 0, 0.0
    for seq in tqdm(sequences, desc=f"{result.name}", leave=False, disable=True if len(sequences) < 200 else None):
        path = files.get(sequence_key(seq.name))
        if path is None:
            missing_names.append(seq.name)
            continue
        scored[seq.name] = _score_sequence(path, seq, preset, result, missing, cache)
        times = read_times(path)
        if times is not None and len(times) and np.isfinite(times).all() and times.sum() > 0:
            frames += len(times)
            seconds += float(times.sum())
    overall = metrics.aggregate(scored.values(), preset) if scored else None
    by_attr = {}
    for attr in sorted({a for s in sequences for a, v in (s.attributes or {}).items() if v}):
        members = [scored[s.name] for s in sequences if (s.attributes or {}).get(attr) and s.name in scored]
        if members:
            by_attr[attr] = metrics.aggregate(members, preset)
    return RunReport(folder=folder, sequences=scored, overall=overall, fps=frames / seconds if seconds else None,
                     attributes=by_attr, missing=missing_names)


def evaluate_result_set(result: ResultSet, sequences: list, preset: Preset, missing: str = "error",
                        cache: Optional[ScoreCache] = None) -> TrackerReport:
    """Every run id of ``result`` scored on ``sequences``."""
    no_gt = [s.name for s in sequences if s.ground_truth is None]
    if no_gt:
        raise AnalysisError(f"{len(no_gt)} sequence(s) have no ground truth (e.g. {no_gt[0]}): this split is "
                            "evaluated by the benchmark's server (see pytracking/pack_results.py)")
    runs = [evaluate_run(folder, result, sequences, preset, missing, cache) for folder in result.folders]
    for run in runs:
        if run.missing:
            log.warning("%s: %d of %d sequences have no result file (%s%s)", run.folder, len(run.missing),
                        len(sequences), ", ".join(run.missing[:5]), ", ..." if len(run.missing) > 5 else "")
    if all(r.overall is None for r in runs):
        raise AnalysisError(f"tracker '{result.name}': none of the {len(sequences)} sequences has a result file in "
                            f"{', '.join(str(f) for f in result.folders)}")
    return TrackerReport(name=result.name, preset=preset.name, runs=runs)


__all__ = ["METRIC_KEYS", "RunReport", "TrackerReport", "image_size", "evaluate_run", "evaluate_result_set"]
