"""Paired comparison of two trackers on the same sequences: per-sequence differences, their mean, and a
bootstrap confidence interval over sequences (and over run ids, e.g. training seeds, when a tracker has several).

A tracker's score on a sequence is a (runs, sequences) matrix. One bootstrap replicate draws the sequences with
replacement and, independently for each tracker, its runs with replacement; the replicate's statistic is
``mean(A[runs_a][:, seqs]) - mean(B[runs_b][:, seqs])``. The interval is the percentile interval of the
replicates. With one run per tracker this is the ordinary paired bootstrap over sequences.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from pytracking.analysis.tables import render_table

DEFAULT_RESAMPLES = 10000


@dataclasses.dataclass
class PairedComparison:
    """``a - b`` on the sequences both trackers have."""

    a: str
    b: str
    metric: str
    sequences: list
    differences: np.ndarray   # per sequence: mean over A's runs minus mean over B's runs
    mean: float
    low: float
    high: float
    confidence: float
    runs_a: int
    runs_b: int

    @property
    def significant(self) -> bool:
        """True when the interval excludes 0."""
        return self.low > 0 or self.high < 0

    def summary(self) -> str:
        """One line: mean difference and interval."""
        pct = int(round(self.confidence * 100))
        return (f"{self.a} - {self.b} ({self.metric}, {len(self.sequences)} sequences, runs {self.runs_a} vs "
                f"{self.runs_b}): {self.mean:+.4f}, {pct}% interval [{self.low:+.4f}, {self.high:+.4f}]"
                f"{' (excludes 0)' if self.significant else ''}")

    def as_dict(self) -> dict:
        """JSON-able form."""
        return {"a": self.a, "b": self.b, "metric": self.metric, "mean": self.mean, "low": self.low,
                "high": self.high, "confidence": self.confidence, "runs_a": self.runs_a, "runs_b": self.runs_b,
                "per_sequence": dict(zip(self.sequences, (float(d) for d in self.differences)))}


def _as_matrix(scores: np.ndarray, name: str) -> np.ndarray:
    matrix = np.asarray(scores, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    if matrix.ndim != 2 or matrix.shape[0] < 1 or matrix.shape[1] < 1:
        raise ValueError(f"{name}: expected a (runs, sequences) matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError(f"{name}: scores must be finite")
    return matrix


def bootstrap_interval(a: np.ndarray, b: np.ndarray, confidence: float = 0.95, resamples: int = DEFAULT_RESAMPLES,
                       seed: int = 0) -> tuple[float, float, float]:
    """(mean difference, low, high) of ``a - b`` for (runs, sequences) score matrices with the same columns."""
    a, b = _as_matrix(a, "a"), _as_matrix(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a and b must score the same sequences: {a.shape[1]} vs {b.shape[1]} columns")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be >= 1, got {resamples}")
    rng = np.random.default_rng(seed)
    n = a.shape[1]
    seqs = rng.integers(0, n, size=(resamples, n))
    stats = _replicate_means(a, seqs, rng) - _replicate_means(b, seqs, rng)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [tail, 1.0 - tail])
    return float(a.mean() - b.mean()), float(low), float(high)


def _replicate_means(matrix: np.ndarray, seqs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mean of each replicate's resampled runs x resampled sequences (runs drawn per replicate)."""
    runs = matrix.shape[0]
    if runs == 1:
        return matrix[0][seqs].mean(axis=1)
    picks = rng.integers(0, runs, size=(len(seqs), runs))
    # Mean over the drawn runs first (weights per run), then over the drawn sequences.
    weights = np.stack([np.bincount(p, minlength=runs) for p in picks]) / runs        # (R, runs)
    per_seq = weights @ matrix                                                          # (R, sequences)
    return np.take_along_axis(per_seq, seqs, axis=1).mean(axis=1)


def compare(a_name: str, a_scores: dict, b_name: str, b_scores: dict, metric: str = "AUC",
            confidence: float = 0.95, resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> PairedComparison:
    """Paired comparison from ``{sequence: [score per run]}`` dicts; only sequences both have are compared."""
    common = sorted(set(a_scores) & set(b_scores), key=str.lower)
    if not common:
        raise ValueError(f"{a_name} and {b_name} have no sequence in common")
    a = _runs_matrix(a_name, a_scores, common)
    b = _runs_matrix(b_name, b_scores, common)
    mean, low, high = bootstrap_interval(a, b, confidence, resamples, seed)
    return PairedComparison(a_name, b_name, metric, common, a.mean(axis=0) - b.mean(axis=0), mean, low, high,
                            confidence, a.shape[0], b.shape[0])


def _runs_matrix(name: str, scores: dict, sequences: Sequence[str]) -> np.ndarray:
    counts = {len(scores[s]) for s in sequences}
    if len(counts) != 1:
        raise ValueError(f"{name}: every sequence needs the same number of runs, got {sorted(counts)}")
    return np.array([scores[s] for s in sequences], dtype=np.float64).T


def comparison_table(comparisons: list) -> str:
    """Plain-text table: pair, sequences, runs, mean difference, interval."""
    if not comparisons:
        return ""
    pct = int(round(comparisons[0].confidence * 100))
    rows = [[f"{c.a} - {c.b}", str(len(c.sequences)), f"{c.runs_a}/{c.runs_b}", f"{c.mean:+.4f}",
             f"[{c.low:+.4f}, {c.high:+.4f}]", "yes" if c.significant else "no"] for c in comparisons]
    header = ["pair", "seqs", "runs", f"mean {comparisons[0].metric} diff", f"{pct}% interval", "excludes 0"]
    return render_table(header, rows)


def run_scores(report, metric: str = "AUC") -> dict:
    """``{sequence: [score of each run]}`` of a ``TrackerReport``, for the sequences every run has."""
    attribute = {"AUC": "auc", "AO": "ao"}.get(metric)
    if attribute is None:
        raise ValueError(f"paired comparison supports AUC and AO, got '{metric}'")
    runs = [r for r in report.runs if r.sequences]
    names = set.intersection(*(set(r.sequences) for r in runs)) if runs else set()
    return {name: [float(getattr(r.sequences[name], attribute)) for r in runs] for name in names}


__all__ = ["PairedComparison", "bootstrap_interval", "compare", "comparison_table", "run_scores"]
