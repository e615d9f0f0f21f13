"""pytracking.api: load_tracker (parameter-free, checkpoint found, clear error when none) and track_sequence."""
from __future__ import annotations

import numpy as np
import pytest

from common.datasets.base import Sequence
from pytracking.api import CheckpointNotFound, load_tracker, resolve_tracker, track_sequence
from pytracking.tracker import Tracker, TrackerOutputError, check_output
from tmtrack_plugin import write_checkpoint


def _moving_square(n=6, size=64):
    frames = []
    for i in range(n):
        img = np.full((size, size, 3), 40, np.uint8)
        img[20:32, 10 + 3 * i:22 + 3 * i] = (250, 200, 30)
        img[22:26, 12 + 3 * i:16 + 3 * i] = 0
        frames.append(img)
    gt = np.array([[10 + 3 * i, 20, 12, 12] for i in range(n)], dtype=float)
    return Sequence("square", "toy", ground_truth=gt, frame_reader=lambda i: frames[i], num_frames=n)


def test_parameter_free_tracker_tracks(tmtrack):
    tracker = load_tracker(tmtrack)
    assert isinstance(tracker, Tracker) and tracker.network is None and tracker.name == "TMTracker"
    seq = _moving_square()
    boxes, times, scores = track_sequence(tracker, seq)
    assert boxes.shape == (6, 4) and times.shape == (6,) and scores.shape == (6, 2)
    np.testing.assert_allclose(boxes, seq.ground_truth)  # the square moves 3 px per frame, found exactly
    assert scores[0].tolist() == [1.0, 1.0] and (scores[1:, 0] > 0.9).all()


def test_missing_checkpoint_names_the_training_command(tmtrack):
    with pytest.raises(CheckpointNotFound) as err:
        load_tracker(tmtrack, "net")
    assert "python ltr/run_training.py tmtrack s1" in str(err.value)


def test_checkpoint_given_or_found_in_workspace(tmtrack, tmp_path):
    ckpt = write_checkpoint(tmp_path / "shift.pth", shift=2.0)
    tracker = load_tracker(tmtrack, "net", checkpoint=ckpt, device="cpu")
    assert tracker.network.shift.item() == 2.0
    boxes, _, _ = track_sequence(tracker, _moving_square())
    np.testing.assert_allclose(boxes[1:, 0], _moving_square().ground_truth[1:, 0] + 2.0)
    from settings import load_settings

    run = load_settings().workspace_dir / "checkpoints" / "tmtrack" / "s1" / "run_001"
    write_checkpoint(run / "best.pth", shift=1.0)
    setup = resolve_tracker(tmtrack, "net")
    assert setup.checkpoint == (run / "best.pth").resolve()


def test_missing_explicit_checkpoint(tmtrack, tmp_path):
    with pytest.raises(CheckpointNotFound, match="does not exist"):
        load_tracker(tmtrack, "net", checkpoint=tmp_path / "nope.pth")


def test_unknown_param_lists_available(tmtrack):
    from common.plugins import PluginError

    with pytest.raises(PluginError, match="default"):
        load_tracker(tmtrack, "nonexistent")


def test_check_output_rejects_malformed():
    with pytest.raises(TrackerOutputError, match="lacks"):
        check_output({"box": [0, 0, 1, 1]})
    with pytest.raises(TrackerOutputError, match="shape"):
        check_output({"box": [0, 0, 1], "score": 1, "present": True})
    out = check_output({"box": np.array([1, 2, 3, 4]), "score": np.float32(0.5), "present": 1, "extra": 3})
    assert out["box"] == [1.0, 2.0, 3.0, 4.0] and out["present"] is True and out["extra"] == 3
