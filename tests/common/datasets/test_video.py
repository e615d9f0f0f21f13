"""The video-file dataset on the shared bag.avi (the VOT bag clip)."""
from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest

from common.datasets import DatasetError, load_dataset
from common.datasets.video import VideoReadError, video_sequence


def test_bag_avi_frames_and_ground_truth(shared_data):
    path = shared_data / "videos" / "bag.avi"
    (seq,) = load_dataset("video", root=path, ground_truth=str(shared_data / "sequences" / "vot" / "bag" / "groundtruth.txt"))
    assert seq.name == "bag" and len(seq) == 196 and seq.ground_truth.shape == (196, 4) and seq.frame_path(0) is None
    cap = cv2.VideoCapture(str(path))
    reference = []
    for _ in range(12):
        ok, bgr = cap.read()
        assert ok
        reference.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    cap.release()
    for i in (0, 1, 2, 11):  # sequential reads are RGB
        np.testing.assert_array_equal(seq.frame(i), reference[i])
    last = seq.frame(195)  # seek forward, then back
    np.testing.assert_array_equal(seq.frame(5), reference[5])
    np.testing.assert_array_equal(seq.frame(195), last)
    reader = pickle.loads(pickle.dumps(seq.frame_reader))
    np.testing.assert_array_equal(reader(3), reference[3])
    with pytest.raises(IndexError):
        seq.frame(196)


def test_bad_video_inputs(tmp_path):
    with pytest.raises(DatasetError, match="pass the video file"):
        load_dataset("video")
    bad = tmp_path / "broken.avi"
    bad.write_bytes(b"not a video")
    with pytest.raises(VideoReadError, match="broken.avi"):
        video_sequence(bad)
