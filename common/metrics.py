"""The one implementation of single-object tracking metrics: IoU, centre error, success/precision curves.

Everything is computed on boxes in the toolkit convention (``[x, y, w, h]``, 0-based continuous,
``common.boxes``). A ``Preset`` spells out every rule a benchmark toolkit applies; ``evaluate_sequence``
scores one sequence under a preset and ``aggregate`` combines sequences the way that toolkit does.

Presets (what the official toolkits do, checked against their code):

* ``otb`` (OTB MATLAB toolkit ``calcSeqErrRobust`` / ``calcRectInt``): 21 IoU thresholds 0, 0.05, ..., 1,
  success means IoU > t (strict); precision thresholds 0..50 px, success means error <= t, reported at
  20 px; frame 1 counts and its prediction is replaced by the ground truth; a prediction with NaN or
  non-positive size (where the ground truth is finite) is replaced by the previous one. Frames whose
  ground truth is invalid stay in the denominator: IoU -1 (a failure) and, a quirk of the toolkit, centre
  error -1 (a success for precision). Per-sequence curves are averaged over sequences; AUC = mean of the
  averaged success curve over its 21 thresholds (sequences whose curve is all zero are skipped, as the
  toolkit's ranking does; with frame 1 counted this never happens).
* ``uav`` and ``nfs``: UAV123 and NfS were evaluated with the same OTB-derived MATLAB code (pysot's
  Python ports agree), so they equal ``otb``. UAV123's NaN rows (absent target) therefore count as
  success failures and, through the -1 quirk, as precision successes.
* ``lasot`` (LaSOT_Evaluation_Toolkit ``calc_seq_err_robust`` / ``eval_tracker`` / ``plot_draw_save``):
  as ``otb``, but absent frames (``full_occlusion`` or ``out_of_view``) are removed from the errors while
  the rates are still divided by ALL frames, so an absent frame is a failure for success, precision and
  normalised precision alike. Normalised precision: centres divided by the ground-truth width/height,
  thresholds 0, 0.01, ..., 0.5, reported at 0.2. The ranking averages only sequences whose curve is not
  all zero (``drop_all_zero_curves``).
* ``got10k`` (got10k toolkit ``ExperimentGOT10k.report``/``_evaluate``): frame 0 is dropped, frames whose
  ``cover`` is 0 (absent) are dropped from numerator and denominator, boxes are clipped to the image
  when its size is known (``bound`` of ``rect_iou``), IoUs of all sequences are concatenated (frame
  weighting): AO = mean IoU, SR_t = mean(IoU > t) for t = 0.5, 0.75; the success curve has 101 thresholds
  ``linspace(0, 1, 101)`` with IoU > t.

Centre convention: the OTB/LaSOT/got10k toolkits put a centre at ``x + (w - 1) / 2`` (their boxes are
1-based pixel indices); inside the toolkit a centre is ``x + w / 2``. A constant offset applied to both the
prediction and the ground truth cancels in every centre error (also the normalised one, which divides
the difference by the ground-truth size), so ``center_convention`` changes centres, never scores.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Iterable, Optional, Sequence as Seq

import numpy as np

from common.boxes import as_boxes, is_valid_box, iou as box_iou

log = logging.getLogger(__name__)

CENTER_CONVENTIONS = ("continuous", "minus_one_half")
WEIGHTINGS = ("sequence", "frame")


class MetricError(ValueError):
    """Predictions and ground truth that cannot be scored together (lengths, shapes, unknown preset)."""


# ------------------------------------------------------------------------------------------ elementary
def iou(pred, gt) -> np.ndarray:
    """IoU of paired continuous boxes (0 where either is invalid; exactly 1 for identical valid boxes)."""
    a, b = as_boxes(pred), as_boxes(gt)
    out = np.atleast_1d(box_iou(a, b)).copy()
    # (x + w) - x need not equal w in floating point: identical boxes get exactly 1, as they should
    same = (a == b).all(axis=1) & is_valid_box(a)
    out[np.broadcast_to(same, out.shape)] = 1.0
    return out


def centers(boxes, convention: str = "continuous") -> np.ndarray:
    """Box centres: ``x + w/2`` (``continuous``) or ``x + (w-1)/2`` (``minus_one_half``, the OTB toolkit rule)."""
    if convention not in CENTER_CONVENTIONS:
        raise MetricError(f"unknown centre convention '{convention}' (known: {', '.join(CENTER_CONVENTIONS)})")
    b = as_boxes(boxes)
    offset = 0.0 if convention == "continuous" else -0.5
    return b[:, :2] + b[:, 2:] / 2 + offset


def center_error(pred, gt, convention: str = "continuous") -> np.ndarray:
    """Euclidean distance (pixels) between the centres of paired boxes."""
    diff = centers(pred, convention) - centers(gt, convention)
    return np.sqrt((diff ** 2).sum(axis=1))


def normalized_center_error(pred, gt, convention: str = "continuous") -> np.ndarray:
    """Centre distance with x and y divided by the ground-truth width and height (LaSOT's rule)."""
    g = as_boxes(gt)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = (centers(pred, convention) - centers(g, convention)) / g[:, 2:]
    return np.sqrt((diff ** 2).sum(axis=1))


def bound_boxes(boxes, width: float, height: float) -> np.ndarray:
    """Boxes bounded to the image as the got10k toolkit's ``rect_iou(bound=...)`` does.

    x, y are clipped to [0, W], [0, H], then w, h to [0, W - x], [0, H - y] (a box sticking out on the
    left is moved, not cropped: the toolkit's rule, kept so AO matches it).
    """
    b = as_boxes(boxes).copy()
    b[:, 0] = np.clip(b[:, 0], 0, width)
    b[:, 1] = np.clip(b[:, 1], 0, height)
    b[:, 2] = np.clip(b[:, 2], 0, width - b[:, 0])
    b[:, 3] = np.clip(b[:, 3], 0, height - b[:, 1])
    return b


def rate_curve(values: np.ndarray, thresholds, above: bool, strict: bool = True, denominator: Optional[int] = None
               ) -> np.ndarray:
    """Fraction of ``values`` above (IoU) or below-or-equal (errors) each threshold; NaN counts as a failure."""
    v = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    t = np.asarray(thresholds, dtype=np.float64).reshape(1, -1)
    with np.errstate(invalid="ignore"):
        if above:
            hit = v > t if strict else v >= t
        else:
            hit = v <= t
    n = len(v) if denominator is None else denominator
    if n == 0:
        return np.full(t.shape[1], np.nan)
    return hit.sum(axis=0) / n


def curve_auc(curve: np.ndarray) -> float:
    """Area under a success curve as the toolkits report it: the mean over its (uniform) thresholds."""
    return float(np.mean(curve))


# -------------------------------------------------------------------------------------------- presets
def _thresholds(start: float, stop: float, count: int) -> tuple:
    return tuple(float(round(v, 10)) for v in np.linspace(start, stop, count))


@dataclasses.dataclass(frozen=True)
class Preset:
    """Every rule of one benchmark protocol (see the module docstring for the sources)."""

    name: str
    iou_thresholds: tuple = _thresholds(0, 1, 21)
    success_strict: bool = True                   # success is IoU > t (True) or IoU >= t
    precision_thresholds: tuple = _thresholds(0, 50, 51)
    norm_precision_thresholds: tuple = _thresholds(0, 0.5, 51)
    precision_at: float = 20.0                    # reported precision threshold (pixels)
    norm_precision_at: float = 0.2                # reported normalised precision threshold
    sr_thresholds: tuple = (0.5, 0.75)            # success rates reported as SR0.5, SR0.75
    center_convention: str = "minus_one_half"     # cancels in every error; recorded for the report
    exclude_absent: bool = False                  # absent frames leave numerator AND denominator
    absent_precision_success: bool = False        # (not excluded) absent frames count as precision successes
    replace_invalid_with_previous: bool = True
    first_frame_counts: bool = True
    first_frame_is_gt: bool = True                # frame 0's prediction is replaced by the ground truth
    clip_to_image: bool = False                   # bound boxes to the image (got10k) when its size is known
    weighting: str = "sequence"                   # average per-sequence curves, or concatenate frames
    drop_all_zero_curves: bool = False            # LaSOT ranking skips sequences whose curve is all zero
    description: str = ""

    def __post_init__(self) -> None:
        if self.center_convention not in CENTER_CONVENTIONS:
            raise MetricError(f"preset {self.name}: center_convention must be one of {CENTER_CONVENTIONS}")
        if self.weighting not in WEIGHTINGS:
            raise MetricError(f"preset {self.name}: weighting must be one of {WEIGHTINGS}")
        for key in ("iou_thresholds", "precision_thresholds", "norm_precision_thresholds"):
            values = np.asarray(getattr(self, key), dtype=np.float64)
            if values.ndim != 1 or len(values) < 2 or np.any(np.diff(values) <= 0):
                raise MetricError(f"preset {self.name}: {key} must be at least two increasing values")
        if not np.isclose(np.asarray(self.precision_thresholds), self.precision_at).any():
            raise MetricError(f"preset {self.name}: precision_at={self.precision_at} is not one of the thresholds")
        if not np.isclose(np.asarray(self.norm_precision_thresholds), self.norm_precision_at).any():
            raise MetricError(f"preset {self.name}: norm_precision_at={self.norm_precision_at} is not a threshold")

    def summary(self) -> str:
        """One line stating the rules, for reports."""
        n = len(self.iou_thresholds)
        absent = "excluded" if self.exclude_absent else "failures (divided by all frames)"
        return (f"preset {self.name}: {n} IoU thresholds {self.iou_thresholds[0]:g}..{self.iou_thresholds[-1]:g}, "
                f"success IoU {'>' if self.success_strict else '>='} t, P@{self.precision_at:g}px, "
                f"NP@{self.norm_precision_at:g}, absent frames {absent}, "
                f"first frame {'counted' if self.first_frame_counts else 'skipped'}, "
                f"invalid boxes {'-> previous' if self.replace_invalid_with_previous else 'score 0'}, "
                f"{self.weighting}-weighted")


OTB = Preset("otb", absent_precision_success=True, drop_all_zero_curves=True,
             description="OTB MATLAB toolkit (OPE): 21 thresholds, IoU > t, P@20, frame 1 = gt, sequence mean.")
PRESETS: dict[str, Preset] = {
    "otb": OTB,
    "uav": dataclasses.replace(OTB, name="uav", description="UAV123: the OTB toolkit rules (NaN rows = absent)."),
    "nfs": dataclasses.replace(OTB, name="nfs", description="NfS: the OTB toolkit rules."),
    "lasot": Preset("lasot", drop_all_zero_curves=True,
                    description="LaSOT toolkit: absent frames are failures, rates divided by all frames."),
    "got10k": Preset("got10k", iou_thresholds=_thresholds(0, 1, 101), exclude_absent=True,
                     replace_invalid_with_previous=False, first_frame_counts=False, first_frame_is_gt=False,
                     clip_to_image=True, weighting="frame",
                     description="got10k toolkit: frame 0 and absent frames dropped, frames concatenated."),
}
_DATASET_PRESET = {"otb": "otb", "uav123": "uav", "uav20l": "uav", "uav": "uav", "nfs": "nfs", "lasot": "lasot",
                   "got10k": "got10k"}


def get_preset(preset) -> Preset:
    """A ``Preset`` from itself or its name."""
    if isinstance(preset, Preset):
        return preset
    if preset not in PRESETS:
        raise MetricError(f"unknown metric preset '{preset}' (known: {', '.join(sorted(PRESETS))})")
    return PRESETS[preset]


def preset_for_dataset(dataset: str) -> Preset:
    """The preset of a dataset name (``uav123`` -> ``uav``); other datasets use ``otb``."""
    return PRESETS[_DATASET_PRESET.get(dataset, "otb")]


# ------------------------------------------------------------------------------------ one sequence
@dataclasses.dataclass
class SequenceScores:
    """Per-frame errors and curves of one sequence under one preset.

    ``ious``/``center_errors``/``norm_center_errors`` hold one value per frame in the denominator
    (absent frames that count as failures hold -1 IoU and +inf errors, or -1 errors under
    ``absent_precision_success``).
    """

    name: str
    preset: str
    ious: np.ndarray
    center_errors: np.ndarray
    norm_center_errors: np.ndarray
    success_curve: np.ndarray
    precision_curve: np.ndarray
    norm_precision_curve: np.ndarray
    num_frames: int

    @property
    def auc(self) -> float:
        """Success AUC (mean of the success curve)."""
        return curve_auc(self.success_curve)

    @property
    def ao(self) -> float:
        """Average overlap over the counted frames (failures count 0)."""
        return float(np.mean(np.clip(self.ious, 0, None))) if len(self.ious) else float("nan")

    def success_rate(self, threshold: float, strict: bool = True) -> float:
        """Fraction of counted frames with IoU above ``threshold``."""
        return float(rate_curve(self.ious, [threshold], above=True, strict=strict)[0]) if len(self.ious) \
            else float("nan")

    def to_dict(self) -> dict:
        """JSON-able form (for caches)."""
        out = dataclasses.asdict(self)
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in out.items()}

    @classmethod
    def from_dict(cls, data: dict) -> "SequenceScores":
        """Inverse of ``to_dict``."""
        arrays = {f.name for f in dataclasses.fields(cls) if f.type in ("np.ndarray",)}
        return cls(**{k: (np.asarray(v, dtype=np.float64) if k in arrays else v) for k, v in data.items()})


