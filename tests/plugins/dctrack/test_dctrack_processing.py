"""dctrack's processing: crops placed like the tracker, boxes where the crop geometry says, the prior, flips,
SimCLR, unlabeled samples."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from common.boxes import iou
from common.datasets.base import Sequence
from ltr.data.frames import FrameCropper
from ltr.data.processing import DegenerateSampleError
from ltr.data.sampler import TripletSampler
from ltr.data.targets import siamfc_targets
from plugins.dctrack.data_config import DCTrackDataConfig, PriorNoiseConfig
from plugins.dctrack.priors import render_prior
from plugins.dctrack.processing import BATCH_KEYS, TrackingProcessing


def _data_helpers():
    """tests/ltr/data/ltr_data_helpers.py (synthetic sequences and the toy geometry), loaded by path."""
    path = Path(__file__).resolve().parents[2] / "ltr" / "data" / "ltr_data_helpers.py"
    spec = importlib.util.spec_from_file_location("dctrack_test_data_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_helpers = _data_helpers()
TOY_GEOMETRY, measure_box, tensor_image = _helpers.TOY_GEOMETRY, _helpers.measure_box, _helpers.tensor_image
write_box_sequence, write_sequence = _helpers.write_box_sequence, _helpers.write_sequence
KIND = "gaussian"


@pytest.fixture(scope="module")
def box_seq(tmp_path_factory):
    return write_box_sequence(tmp_path_factory.mktemp("boxes"), "moving", 16)


def _data(**augment) -> DCTrackDataConfig:
    d = DCTrackDataConfig()
    for k, v in dict(brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0, gray_prob=0.0, blur_prob=0.0).items():
        setattr(d.augment, k, v)
    for k, v in augment.items():
        setattr(d.augment, k, v)
    d.sampler.neg_ratio = 0.0
    return d


def _run(data: DCTrackDataConfig, seq, seed: int, kind: str = KIND):
    sampler = TripletSampler([("boxes", [seq], 1.0)], data.sampler)
    rng = np.random.default_rng(seed)
    cropper = FrameCropper()
    triplet = sampler.sample(rng)
    return triplet, TrackingProcessing(data, TOY_GEOMETRY, kind)(triplet, rng, cropper), cropper.transforms


@pytest.mark.parametrize("seed", range(6))
def test_boxes_land_where_the_crop_geometry_says(box_seq, seed):
    data = _data()
    triplet, out, (t_tf, p_tf, c_tf) = _run(data, box_seq, seed)
    assert set(out) == set(BATCH_KEYS)
    for key, tf, gt, bkey in (("template", t_tf, triplet.template_box, "template_box"),
                              ("search_prev", p_tf, triplet.prev_box, "prev_box"),
                              ("search_cur", c_tf, triplet.cur_box, "cur_box")):
        expected = tf.box_to_crop(gt)
        assert out[bkey].numpy() == pytest.approx(expected, abs=1e-4)
        measured = measure_box(tensor_image(out[key]), expected)
        assert np.abs(measured - expected).max() <= 0.5 + 0.5 * tf.scale, (key, measured, expected)
    # crops are sized by the geometry; the current crop is NOT centred on the current ground truth
    assert out["template"].shape == (3, 64, 64) and out["search_cur"].shape == (3, 128, 128)
    assert all(out[k].dtype == torch.uint8 for k in ("template", "search_prev", "search_cur"))


def test_current_crop_is_centred_on_the_previous_estimate(box_seq):
    data = _data()
    data.noise = PriorNoiseConfig.exact()
    data.sampler.gap_min = data.sampler.gap_max = 3
    triplet, out, (_, p_tf, c_tf) = _run(data, box_seq, 0)
    prev_center = triplet.prev_box[:2] + triplet.prev_box[2:] / 2
    crop_center = c_tf.point_from_crop([64.0, 64.0])
    assert np.abs(crop_center - prev_center).max() <= 1.0   # snapped to whole pixels
    cur_center = out["cur_box"][:2].numpy() + out["cur_box"][2:].numpy() / 2
    assert np.abs(cur_center - 64).max() > 3  # the target moved away from the crop centre


def test_exact_noise_gives_the_exact_prior(box_seq):
    data = _data()
    data.noise = PriorNoiseConfig.exact()
    assert data.noise.is_exact() and not PriorNoiseConfig().is_exact()
    for seed in range(4):
        _, out, _ = _run(data, box_seq, seed)
        assert float(out["prior_valid"]) == 1
        assert out["prior_box"].numpy() == pytest.approx(out["prev_box"].numpy(), abs=1e-5)
        expected = render_prior(KIND, out["prev_box"].numpy(), TOY_GEOMETRY.feature)
        assert np.allclose(out["prior"].numpy(), expected, atol=1e-5)


def test_prior_noise_drop_and_wrong_object(box_seq):
    data = _data()
    data.noise.prior_drop_prob, data.noise.prior_wrong_object_prob = 0.3, 0.3
    dropped = wrong = 0
    for seed in range(60):
        _, out, _ = _run(data, box_seq, seed)
        if float(out["prior_valid"]) == 0:
            dropped += 1
            assert not out["prior"].any() and not out["prior_box"].any()
        elif iou(out["prior_box"].numpy(), out["prev_box"].numpy()) == 0:
            wrong += 1
    assert 8 <= dropped <= 30 and 5 <= wrong <= 30


def test_targets_and_cur_prior_follow_the_current_box(box_seq):
    data = _data()
    _, out, _ = _run(data, box_seq, 3)
    cls, ctr, ltrb = siamfc_targets(out["cur_box"].numpy(), TOY_GEOMETRY.score, data.positive_shrink)
    assert torch.equal(out["cls_target"], torch.from_numpy(cls)) and out["cls_target"].sum() > 0
    assert np.allclose(out["box_target"].numpy(), ltrb, atol=1e-3)
    assert np.allclose(out["cur_prior"].numpy(), render_prior("gaussian", out["cur_box"].numpy(), TOY_GEOMETRY.feature),
                       atol=1e-5)


def test_flip_keeps_boxes_consistent(box_seq):
    data = _data(flip_prob=1.0)
    for seed in range(3):
        triplet, out, (t_tf, p_tf, c_tf) = _run(data, box_seq, seed)
        for key, tf, gt, bkey, size in (("template", t_tf, triplet.template_box, "template_box", 64),
                                        ("search_cur", c_tf, triplet.cur_box, "cur_box", 128)):
            b = tf.box_to_crop(gt)
            flipped = np.array([size - b[0] - b[2], b[1], b[2], b[3]])
            assert out[bkey].numpy() == pytest.approx(flipped, abs=1e-4)
            measured = measure_box(tensor_image(out[key]), flipped)
            assert np.abs(measured - flipped).max() <= 0.5 + 0.5 * tf.scale


def test_same_transform_uses_one_jitter(box_seq):
    data = _data(same_transform=True)
    data.sampler.gap_min = data.sampler.gap_max = 1
    for seed in range(5):
        triplet, _, (_, p_tf, c_tf) = _run(data, box_seq, seed)
        # the same relative jitter applied to boxes of equal size: equal crop sides
        if np.allclose(triplet.before_prev_box[2:], triplet.prev_box[2:]):
            assert abs(1 / p_tf.scale - 1 / c_tf.scale) <= 2.0


def test_photometric_changes_colours_not_geometry(box_seq):
    data = _data()
    data.augment.brightness, data.augment.contrast, data.augment.saturation, data.augment.hue = 0.4, 0.4, 0.4, 0.1
    data.augment.gray_prob = 0.5
    plain = _run(_data(), box_seq, 1)[1]
    jittered = _run(data, box_seq, 1)[1]
    assert not torch.equal(plain["search_cur"], jittered["search_cur"])


def test_simclr_views_and_clean_targets(box_seq):
    data = _data()
    data.augment.simclr.enabled = True
    data.augment.simclr.color_prob = 1.0
    data.augment.simclr.blur_prob = 0.0
    for seed in range(5):
        triplet, out, (_, p_tf, c_tf) = _run(data, box_seq, seed)
        assert {"search_prev_clean", "search_cur_clean"} <= set(out)
        for key, tf, gt, bkey in (("search_prev_clean", p_tf, triplet.prev_box, "prev_box"),
                                  ("search_cur_clean", c_tf, triplet.cur_box, "cur_box")):
            expected = tf.box_to_crop(gt)
            assert out[bkey].numpy() == pytest.approx(expected, abs=1e-4)
            assert expected[0] >= -0.5 and expected[1] >= -0.5 and expected[0] + expected[2] <= 128.5  # target inside
            measured = measure_box(tensor_image(out[key]), expected)
            assert np.abs(measured - expected).max() <= 0.5 + 0.5 * tf.scale
        assert not torch.equal(out["search_cur"], out["search_cur_clean"])
    assert "search_prev_clean" not in _run(_data(), box_seq, 0)[1]


def test_degenerate_box_raises(box_seq):
    data = _data()
    sampler = TripletSampler([("boxes", [box_seq], 1.0)], data.sampler)
    triplet = sampler.sample(np.random.default_rng(0))
    triplet.prev_box = np.array([10.0, 10.0, 0.4, 20.0])
    with pytest.raises(DegenerateSampleError, match="degenerate previous box"):
        TrackingProcessing(data, TOY_GEOMETRY, KIND)(triplet, np.random.default_rng(0))


def test_unlabeled_sample_has_no_prior_and_no_targets(tmp_path):
    raw = write_sequence(tmp_path, "raw", 10, seed=5)
    unlabeled = Sequence(name="raw", dataset="unlabeled", frames=raw.frames)
    data = DCTrackDataConfig()
    sampler = TripletSampler([("u", [unlabeled], 1.0)], data.sampler)
    rng = np.random.default_rng(3)
    out = TrackingProcessing(data, TOY_GEOMETRY, KIND)(sampler.sample(rng), rng, FrameCropper())
    assert out["labeled"].item() == 0.0 and out["prior_valid"].item() == 0.0
    assert out["prior"].abs().sum() == 0 and out["cls_target"].sum() == 0 and out["cur_visible"].item() == 0.0
    assert out["search_prev"].shape == (3, 128, 128) and out["search_prev"].float().std() > 0


def test_the_prior_kind_is_the_models(box_seq):
    """The processing renders the kind it is given (``build_processing`` passes ``model.prior_kind``)."""
    data = _data()
    data.noise = PriorNoiseConfig.exact()
    _, out, _ = _run(data, box_seq, 0, kind="direction")
    assert out["prior"].shape[0] == 2 and out["prior"].min() < 0
    with pytest.raises(ValueError, match="prior kind must be one of"):
        TrackingProcessing(data, TOY_GEOMETRY, "blob")
