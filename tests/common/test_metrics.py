"""common.metrics: elementary functions, preset rules, agreement with the got10k package, OTB-100 golden values."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from common import metrics
from common.boxes import from_one_based

# Published OTB-100 (AUC, precision@20) of the raw results in shared/data/benchmarks/otb100/results.
PUBLISHED_OTB100 = {"MDNet": (0.678, 0.909), "ATOM": (0.667, 0.879), "DaSiamRPN": (0.658, 0.880)}


def _random_boxes(rng, n, scale=100.0):
    xy = rng.uniform(-20, scale, size=(n, 2))
    wh = rng.uniform(0.5, scale / 2, size=(n, 2))
    return np.concatenate([xy, wh], axis=1)


# ------------------------------------------------------------------------------------------ elementary
def test_iou_known_values():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], float)
    b = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5], [0, 0, 0, 10]], float)
    np.testing.assert_allclose(metrics.iou(a, b), [1.0, 50 / 150, 0.0, 0.0])


def test_center_error_conventions_cancel():
    rng = np.random.default_rng(0)
    p, g = _random_boxes(rng, 200), _random_boxes(rng, 200)
    cont = metrics.center_error(p, g, "continuous")
    otb = metrics.center_error(p, g, "minus_one_half")
    np.testing.assert_allclose(cont, otb, atol=1e-9)
    # a constant shift of both boxes (1-based vs 0-based files) changes no error
    np.testing.assert_allclose(metrics.center_error(from_one_based(p), from_one_based(g)), cont, atol=1e-9)
    np.testing.assert_allclose(metrics.normalized_center_error(p, g, "continuous"),
                               metrics.normalized_center_error(p, g, "minus_one_half"), atol=1e-9)
    np.testing.assert_allclose(metrics.centers(p, "continuous") - metrics.centers(p, "minus_one_half"), 0.5)


def test_normalized_center_error_divides_by_gt_size():
    g = np.array([[0, 0, 10, 20]], float)
    p = np.array([[5, 10, 10, 20]], float)  # centre moved by (5, 10) = (0.5, 0.5) gt sizes
    np.testing.assert_allclose(metrics.normalized_center_error(p, g), [np.sqrt(0.5)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=8, max_size=8))
def test_iou_in_unit_interval_and_symmetric(v):
    a, b = np.array(v[:4]), np.array(v[4:])
    ab, ba = metrics.iou(a, b)[0], metrics.iou(b, a)[0]
    assert 0.0 <= ab <= 1.0
    assert ab == pytest.approx(ba, abs=1e-12)


def test_unknown_preset_and_bad_preset_fields():
    with pytest.raises(metrics.MetricError, match="unknown metric preset 'vot'"):
        metrics.get_preset("vot")
    with pytest.raises(metrics.MetricError, match="precision_at"):
        metrics.Preset("x", precision_thresholds=(0.0, 10.0), precision_at=20.0)
    with pytest.raises(metrics.MetricError, match="weighting"):
        metrics.Preset("x", weighting="video")


# ------------------------------------------------------------------------------------------ got10k package


def test_iou_and_center_error_match_got10k_package():
    gm = pytest.importorskip("got10k.utils.metrics", reason="got10k (pip install --no-deps got10k shapely) absent")
    rng = np.random.default_rng(1)
    a, b = _random_boxes(rng, 5000), _random_boxes(rng, 5000)
    b[:2500, :2] = a[:2500, :2] + rng.normal(0, 5, size=(2500, 2))  # many overlapping pairs
    ours = metrics.iou(a, b)
    theirs = gm.rect_iou(a.copy(), b.copy())
    assert (ours > 0).sum() > 2000
    np.testing.assert_allclose(ours, theirs, atol=1e-9)
    np.testing.assert_allclose(metrics.center_error(a, b), gm.center_error(a, b), atol=1e-9)
    bounded = metrics.iou(metrics.bound_boxes(a, 80, 60), metrics.bound_boxes(b, 80, 60))
    np.testing.assert_allclose(bounded, gm.rect_iou(a.copy(), b.copy(), bound=(80, 60)), atol=1e-9)


# ------------------------------------------------------------------------------------------ preset rules
def _track(n=30, seed=3):
    rng = np.random.default_rng(seed)
    gt = np.cumsum(rng.normal(0, 2, size=(n, 4)), axis=0) + [50, 50, 30, 30]
    pred = gt + rng.normal(0, 4, size=gt.shape)
    return pred, gt


@pytest.mark.parametrize("name", sorted(metrics.PRESETS))
def test_ground_truth_as_prediction_is_perfect(name):
    preset = metrics.get_preset(name)
    _, gt = _track()
    gt[7] = np.nan  # an absent frame
    visible = np.isfinite(gt).all(axis=1)
    pred = np.where(np.isfinite(gt), gt, 0.0)
    s = metrics.evaluate_sequence(pred, gt, preset, visible=visible)
    d = metrics.aggregate([s], preset)
    if preset.exclude_absent:
        assert d.ao == 1.0 and d.sr[0.5] == 1.0 and d.sr[0.75] == 1.0
        assert d.precision == 1.0 and d.norm_precision == 1.0
        np.testing.assert_array_equal(d.success_curve[:-1], 1.0)
    else:  # the absent frame is a failure, divided by all frames
        frames = len(gt)
        assert d.sr[0.5] == pytest.approx((frames - 1) / frames)
    # a perfect box is a success at every threshold below 1; IoU > 1 never holds (strict success)
    assert d.success_curve[-1] == 0.0
    gt_ok = gt[visible]
    full = metrics.aggregate([metrics.evaluate_sequence(gt_ok, gt_ok, preset)], preset)
    assert full.ao == 1.0 and full.sr[0.5] == 1.0 and full.precision == 1.0 and full.norm_precision == 1.0
    n = len(preset.iou_thresholds)
    assert full.auc == pytest.approx((n - 1) / n)


def test_otb_replaces_invalid_prediction_and_first_frame():
    pred, gt = _track()
    pred[0] = [0, 0, 1, 1]
    pred[5] = [np.nan] * 4
    pred[6] = [10, 10, -3, 5]
    s = metrics.evaluate_sequence(pred, gt, "otb")
    assert s.ious[0] == 1.0  # frame 1 = ground truth
    expected = metrics.iou(pred[4], gt[5])[0], metrics.iou(pred[4], gt[6])[0]
    np.testing.assert_allclose(s.ious[5:7], expected)
    assert s.num_frames == len(gt)


def test_got10k_drops_first_and_absent_frames():
    pred, gt = _track()
    visible = np.ones(len(gt), bool)
    visible[[3, 4]] = False
    s = metrics.evaluate_sequence(pred, gt, "got10k", visible=visible)
    assert s.num_frames == len(gt) - 3
    expected = metrics.iou(pred, gt)[np.r_[1, 2, 5:len(gt)]]
    np.testing.assert_allclose(s.ious, expected)
    assert len(s.success_curve) == 101
    assert s.ao == pytest.approx(expected.mean())


def test_lasot_absent_frames_fail_and_divide_by_all_frames():
    pred, gt = _track(n=20)
    visible = np.ones(20, bool)
    visible[10:15] = False
    s = metrics.evaluate_sequence(gt.copy(), gt, "lasot", visible=visible)
    assert s.num_frames == 20
    assert s.success_curve[0] == pytest.approx(15 / 20)
    assert s.precision_curve[-1] == pytest.approx(15 / 20)
    assert s.norm_precision_curve[-1] == pytest.approx(15 / 20)
    # OTB's toolkit counts an invalid ground truth row as a precision success (its -1 error quirk)
    o = metrics.evaluate_sequence(gt.copy(), gt, "otb", visible=visible)
    assert o.success_curve[0] == pytest.approx(15 / 20) and o.precision_curve[0] == 1.0


def test_aggregate_sequence_vs_frame_weighting():
    p1, g1 = _track(n=10, seed=1)
    p2, g2 = _track(n=40, seed=2)
    seqs = [metrics.evaluate_sequence(p1, g1, "got10k"), metrics.evaluate_sequence(p2, g2, "got10k")]
    d = metrics.aggregate(seqs, "got10k")
    all_ious = np.concatenate([s.ious for s in seqs])
    assert d.ao == pytest.approx(all_ious.mean())
    assert d.sr[0.5] == pytest.approx((all_ious > 0.5).mean())
    o = [metrics.evaluate_sequence(p1, g1, "otb"), metrics.evaluate_sequence(p2, g2, "otb")]
    np.testing.assert_allclose(metrics.aggregate(o, "otb").success_curve,
                               (o[0].success_curve + o[1].success_curve) / 2)
    with pytest.raises(metrics.MetricError, match="preset"):
        metrics.aggregate(o, "got10k")


def test_missing_frames_policies():
    pred, gt = _track(n=12)
    with pytest.raises(metrics.MetricError, match="10 predicted boxes for 12 ground-truth frames"):
        metrics.evaluate_sequence(pred[:10], gt, "otb", name="s")
    rep = metrics.evaluate_sequence(pred[:10], gt, "got10k", missing="repeat")
    np.testing.assert_allclose(rep.ious[-2:], metrics.iou(np.repeat(pred[9:10], 2, 0), gt[10:]))
    fail = metrics.evaluate_sequence(pred[:10], gt, "got10k", missing="fail")
    np.testing.assert_array_equal(fail.ious[-2:], 0.0)
    longer = metrics.evaluate_sequence(np.vstack([pred, pred]), gt, "otb")
    assert longer.num_frames == 12


def test_scores_round_trip_through_dict():
    pred, gt = _track()
    s = metrics.evaluate_sequence(pred, gt, "lasot", name="a")
    back = metrics.SequenceScores.from_dict(s.to_dict())
    np.testing.assert_array_equal(back.success_curve, s.success_curve)
    assert back.auc == s.auc and back.name == "a"


# ------------------------------------------------------------------------------------------ golden values
def _result_files(folder):
    return {p.stem.lower().replace("-", "_").replace(".", "_"): p for p in folder.glob("*.txt")}


@pytest.mark.parametrize("tracker", sorted(PUBLISHED_OTB100))
def test_published_otb100_scores_are_reproduced(shared_data, tracker):
    from common.annotations import load_boxes
    from common.datasets import load_dataset

    root = shared_data / "benchmarks" / "otb100"
    if not (root / "results" / tracker).is_dir():
        pytest.skip(f"{root / 'results' / tracker} is absent")
    sequences = load_dataset("otb", root=root)
    assert len(sequences) == 100
    files = _result_files(root / "results" / tracker)
    scores = []
    for seq in sequences:
        pred = load_boxes(files[seq.name.lower().replace("-", "_")], one_based=True)
        # MDNet's published Board/Twinnings files are one frame short: the toolkit keeps the last box
        scores.append(metrics.evaluate_sequence(pred, seq.ground_truth, "otb", name=seq.name, missing="repeat"))
    result = metrics.aggregate(scores, "otb")
    auc, prec = PUBLISHED_OTB100[tracker]
    assert result.auc == pytest.approx(auc, abs=0.001)
    assert result.precision == pytest.approx(prec, abs=0.002)
