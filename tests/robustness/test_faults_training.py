"""Training faults: SIGKILL mid-run then ``--resume auto``; a full disk while writing a checkpoint; the
visdom server dying mid-run. Nothing already written is lost or corrupted, and training goes on or stops
with a clear error."""
from __future__ import annotations

import errno
import os
import re
import signal
from pathlib import Path

import pytest

import robustness_helpers as rh
from common.checkpoint import load_checkpoint
from ltr import run_training
from ltr.trainer.launch import RunOptions, train

SHORT_RUN = ["epochs=2", "samples_per_epoch=16", "batch_size=4", "data.num_workers=0", "val.every_epochs=0",
             "checkpoint.every_iters=1"]


def _run_dirs(workspace: Path) -> list[Path]:
    return sorted((workspace / "checkpoints" / "dctrack" / "quick").glob("run_*"))


def _all_checkpoints_load(run_dir: Path) -> list[dict]:
    found = sorted(run_dir.glob("*.pth"))
    assert found, f"no checkpoint in {run_dir}"
    return [load_checkpoint(p) for p in found]  # raises on a corrupt or half-written file


def test_sigkill_during_training_then_resume_auto_continues_and_nothing_is_corrupt(workspace, tmp_path):
    """SIGKILL right after the first checkpoint: every .pth left loads; ``--resume auto`` continues the same
    run folder from it and finishes; every .pth then loads and the last is epoch 2."""
    proc = rh.start_script(rh.TRAIN_SCRIPT, ["dctrack", "quick", "--set", *SHORT_RUN], log_file=tmp_path / "a.log")
    try:
        assert rh.wait_for(lambda: any(workspace.glob("checkpoints/dctrack/quick/run_*/epoch_*.pth"))
                           or proc.poll() is not None, timeout=90)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        rh.stop(proc)
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "a.log").read_text()[-2000:]
    (run,) = _run_dirs(workspace)
    assert not (run / "epoch_0002.pth").exists(), "the run finished before it was killed"
    _all_checkpoints_load(run)
    resumed = rh.run_script(rh.TRAIN_SCRIPT, ["dctrack", "quick", "--resume", "auto", "--set", *SHORT_RUN], timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming" in resumed.stderr and "done: 2 epochs" in resumed.stdout
    assert _run_dirs(workspace) == [run]
    states = _all_checkpoints_load(run)
    assert max(s["epoch"] for s in states) == 2


def _enospc_for(name: str):
    """An ``os.fsync`` that fails with ENOSPC for the temporary file of ``name`` (as a full disk does)."""
    real_fsync = os.fsync

    def fsync(fd):
        if name in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    return fsync


TINY_TWO_EPOCHS = ["epochs=2", "samples_per_epoch=8", "batch_size=4", "data.num_workers=0", "val.every_epochs=0"]


def test_full_disk_while_writing_a_checkpoint_keeps_the_previous_one(workspace, monkeypatch):
    """ENOSPC while writing epoch_0002.pth: training stops with an OSError (ENOSPC) naming that file; the
    previous checkpoint still loads and no half-written or temporary file is left."""
    monkeypatch.setattr(os, "fsync", _enospc_for("epoch_0002.pth"))
    with pytest.raises(OSError) as info:
        train(RunOptions("dctrack", "quick", TINY_TWO_EPOCHS))
    assert info.value.errno == errno.ENOSPC
    assert "epoch_0002.pth" in str(info.value)
    (run,) = _run_dirs(workspace)
    assert load_checkpoint(run / "epoch_0001.pth")["epoch"] == 1
    assert not (run / "epoch_0002.pth").exists()
    assert not [p.name for p in run.iterdir() if p.name.endswith(".tmp")]


def test_full_disk_in_run_training_is_a_one_line_error(workspace, monkeypatch, capsys):
    """ENOSPC while run_training writes a checkpoint: a non-zero exit and a one-line 'error: ... No space
    left on device ... epoch_0002.pth' message, no traceback."""
    monkeypatch.setattr(os, "fsync", _enospc_for("epoch_0002.pth"))
    try:
        code = run_training.main(["dctrack", "quick", "--set", *TINY_TWO_EPOCHS])
    except OSError as exc:
        pytest.fail(f"run_training.main let the OSError escape as a traceback: {exc!r}")
    err = capsys.readouterr().err
    assert code not in (0, None)
    rh.assert_clean_error(err, "No space left on device", "epoch_0002.pth")


def test_visdom_server_killed_mid_training_training_goes_on(workspace, visdom_server, tmp_path):
    """Training with --debug 2 against a real visdom server that is SIGKILLed after the first checkpoint:
    training finishes (exit 0), one warning says visdom output stopped."""
    port, server = visdom_server
    log_file = tmp_path / "train.log"
    proc = rh.start_script(rh.TRAIN_SCRIPT, ["dctrack", "quick", "--debug", "2", "--set", *SHORT_RUN,
                                             "log.visdom_every=1"], log_file=log_file, DCTRACK_VISDOM_PORT=port)
    try:
        assert rh.wait_for(lambda: any(workspace.glob("checkpoints/dctrack/quick/run_*/epoch_*.pth"))
                           or proc.poll() is not None, timeout=90)
        rh.stop(server)
        proc.wait(timeout=120)
    finally:
        rh.stop(proc)
    out = log_file.read_text()
    assert proc.returncode == 0, out[-3000:]
    assert "done: 2 epochs" in out
    assert len(re.findall(r"visdom debug output disabled", out)) == 1, out[-3000:]
    assert "lost the visdom server" in out
