"""The nanotrack tracker: geometry of its crops and decoding, parameters, how it finds its weights."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from common.config import ConfigError
from common.plugins import get_plugin, load_parameters
from plugins.nanotrack.config import ModelConfig
from plugins.nanotrack.network import NanoTrackNet
from plugins.nanotrack.tracker import NanoTrackTracker, opencv_window_origin
from pytracking.api import CheckpointNotFound, load_tracker, resolve_tracker


def _tracker(*overrides) -> NanoTrackTracker:
    torch.manual_seed(0)
    return NanoTrackTracker(load_parameters("nanotrack", "default", list(overrides)), NanoTrackNet(ModelConfig()).eval())


def _image(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (120, 160, 3), dtype=np.uint8)


@pytest.mark.parametrize("param", ["default", "exact", "published"])
def test_tracks_with_random_weights_inside_the_image(param):
    tracker = NanoTrackTracker(load_parameters("nanotrack", param), NanoTrackNet(ModelConfig()).eval())
    tracker.initialize(_image(), [60.5, 40.25, 30.0, 20.0])
    for seed in range(1, 4):
        out = tracker.track(_image(seed))
        x, y, w, h = out["box"]
        assert 0 <= x + w / 2 <= 160 and 0 <= y + h / 2 <= 120 and w >= 10 and h >= 10
        assert 0.0 <= out["score"] <= 1.0 and isinstance(out["present"], bool)


def test_debug_maps_on_the_score_grid():
    tracker = _tracker("debug=2")
    tracker.initialize(_image(), [60, 40, 30, 20])
    out = tracker.track(_image(1))
    assert out["score_appearance"].shape == out["score_fused"].shape == (16, 16)
    assert out["crops"].shape == (255, 255, 3)


def test_opencv_window_origin_truncates_like_cv2():
    assert opencv_window_origin(100.7, 51) == 100 - 26
    assert opencv_window_origin(100.2, 50) == 100 - 25


def test_invalid_inputs_are_named():
    with pytest.raises(ConfigError, match="scale_reference"):
        load_parameters("nanotrack", "default", ["scale_reference=area"])
    tracker = _tracker()
    with pytest.raises(RuntimeError, match="before initialize"):
        tracker.track(_image())
    with pytest.raises(ValueError, match="not a valid"):
        tracker.initialize(_image(), [1, 2, 0, 5])


def test_missing_published_weights_name_the_file(tmp_path):
    with pytest.raises(CheckpointNotFound, match="nowhere.pth"):
        resolve_tracker("nanotrack", "default", overrides=[f"weights={tmp_path / 'nowhere.pth'}"])


def test_finetune_run_is_selected_like_dctrack():
    with pytest.raises(CheckpointNotFound, match="nanotrack/finetune"):
        resolve_tracker("nanotrack", "default", overrides=["train_setting=finetune"])


def test_load_tracker_imports_the_published_weights(published_weights, isolated_settings):
    tracker = load_tracker("nanotrack", "default")
    imported = list((isolated_settings / "workspace" / "imported" / "nanotrack").glob("*.pth"))
    assert len(imported) == 1 and imported[0].name.startswith("nanotrackv2-")
    assert resolve_tracker("nanotrack", "default").checkpoint == imported[0].resolve()
    image = _image()
    tracker.initialize(image, [60, 40, 30, 20])
    assert len(tracker.track(image)["box"]) == 4


def test_plugin_declares_its_peer():
    spec = get_plugin("nanotrack")
    assert spec.peer_tracker is not None and spec.tracker_class is NanoTrackTracker
