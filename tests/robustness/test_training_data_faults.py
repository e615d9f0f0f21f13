"""Training data faults: corrupt frames are skipped and counted by the loader (training goes on); a data
loader worker that dies ends the run with a clear error instead of a hang."""
from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest

import robustness_helpers as rh
from common.config import apply_overrides
from common.datasets import load_dataset
from common.plugins import get_plugin, load_train_config
from ltr.data.loader import build_loader


def _tiny_cfg(workers: int):
    cfg = load_train_config("dctrack", "quick")
    apply_overrides(cfg, rh.TINY_TRAIN + [f"data.num_workers={workers}", "seed=3"])
    return cfg


def _dataset_with_bad_frames(root):
    """A generic root: 'good' (8 fine frames) and 'bad' (frames 2-8 corrupt, truncated, empty or missing)."""
    rh.make_sequence_folder(root, "good", frames=8)
    bad = rh.make_sequence_folder(root, "bad", frames=8)
    jpeg = rh.encode(rh.frame_image(0))
    for i in range(2, 9):
        path = bad / "img" / f"{i:04d}.jpg"
        kind = i % 4
        if kind == 0:
            path.write_bytes(rh.corrupt_jpeg(jpeg))
        elif kind == 1:
            path.write_bytes(rh.truncated_jpeg(jpeg))
        elif kind == 2:
            path.write_bytes(b"")
        else:
            path.unlink()
    return load_dataset("generic", root=root)


@pytest.mark.parametrize("workers", [0, 1])
def test_corrupt_frames_in_a_training_dataset_are_skipped_and_counted(tmp_path, caplog, workers):
    """Corrupt / truncated / empty / missing frames in a training dataset: build_loader's batches all come
    out full, the bad draws are counted under 'unreadable_frame' and one warning names an example file."""
    cfg = _tiny_cfg(workers)
    sequences = _dataset_with_bad_frames(tmp_path / "root")
    geometry = get_plugin("dctrack").build_network(cfg.model).geometry
    loader = build_loader(cfg, geometry, "train", datasets=[("generic", sequences, 1.0)])
    with caplog.at_level(logging.WARNING, logger="ltr.data.loader"):
        batches = list(loader)
    assert len(batches) == cfg.samples_per_epoch // cfg.batch_size
    assert all(b["search_cur"].shape[0] == cfg.batch_size for b in batches)
    skipped = loader.skip_report()
    assert skipped.get("unreadable_frame", 0) > 0, skipped
    assert "skipped" in caplog.text and "bad/img/" in caplog.text


_WORKER_DIES = textwrap.dedent('''
    import os, sys
    import numpy as np
    import torch.utils.data
    sys.path.insert(0, {repo!r})
    from common.config import apply_overrides
    from common.datasets.base import Sequence
    from common.plugins import get_plugin, load_train_config
    from ltr.data.loader import build_loader

    def frame(i):
        if torch.utils.data.get_worker_info() is not None:
            os._exit(7)  # the worker dies (as under the OOM killer)
        return np.full((96, 96, 3), 100, np.uint8)

    boxes = np.array([[30.0 + i, 30.0, 20.0, 20.0] for i in range(10)])
    seq = Sequence(name="boom", dataset="test", ground_truth=boxes, frame_reader=frame, num_frames=10)
    cfg = load_train_config("dctrack", "quick")
    apply_overrides(cfg, ["samples_per_epoch=16", "batch_size=4", "data.num_workers=1"])
    geometry = get_plugin("dctrack").build_network(cfg.model).geometry
    loader = build_loader(cfg, geometry, "train", datasets=[("test", [seq], 1.0)])
    for batch in loader:
        pass
    print("finished without noticing the dead worker")
''')


def test_dead_dataloader_worker_is_a_clear_error_not_a_hang(tmp_path):
    """A DataLoader worker that exits (os._exit in the frame reader): the loop ends within seconds with an
    error naming the dead worker, instead of hanging (bounded by a 90 s timeout)."""
    script = tmp_path / "worker_dies.py"
    script.write_text(_WORKER_DIES.format(repo=str(rh.REPO)))
    try:
        proc = subprocess.run([sys.executable, str(script)], cwd=rh.REPO, env=rh.cli_env(), capture_output=True,
                              text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the loader hung after its worker died")
    assert proc.returncode != 0, proc.stdout
    assert "worker" in proc.stderr and "exited unexpectedly" in proc.stderr, proc.stderr[-2000:]
