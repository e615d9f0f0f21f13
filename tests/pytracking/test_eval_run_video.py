"""run_video.py on the shared bag.avi (first box from the VOT ground truth), a frame folder, and its errors."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from common.boxes import from_one_based, iou, polygon_to_xywh
from pytracking import run_video


def _bag_first_box(shared_data):
    polys = np.loadtxt(shared_data / "sequences" / "vot" / "bag" / "groundtruth.txt", delimiter=",")
    return from_one_based(polygon_to_xywh(polys)), polys


def test_run_video_on_bag_avi(tmtrack, shared_data, tmp_path, capsys):
    gt, _ = _bag_first_box(shared_data)
    box = ",".join(f"{v:.2f}" for v in gt[0])
    txt, video = tmp_path / "out" / "bag.txt", tmp_path / "out" / "bag.avi"
    code = run_video.main([tmtrack, "default", str(shared_data / "videos" / "bag.avi"), "--box", box,
                           "--save-txt", str(txt), "--save-video", str(video), "--max-frames", "40"])
    assert code == 0
    boxes = np.loadtxt(txt, delimiter=",")
    assert boxes.shape == (40, 4)
    np.testing.assert_allclose(boxes[0], gt[0], atol=0.006)
    assert iou(boxes[1:5], gt[1:5]).mean() > 0.3  # still on the bag in the first frames
    cap = cv2.VideoCapture(str(video))
    count = 0
    while cap.read()[0]:
        count += 1
    cap.release()
    assert count == 40
    assert sorted(p.name for p in txt.parent.iterdir()) == ["bag.avi", "bag.txt"]  # no temporary files left
    assert "40 frames of bag" in capsys.readouterr().out


def test_run_video_on_frame_folder_default_param(tmtrack, shared_data, tmp_path):
    gt, _ = _bag_first_box(shared_data)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in (1, 2, 3, 10):  # natural order: 10 after 3
        src = shared_data / "sequences" / "vot" / "bag" / f"{i:08d}.jpg"
        (folder / f"img{i}.jpg").write_bytes(src.read_bytes())
    out = tmp_path / "b.txt"
    assert run_video.main([tmtrack, str(folder), "--box", ",".join(map(str, gt[0])), "--save-txt", str(out)]) == 0
    assert np.loadtxt(out, delimiter=",").shape == (4, 4)


def test_select_without_display_is_a_clear_error(tmtrack, shared_data, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert run_video.main([tmtrack, str(shared_data / "videos" / "bag.avi"), "--select"]) == 2
    assert "need a display" in capsys.readouterr().err


def test_bad_source_and_bad_box(tmtrack, tmp_path, capsys):
    assert run_video.main([tmtrack, str(tmp_path / "missing.mp4"), "--box", "1,2,3,4"]) == 2
    assert "no such video file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_video.main([tmtrack, str(tmp_path), "--box", "1,2,0,4"])
    assert "w, h > 0" in capsys.readouterr().err