def _prepare_predictions(pred: np.ndarray, gt: np.ndarray, preset: Preset) -> np.ndarray:
    pred = pred.copy()
    if preset.first_frame_is_gt and len(gt) and np.isfinite(gt[0]).all():
        pred[0] = gt[0]
    if preset.replace_invalid_with_previous:
        bad = ~is_valid_box(pred)
        gt_finite = np.isfinite(gt).all(axis=1)
        for i in np.flatnonzero(bad & gt_finite):
            if i > 0:
                pred[i] = pred[i - 1]
    return pred


MISSING_POLICIES = ("error", "repeat", "fail")


def complete_predictions(pred, num_frames: int, missing: str = "error", where: str = "") -> np.ndarray:
    """Predictions padded to ``num_frames`` rows: ``error`` raises naming the counts, ``repeat`` repeats the
    last box, ``fail`` adds NaN rows (scored as the preset scores an invalid box)."""
    pred = as_boxes(pred) if len(np.asarray(pred)) else np.zeros((0, 4))
    if len(pred) >= num_frames:
        return pred
    if missing not in MISSING_POLICIES:
        raise MetricError(f"unknown missing-frames policy '{missing}' (known: {', '.join(MISSING_POLICIES)})")
    if missing == "error" or (missing == "repeat" and not len(pred)):
        raise MetricError(f"{where}{len(pred)} predicted boxes for {num_frames} ground-truth frames")
    fill = np.repeat(pred[-1:], num_frames - len(pred), axis=0) if missing == "repeat" \
        else np.full((num_frames - len(pred), 4), np.nan)
    return np.vstack([pred, fill])


