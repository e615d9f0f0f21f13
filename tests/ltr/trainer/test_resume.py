"""Resume: SIGKILL mid-epoch then --resume auto equals an uninterrupted run; config changes refused unless
forced; --resume none starts a new run folder and keeps the old one."""
from __future__ import annotations

import signal
import time

import pytest
import torch

from common.checkpoint import load_checkpoint

ARGS = ["tinyplug", "default", "--set", "epochs=2", "checkpoint.every_iters=3", "--deterministic"]


def _final_weights(run_dir):
    data = load_checkpoint(run_dir / "epoch_0002.pth")
    return data["network"], data


def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(tiny_plugin, workspace, cli):
    full = cli.run(ARGS + ["--resume", "none"])
    assert full.returncode == 0, full.stderr
    (reference_dir,) = cli.run_dirs(workspace)
    reference, _ = _final_weights(reference_dir)

    # Second run: the actor hangs after 20 training batches (epoch 2, batch 4); it is killed with SIGKILL once
    # the mid-epoch checkpoint after 18 batches (epoch 2, 2 batches in) is on disk.
    proc = cli.start(ARGS + ["--resume", "none"], TINY_HANG_AFTER="20")
    try:
        deadline = time.monotonic() + 45
        run_dir = None
        while time.monotonic() < deadline:
            dirs = cli.run_dirs(workspace)
            run_dir = dirs[-1] if len(dirs) == 2 else None
            if run_dir is not None and list(run_dir.glob("epoch_0002_batch_*.pth")):
                break
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        else:
            pytest.fail("no mid-epoch checkpoint appeared")
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not (run_dir / "epoch_0002.pth").exists()
    (mid,) = run_dir.glob("epoch_0002_batch_*.pth")   # older mid-epoch checkpoints were pruned
    assert mid.name == "epoch_0002_batch_000002.pth"    # iteration 18 = 16 + 2 is the last multiple of 3
    assert load_checkpoint(mid)["batch_in_epoch"] == 2

    resumed = cli.run(ARGS + ["--resume", "auto"])
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stderr
    assert len(cli.run_dirs(workspace)) == 2
    weights, data = _final_weights(run_dir)
    assert data["iteration"] == 32
    assert set(weights) == set(reference)
    for key in reference:
        assert torch.equal(weights[key], reference[key]), key
    assert not list(run_dir.glob("epoch_*_batch_*.pth"))   # superseded by the epoch-end checkpoint
    assert "resume from" in (run_dir / "train.log").read_text()
