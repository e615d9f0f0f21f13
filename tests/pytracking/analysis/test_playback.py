"""pytracking/playback.py: a short replay of a shared OTB sequence written to a video file."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import write_run  # noqa: E402

from common.datasets import load_dataset  # noqa: E402
from pytracking import playback  # noqa: E402
from pytracking.analysis.render import GT_COLOR, draw_frame  # noqa: E402


def test_video_of_a_shared_otb_sequence(shared_data, tmp_path, capsys):
    root = shared_data / "sequences" / "otb"
    seq = next(s for s in load_dataset("otb", root=root) if s.name == "Couple")
    write_run(Path(os.environ["DCTRACK_RESULTS_DIR"]), "toy", "default", "otb", {"Couple": seq.ground_truth + 3})
    out = tmp_path / "couple.avi"
    code = playback.main(["toy/default", "--dataset", "otb", "--root", str(root), "--sequence", "couple",
                          "--out", str(out), "--max-frames", "12"])
    assert code == 0, capsys.readouterr().err
    video = cv2.VideoCapture(str(out))
    count = 0
    while True:
        ok, frame = video.read()
        if not ok:
            break
        count += 1
        shape = frame.shape
    video.release()
    assert count == 12 and shape[:2] == seq.frame(0).shape[:2]
    assert not list(tmp_path.glob(".*tmp*"))


def test_missing_sequence_result_is_an_error(shared_data, capsys, tmp_path):
    root = shared_data / "sequences" / "otb"
    write_run(Path(os.environ["DCTRACK_RESULTS_DIR"]), "toy", "default", "otb", {"Crossing": np.ones((3, 4))})
    code = playback.main(["toy/default", "--dataset", "otb", "--root", str(root), "--sequence", "Couple",
                          "--out", str(tmp_path / "x.mp4")])
    assert code == 2 and "no result file for sequence 'Couple'" in capsys.readouterr().err


def test_draw_frame_marks_the_ground_truth():
    rgb = np.zeros((60, 80, 3), np.uint8)
    out = draw_frame(rgb, 0, np.array([20.0, 20.0, 30.0, 20.0]), {"t": np.array([5.0, 5.0, 10.0, 10.0])})
    assert (out[20, 25:45] == GT_COLOR).all()  # top edge of the gt box
    assert rgb.sum() == 0  # the input frame is untouched