def evaluate_sequence(pred, gt, preset="otb", visible=None, image_size: Optional[tuple] = None,
                      name: str = "", missing: str = "error") -> SequenceScores:
    """Score predictions (N,4) against ground truth (N,4, NaN rows absent) under ``preset``.

    ``visible`` (N,) marks frames where the target is present (default: finite, positive-size gt rows);
    ``image_size`` ``(width, height)`` bounds boxes for presets with ``clip_to_image``. Extra prediction
    rows are ignored; too few rows raise ``MetricError`` unless ``missing`` is ``repeat`` or ``fail``
    (see ``complete_predictions``).
    """
    preset = get_preset(preset)
    gt = as_boxes(gt)
    where = f"sequence {name}: " if name else ""
    pred = complete_predictions(pred, len(gt), missing, where)
    if len(pred) > len(gt):
        log.debug("%s%d predictions, %d ground-truth frames: scoring the first %d", where, len(pred), len(gt),
                  len(gt))
        pred = pred[: len(gt)]
    present = is_valid_box(gt)
    if visible is not None:
        visible = np.asarray(visible, dtype=bool).reshape(-1)
        if len(visible) != len(gt):
            raise MetricError(f"{where}{len(visible)} visibility flags for {len(gt)} frames")
        present &= visible
    pred = _prepare_predictions(pred, gt, preset)
    if preset.clip_to_image and image_size is not None:
        pred, gt = bound_boxes(pred, *image_size), bound_boxes(gt, *image_size)
    counted = np.ones(len(gt), dtype=bool)
    if not preset.first_frame_counts:
        counted[0] = False
    if preset.exclude_absent:
        counted &= present
    scored = counted & present
    ious = np.full(len(gt), -1.0)
    absent_err = -1.0 if preset.absent_precision_success else np.inf
    errors = np.full(len(gt), absent_err)
    norm_errors = np.full(len(gt), absent_err)
    if scored.any():
        ious[scored] = iou(pred[scored], gt[scored])
        err = center_error(pred[scored], gt[scored], preset.center_convention)
        nerr = normalized_center_error(pred[scored], gt[scored], preset.center_convention)
        errors[scored] = np.where(np.isfinite(err), err, np.inf)
        norm_errors[scored] = np.where(np.isfinite(nerr), nerr, np.inf)
    ious, errors, norm_errors = ious[counted], errors[counted], norm_errors[counted]
    return SequenceScores(
        name=name, preset=preset.name, ious=ious, center_errors=errors, norm_center_errors=norm_errors,
        success_curve=rate_curve(ious, preset.iou_thresholds, above=True, strict=preset.success_strict),
        precision_curve=rate_curve(errors, preset.precision_thresholds, above=False),
        norm_precision_curve=rate_curve(norm_errors, preset.norm_precision_thresholds, above=False),
        num_frames=int(counted.sum()))


