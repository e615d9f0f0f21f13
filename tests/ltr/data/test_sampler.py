"""The triplet sampler: gap and negative ratios, template choice, absent frames, image datasets, reproducibility."""
import collections

import numpy as np
import pytest

from common.datasets.base import Sequence
from ltr.data.config import SamplerConfig
from ltr.data.sampler import SamplingError, TripletSampler


def _seq(name: str, n: int = 200, absent=()) -> Sequence:
    gt = np.tile([10.0, 10.0, 20.0, 20.0], (n, 1))
    gt[:, 0] += np.arange(n)
    for i in absent:
        gt[i] = np.nan
    return Sequence(name=name, dataset="t", frames=[f"{name}/{i}.jpg" for i in range(n)], ground_truth=gt)


def test_gap_and_negative_ratios_match_the_config():
    cfg = SamplerConfig(gap_min=1, gap_max=4, neg_ratio=0.3, template_first_prob=0.4, template_max_gap=10)
    sampler = TripletSampler([("a", [_seq("s0"), _seq("s1"), _seq("s2")], 1.0)], cfg)
    gaps, negs, first = collections.Counter(), 0, 0
    n = 3000
    for i in range(n):
        t = sampler.sample(np.random.default_rng([0, 0, i]))
        assert t.cur_frame - t.prev_frame == t.gap and 1 <= t.gap <= 4
        gaps[t.gap] += 1
        negs += t.is_negative
        if t.is_negative:
            assert t.template_seq is not t.seq
        else:
            assert t.template_seq is t.seq
            first += t.template_frame == 0
            if t.template_frame != 0:
                assert abs(t.template_frame - t.prev_frame) <= 10
    for g in range(1, 5):
        assert gaps[g] / n == pytest.approx(0.25, abs=0.03)
    assert negs / n == pytest.approx(0.3, abs=0.03)
    # template_first_prob plus the few near-start draws of the other branch
    assert first / (n - negs) == pytest.approx(0.4, abs=0.04)


def test_dataset_weights():
    cfg = SamplerConfig(neg_ratio=0.0)
    sampler = TripletSampler([("a", [_seq("a0")], 3.0), ("b", [_seq("b0")], 1.0)], cfg)
    names = collections.Counter(sampler.sample(np.random.default_rng([1, i])).dataset for i in range(2000))
    assert names["a"] / 2000 == pytest.approx(0.75, abs=0.04)


def test_absent_current_frame_and_visible_previous():
    absent = list(range(50, 200, 2))
    cfg = SamplerConfig(gap_min=1, gap_max=1, neg_ratio=0.0)
    sampler = TripletSampler([("a", [_seq("s", absent=absent)], 1.0)], cfg)
    seen_absent = 0
    for i in range(400):
        t = sampler.sample(np.random.default_rng(i))
        assert np.isfinite(t.prev_box).all() and np.isfinite(t.template_box).all()
        assert t.cur_visible == (t.cur_frame not in absent)
        seen_absent += not t.cur_visible
    assert seen_absent > 50


def test_first_frame_case():
    cfg = SamplerConfig(first_frame_prob=1.0, neg_ratio=0.0)
    sampler = TripletSampler([("a", [_seq("s")], 1.0)], cfg)
    t = sampler.sample(np.random.default_rng(3))
    assert t.first_frame and t.prev_frame == t.template_frame == 0


def test_image_dataset_gives_one_image():
    images = [Sequence(name=f"img{i}", dataset="coco", frames=[f"{i}.jpg"], ground_truth=[[5, 5, 30, 20]],
                       is_video=False) for i in range(3)]
    sampler = TripletSampler([("coco", images, 1.0)], SamplerConfig(neg_ratio=0.0))
    t = sampler.sample(np.random.default_rng(0))
    assert t.image_pair and t.prev_frame == t.cur_frame == t.template_frame == 0 and t.seq is t.template_seq


def test_reproducible():
    sampler = TripletSampler([("a", [_seq("s0"), _seq("s1")], 1.0)], SamplerConfig())
    a = [sampler.sample(np.random.default_rng([7, 2, i])) for i in range(50)]
    b = [sampler.sample(np.random.default_rng([7, 2, i])) for i in range(50)]
    key = lambda t: (t.seq.name, t.template_seq.name, t.template_frame, t.prev_frame, t.cur_frame, t.is_negative)  # noqa
    assert [key(t) for t in a] == [key(t) for t in b]
    c = [sampler.sample(np.random.default_rng([7, 3, i])) for i in range(50)]
    assert [key(t) for t in a] != [key(t) for t in c]


def test_clear_errors_name_the_dataset():
    with pytest.raises(SamplingError, match="'tiny'"):
        TripletSampler([("tiny", [_seq("s", n=5, absent=range(5))], 1.0)], SamplerConfig())
    sampler = TripletSampler([("short", [_seq("s", n=3)], 1.0)], SamplerConfig(gap_min=2, gap_max=2, max_tries=5))
    sampler.sources[0].sequences[0].ground_truth[:2] = np.nan   # only frame 2 visible: no previous frame 2 before
    sampler._visible.clear()
    with pytest.raises(SamplingError, match="'short'"):
        sampler.sample(np.random.default_rng(0))
