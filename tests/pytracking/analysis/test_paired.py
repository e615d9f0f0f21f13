"""Paired bootstrap comparison: known answers on constructed cases."""
from __future__ import annotations

import numpy as np
import pytest

from pytracking.analysis.paired import bootstrap_interval, compare, comparison_table


def test_constant_difference_gives_a_point_interval():
    a = np.array([0.7, 0.5, 0.9, 0.3])
    mean, low, high = bootstrap_interval(a, a - 0.05)
    assert mean == pytest.approx(0.05)
    assert low == pytest.approx(0.05) and high == pytest.approx(0.05)


def test_two_sequences_match_the_exact_bootstrap_distribution():
    # Differences {0, 1}: resampled means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4, so the 95 % percentile
    # interval is [0, 1] and the 40 % one (quantiles 0.3 and 0.7) is [0.5, 0.5].
    a, b = np.array([0.0, 1.0]), np.zeros(2)
    mean, low, high = bootstrap_interval(a, b, confidence=0.95, resamples=20000)
    assert mean == pytest.approx(0.5)
    assert (low, high) == (pytest.approx(0.0), pytest.approx(1.0))
    _, low50, high50 = bootstrap_interval(a, b, confidence=0.4, resamples=20000)
    assert (low50, high50) == (pytest.approx(0.5), pytest.approx(0.5))


def test_many_sequences_agree_with_the_normal_theory_interval():
    rng = np.random.default_rng(3)
    diffs = rng.normal(0.02, 0.1, size=400)
    mean, low, high = bootstrap_interval(diffs, np.zeros_like(diffs), resamples=20000)
    half = 1.96 * diffs.std(ddof=0) / np.sqrt(len(diffs))
    assert mean == pytest.approx(diffs.mean())
    assert low == pytest.approx(mean - half, abs=0.15 * half)
    assert high == pytest.approx(mean + half, abs=0.15 * half)


def test_seed_noise_widens_the_interval():
    # Same per-sequence means, but B's runs disagree strongly: resampling runs must widen the interval.
    rng = np.random.default_rng(0)
    base = rng.uniform(0.4, 0.8, size=10)
    a = np.stack([base + 0.03] * 3)
    b_steady = np.stack([base] * 3)
    b_noisy = np.stack([base - 0.1, base, base + 0.1])
    _, lo1, hi1 = bootstrap_interval(a, b_steady)
    mean2, lo2, hi2 = bootstrap_interval(a, b_noisy)
    assert mean2 == pytest.approx(0.03)
    assert hi2 - lo2 > 5 * (hi1 - lo1)
    assert lo2 < 0 < hi2


def test_compare_pairs_by_sequence_name_and_reports():
    a = {"x": [0.6, 0.62], "y": [0.5, 0.52], "only_a": [0.9, 0.9]}
    b = {"y": [0.4], "x": [0.55]}
    cmp = compare("A", a, "B", b)
    assert cmp.sequences == ["x", "y"]
    assert cmp.differences.tolist() == pytest.approx([0.06, 0.11])
    assert cmp.runs_a == 2 and cmp.runs_b == 1
    assert "A - B" in comparison_table([cmp]) and "A - B" in cmp.summary()


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="same sequences"):
        bootstrap_interval(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="no sequence in common"):
        compare("A", {"x": [1.0]}, "B", {"y": [1.0]})
    with pytest.raises(ValueError, match="finite"):
        bootstrap_interval(np.array([np.nan]), np.zeros(1))