def success_auc(pred, gt, preset="otb", visible=None) -> float:
    """Success AUC of one sequence (shortcut used by run summaries and training validation)."""
    return evaluate_sequence(pred, gt, preset, visible=visible).auc


# ------------------------------------------------------------------------------------ many sequences
@dataclasses.dataclass
class DatasetScores:
    """Curves and summary numbers of a set of sequences under one preset."""

    preset: str
    num_sequences: int
    num_frames: int
    success_curve: np.ndarray
    precision_curve: np.ndarray
    norm_precision_curve: np.ndarray
    auc: float
    precision: float
    norm_precision: float
    ao: float
    sr: dict

    def as_row(self) -> dict:
        """Summary numbers as a flat dict (``SR0.5`` keys for the success rates)."""
        row = {"AUC": self.auc, "P": self.precision, "NP": self.norm_precision, "AO": self.ao}
        row.update({f"SR{t:g}": v for t, v in self.sr.items()})
        return row


def _value_at(curve: np.ndarray, thresholds, at: float) -> float:
    index = int(np.argmin(np.abs(np.asarray(thresholds, dtype=np.float64) - at)))
    return float(curve[index])


def _mean_curve(curves: list, drop_zero: bool) -> np.ndarray:
    stack = np.stack(curves)
    if drop_zero:
        keep = stack.sum(axis=1) > np.finfo(float).eps
        stack = stack[keep] if keep.any() else stack
    return stack.mean(axis=0)


