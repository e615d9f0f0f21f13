"""nanotrack in every client: load_tracker, run_video, the GOT-10k and VOT adapters, the debug view."""
from __future__ import annotations

import logging
import socket

import numpy as np
import pytest

from common.boxes import from_one_based, iou, polygon_to_xywh, to_one_based
from common.datasets.base import Sequence
from common.image_io import read_image
from pytracking.api import load_tracker, track_sequence


def _bag(shared_data, n: int):
    folder = shared_data / "sequences" / "vot" / "bag"
    polys = np.loadtxt(folder / "groundtruth.txt", delimiter=",")[:n]
    return sorted(folder.glob("*.jpg"))[:n], from_one_based(polygon_to_xywh(polys))


def test_run_video_on_bag_avi(published_weights, shared_data, tmp_path):
    from pytracking import run_video

    _, gt = _bag(shared_data, 20)
    txt = tmp_path / "bag.txt"
    code = run_video.main(["nanotrack", "default", str(shared_data / "videos" / "bag.avi"), "--box",
                           ",".join(f"{v:.2f}" for v in gt[0]), "--save-txt", str(txt), "--max-frames", "20"])
    assert code == 0
    boxes = np.loadtxt(txt, delimiter=",")
    assert boxes.shape == (20, 4) and iou(boxes[1:], gt[1:]).mean() > 0.5


def test_got10k_adapter_equals_the_toolkit_tracker(published_weights, shared_data):
    from pytracking.adapters.got10k_tracker import Got10kTracker

    frames, gt = _bag(shared_data, 6)
    adapter = Got10kTracker.from_plugin("nanotrack", "default")

    adapter.init(read_image(str(frames[0])), to_one_based(gt[0]))
    reported = [adapter.update(read_image(str(f))) for f in frames[1:]]
    boxes, _, _ = track_sequence(load_tracker("nanotrack"), Sequence("bag", "vot", frames=frames, ground_truth=gt))
    np.testing.assert_allclose(np.array(reported), to_one_based(boxes[1:]), atol=1e-6)


def test_vot_adapter_writes_its_ini_entry(published_weights, tmp_path):
    from pytracking.adapters.vot_trax import main

    ini = tmp_path / "trackers.ini"
    assert main(["--write-ini", "nanotrack", "default", "--ini-file", str(ini)]) == 0
    text = ini.read_text()
    assert "[nanotrack_default]" in text and "nanotrack" in text


def test_debug_view_without_server_keeps_tracking(published_weights, shared_data, caplog):
    from common.visdom_client import VisdomClient
    from pytracking.debug.visdom_view import DebugView

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    caplog.set_level(logging.WARNING)
    frames, gt = _bag(shared_data, 4)
    tracker = load_tracker("nanotrack", "default", overrides=["debug=2"])
    view = DebugView(2, VisdomClient("127.0.0.1", port, env="none"))
    boxes, _, _ = track_sequence(tracker, Sequence("bag", "vot", frames=frames, ground_truth=gt), debug=view)
    assert boxes.shape == (4, 4)
    assert len([r for r in caplog.records if "visdom" in r.getMessage()]) == 1
    out = tracker.track(read_image(str(frames[3])))
    assert {"score_appearance", "score_fused", "crops"} <= set(out)
