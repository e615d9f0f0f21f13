"""The loader: reproducible samples (also across worker counts), epochs, validation seed, bad samples skipped."""
import logging

import pytest
import torch

from ltr.config import TrainConfig
from ltr.data.loader import build_loader
from ltr_data_helpers import TOY_GEOMETRY, crop_processing, reader_sequence, write_sequence

PROCESSING = crop_processing(TOY_GEOMETRY)


def _cfg(workers: int = 0, samples: int = 8) -> TrainConfig:
    cfg = TrainConfig(samples_per_epoch=samples, batch_size=4, seed=3)
    cfg.data.num_workers = workers
    cfg.data.augment.flip_prob = 0.5
    cfg.val.samples = 4
    return cfg


def _batches(loader):
    return [b for b in loader]


def _equal(a, b) -> bool:
    return len(a) == len(b) and all(set(x) == set(y) and all(torch.equal(x[k], y[k]) for k in x) for x, y in zip(a, b))


def test_same_seed_same_samples_with_0_and_2_workers(toy_jpeg_sequences):
    torch.set_num_threads(1)
    data = [("toy", toy_jpeg_sequences + [reader_sequence("gen", 10)], 1.0)]
    a = _batches(build_loader(_cfg(0), TOY_GEOMETRY, datasets=data, processing=PROCESSING))
    b = _batches(build_loader(_cfg(0), TOY_GEOMETRY, datasets=data, processing=PROCESSING))
    c = _batches(build_loader(_cfg(2), TOY_GEOMETRY, datasets=data, processing=PROCESSING))
    assert len(a) == 2 and a[0]["search_cur"].shape == (4, 3, 128, 128)
    assert _equal(a, b) and _equal(a, c)


def test_epochs_differ_and_validation_is_fixed(toy_jpeg_sequences):
    data = [("toy", toy_jpeg_sequences, 1.0)]
    loader = build_loader(_cfg(0), TOY_GEOMETRY, datasets=data, processing=PROCESSING)
    e0 = _batches(loader)
    loader.set_epoch(1)
    e1 = _batches(loader)
    loader.set_epoch(0)
    assert not _equal(e0, e1) and _equal(e0, _batches(loader))
    val = build_loader(_cfg(0), TOY_GEOMETRY, split="val", datasets=data, processing=PROCESSING)
    v0 = _batches(val)
    val.set_epoch(5)
    assert _equal(v0, _batches(val)) and sum(b["template"].shape[0] for b in v0) == 4


def test_ranks_draw_different_samples(toy_jpeg_sequences):
    data = [("toy", toy_jpeg_sequences, 1.0)]
    r0 = _batches(build_loader(_cfg(0), TOY_GEOMETRY, rank=0, world_size=2, datasets=data, processing=PROCESSING))
    r1 = _batches(build_loader(_cfg(0), TOY_GEOMETRY, rank=1, world_size=2, datasets=data, processing=PROCESSING))
    assert len(r0) == len(r1) == 1 and not _equal(r0, r1)


def test_corrupt_jpeg_is_skipped_and_counted(tmp_path, caplog):
    seqs = [write_sequence(tmp_path, f"s{i}", 6, seed=i) for i in range(2)]
    bad = seqs[0].frames[2]
    with open(bad, "wb") as handle:
        handle.write(b"\xff\xd8 this is not a jpeg at all")
    cfg = _cfg(0, samples=40)
    loader = build_loader(cfg, TOY_GEOMETRY, datasets=[("toy", seqs, 1.0)], processing=PROCESSING)
    with caplog.at_level(logging.WARNING, logger="ltr.data.loader"):
        batches = _batches(loader)
    assert sum(b["template"].shape[0] for b in batches) == 40
    report = loader.skip_report()
    assert report.get("unreadable_frame", 0) >= 1 and set(report) == {"unreadable_frame"}
    assert any("skipped" in r.getMessage() and "0002.jpg" in r.getMessage() for r in caplog.records)
    assert loader.timing_report()["samples"] == 40


def test_bad_split_and_rank():
    with pytest.raises(ValueError, match="split"):
        build_loader(_cfg(), TOY_GEOMETRY, split="test", datasets=[], processing=PROCESSING)
    with pytest.raises(ValueError, match="rank"):
        build_loader(_cfg(), TOY_GEOMETRY, rank=2, world_size=2, datasets=[], processing=PROCESSING)


def test_resume_from_a_batch_skips_without_loading(toy_jpeg_sequences):
    """A resumed epoch (set_epoch(e, start_batch=k)) yields exactly the batches k.. of the full epoch."""
    data = [("toy", toy_jpeg_sequences, 1.0)]
    loader = build_loader(_cfg(0, samples=12), TOY_GEOMETRY, datasets=data, processing=PROCESSING)
    loader.set_epoch(2)
    full = _batches(loader)
    loader.set_epoch(2, start_batch=1)
    assert len(loader) == 2
    resumed = _batches(loader)
    assert loader.timing_report()["samples"] == 8
    assert _equal(full[1:], resumed)
    loader.set_epoch(3)
    assert len(loader) == 3
