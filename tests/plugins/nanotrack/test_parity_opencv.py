"""nanotrack/default against cv2.TrackerNano with the published ONNX pair, on a few frames of each shared dataset.

The full comparison (every frame of every shared sequence) is ``plugins/nanotrack/tools/compare_opencv.py``.
cv2 reports integer boxes (its float state truncated); ``default`` reports its box the same way (``report=opencv``).
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from common.metrics import preset_for_dataset, success_auc
from plugins.nanotrack.opencv_peer import OpenCVNanoTracker, onnx_folder
from plugins.nanotrack.parity import compare_sequence, shared_sequences
from pytracking.api import load_tracker

# (dataset, sequence, frames): one sequence of every shared dataset, ~230 frames in all
SUBSET = (("otb", "Couple", 60), ("vot", "bag", 40), ("uav123", "wakeboard7", 30), ("dsst", "dog1", 50),
          ("got10k", "OTB_Jumping", 50))


@pytest.fixture
def trackers(published_weights):
    cv2.setNumThreads(1)
    ours = load_tracker("nanotrack", "default", overrides=["debug=1"])
    return ours, OpenCVNanoTracker(onnx_folder(published_weights), "rgb")


def test_default_reproduces_opencv_tracker_nano(trackers, shared_data):
    ours, reference = trackers
    pairs = {(d, s.name): s for d, s in shared_sequences(shared_data)}
    rows = [compare_sequence(pairs[(d, n)], ours, reference, d, frames) for d, n, frames in SUBSET if (d, n) in pairs]
    assert rows, "none of the subset's sequences is in the shared data"
    for r in rows:
        # the same internal state on every frame, and the same integer box reported
        assert r.raw_iou > 0.99 and r.first_divergence is None, r
    assert abs(np.mean([r.auc_ours for r in rows]) - np.mean([r.auc_opencv for r in rows])) < 0.01


def test_continuous_report_differs_only_by_opencvs_truncation(published_weights, shared_data):
    cv2.setNumThreads(1)
    ours = load_tracker("nanotrack", "default", overrides=["debug=1", "report=float"])
    reference = OpenCVNanoTracker(onnx_folder(published_weights), "rgb")
    seq = next(s for d, s in shared_sequences(shared_data) if s.name == "Couple")
    r = compare_sequence(seq, ours, reference, "otb", 40)
    assert r.reported_iou > 0.99 and r.first_divergence is None, r
    assert 0.8 < r.raw_iou < 0.99, r          # what truncating to integers costs a 25 x 62 px box


def test_reported_auc_equals_opencvs(trackers, shared_data):
    ours, reference = trackers
    seq = next(s for d, s in shared_sequences(shared_data) if s.name == "Couple")
    n, gt = 40, seq.ground_truth[:40]
    boxes = {"ours": [], "cv2": []}
    for i in range(n):
        image = seq.frame(i)
        if i == 0:
            for t in (ours, reference):
                t.initialize(image, np.round(seq.init_box))
            boxes["ours"].append(np.round(seq.init_box))
            boxes["cv2"].append(np.round(seq.init_box))
            continue
        boxes["ours"].append(ours.track(image)["box"])  # already truncated as cv2 reports
        boxes["cv2"].append(reference.track(image)["box"])
    preset = preset_for_dataset("otb")
    assert success_auc(np.array(boxes["ours"]), gt, preset) == pytest.approx(success_auc(np.array(boxes["cv2"]), gt, preset))


def test_opencv_peer_swaps_channels():
    # cv2.TrackerNano feeds its network the frame with R and B swapped; the peer's "rgb" order passes RGB frames,
    # so that network sees BGR, as NanoTrack was trained.
    with pytest.raises(ValueError, match="channel_order"):
        OpenCVNanoTracker(".", "hsv")
    image = np.zeros((4, 4, 3), np.uint8)
    image[..., 0] = 7
    assert OpenCVNanoTracker(".", "bgr")._frame(image)[0, 0, 2] == 7
    assert OpenCVNanoTracker(".", "rgb")._frame(image)[0, 0, 0] == 7
