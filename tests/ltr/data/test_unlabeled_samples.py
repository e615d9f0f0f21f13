"""Frames without ground truth in the training mix: the sampler's unlabeled triplets and the loader on the shared
DAVIS frames (dctrack's processing of them: tests/plugins/dctrack/test_dctrack_processing.py)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from common.datasets.base import Sequence
from ltr.data.config import SamplerConfig
from ltr.data.sampler import SamplingError, TripletSampler
from ltr_data_helpers import TOY_GEOMETRY, crop_processing, write_sequence


@pytest.fixture(scope="module")
def sequences(tmp_path_factory):
    root = tmp_path_factory.mktemp("mix")
    labeled = [write_sequence(root, f"lab{i}", 10, seed=i) for i in range(2)]
    raw = write_sequence(root, "raw", 10, seed=5)
    unlabeled = Sequence(name="raw", dataset="unlabeled", frames=raw.frames)
    return labeled, unlabeled


def test_unlabeled_triplets_follow_the_weights_and_are_never_negatives(sequences):
    labeled, unlabeled = sequences
    cfg = SamplerConfig(neg_ratio=0.5, gap_min=1, gap_max=3)
    sampler = TripletSampler([("lab", labeled, 3.0), ("unlabeled", [unlabeled], 1.0)], cfg)
    n, seen = 2000, 0
    for i in range(n):
        t = sampler.sample(np.random.default_rng([1, i]))
        if t.labeled:
            assert t.template_seq is not unlabeled  # never a negative template
            continue
        seen += 1
        assert t.seq is unlabeled and t.template_seq is unlabeled and not t.is_negative and not t.cur_visible
        assert 1 <= t.cur_frame - t.prev_frame == t.gap <= 3 and t.template_frame == t.prev_frame
        x, y, w, h = t.prev_box
        assert w == h and 0.15 * 120 <= w <= 0.4 * 120 and 0 <= x <= 160 - w and 0 <= y <= 120 - h
        assert np.array_equal(t.prev_box, t.cur_box)
    assert seen / n == pytest.approx(0.25, abs=0.03)


def test_unlabeled_only_dataset_is_sampled_and_too_short_one_is_refused(sequences):
    _, unlabeled = sequences
    sampler = TripletSampler([("u", [unlabeled], 1.0)], SamplerConfig(neg_ratio=0.5))
    assert not sampler.sample(np.random.default_rng(0)).labeled
    short = dataclasses.replace(unlabeled, frames=unlabeled.frames[:1])
    with pytest.raises(SamplingError, match="no ground truth"):
        TripletSampler([("u", [short], 1.0)], SamplerConfig())


def test_loader_mixes_the_shared_davis_frames(shared_data, monkeypatch):
    from common.datasets import load_dataset
    from ltr.config import TrainConfig
    from ltr.data.loader import build_loader

    monkeypatch.setenv("DCTRACK_UNLABELED_DIR", str(shared_data / "unlabeled"))
    davis = load_dataset("unlabeled", "test")
    assert davis and all(s.ground_truth is None for s in davis)
    cfg = TrainConfig(batch_size=8, samples_per_epoch=16)
    cfg.data.num_workers = 0
    loader = build_loader(cfg, TOY_GEOMETRY, datasets=[("unlabeled", davis, 1.0)],
                          processing=crop_processing(TOY_GEOMETRY))
    batch = next(iter(loader))
    assert batch["labeled"].sum() == 0 and batch["search_cur"].shape == (8, 3, 128, 128)