def aggregate(scores: Iterable[SequenceScores], preset="otb") -> DatasetScores:
    """Combine per-sequence scores as the preset's toolkit does (sequence mean or frame concatenation)."""
    preset = get_preset(preset)
    scores = list(scores)
    if not scores:
        raise MetricError("aggregate: no sequences to combine")
    others = {s.preset for s in scores} - {preset.name}
    if others:
        raise MetricError(f"aggregate: scores computed with preset(s) {sorted(others)}, not '{preset.name}'")
    if preset.weighting == "frame":
        ious = np.concatenate([s.ious for s in scores])
        errors = np.concatenate([s.center_errors for s in scores])
        nerrors = np.concatenate([s.norm_center_errors for s in scores])
        succ = rate_curve(ious, preset.iou_thresholds, above=True, strict=preset.success_strict)
        prec = rate_curve(errors, preset.precision_thresholds, above=False)
        nprec = rate_curve(nerrors, preset.norm_precision_thresholds, above=False)
        ao = float(np.mean(np.clip(ious, 0, None))) if len(ious) else float("nan")
        sr = {t: float(rate_curve(ious, [t], True, preset.success_strict)[0]) for t in preset.sr_thresholds}
    else:
        drop = preset.drop_all_zero_curves
        succ = _mean_curve([s.success_curve for s in scores], drop)
        prec = _mean_curve([s.precision_curve for s in scores], drop)
        nprec = _mean_curve([s.norm_precision_curve for s in scores], drop)
        ao = float(np.mean([s.ao for s in scores]))
        sr = {t: float(np.mean([s.success_rate(t, preset.success_strict) for s in scores]))
              for t in preset.sr_thresholds}
    return DatasetScores(
        preset=preset.name, num_sequences=len(scores), num_frames=int(sum(s.num_frames for s in scores)),
        success_curve=succ, precision_curve=prec, norm_precision_curve=nprec, auc=curve_auc(succ),
        precision=_value_at(prec, preset.precision_thresholds, preset.precision_at),
        norm_precision=_value_at(nprec, preset.norm_precision_thresholds, preset.norm_precision_at), ao=ao, sr=sr)


def evaluate_dataset(pairs: Seq, preset="otb") -> DatasetScores:
    """Score ``[(pred, gt[, visible]), ...]`` and aggregate them."""
    preset = get_preset(preset)
    scores = [evaluate_sequence(p[0], p[1], preset, visible=p[2] if len(p) > 2 else None) for p in pairs]
    return aggregate(scores, preset)


__all__ = ["MetricError", "Preset", "PRESETS", "get_preset", "preset_for_dataset", "iou", "centers", "center_error",
           "normalized_center_error", "bound_boxes", "rate_curve", "curve_auc", "SequenceScores",
           "complete_predictions", "evaluate_sequence", "success_auc", "DatasetScores", "aggregate", "evaluate_dataset"]
