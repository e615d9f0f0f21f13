"""run_tracker on the shared OTB fixture: one sequence end to end, and a partial root's missing sequences."""
from __future__ import annotations

import importlib.util

import numpy as np

from pytracking import run_tracker

HAVE_METRICS = importlib.util.find_spec("common.metrics") is not None


def test_run_tracker_otb_couple(tmtrack, shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DCTRACK_OTB_DIR", str(shared_data / "sequences" / "otb"))
    assert run_tracker.main([tmtrack, "--dataset", "otb", "--sequence", "Couple", "--results-dir", str(tmp_path)]) == 0
    boxes = np.loadtxt(tmp_path / tmtrack / "default" / "otb" / "Couple.txt", delimiter=",")
    assert boxes.shape == (140, 4)
    np.testing.assert_allclose(boxes[0], [50, 46, 25, 62])  # groundtruth 51,47,25,62 is 1-based
    out = capsys.readouterr().out
    assert "Couple" in out
    if HAVE_METRICS:
        line = next(x for x in out.splitlines() if x.startswith("mean success AUC"))
        ours, static = (float(v) for v in (line.split(":")[1].split()[0], line.rsplit(":", 1)[1]))
        assert 0.0 <= static < ours <= 1.0  # template matching follows Couple better than a frozen box
    else:
        assert "no AUC: common.metrics is not available" in out


def test_partial_root_reports_missing_sequences(tmtrack, shared_data, tmp_path, monkeypatch, capsys):
    root = tmp_path / "otb"
    root.mkdir()
    (root / "Crossing").symlink_to(shared_data / "sequences" / "otb" / "Crossing")
    (root / "OTB100.json").symlink_to(shared_data / "benchmarks" / "otb100" / "OTB100.json")
    monkeypatch.setenv("DCTRACK_OTB_DIR", str(root))
    assert run_tracker.main([tmtrack, "--dataset", "otb", "--results-dir", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "evaluated the 1 sequences present; 99 listed sequences are missing" in out
    assert (tmp_path / "r" / tmtrack / "default" / "otb" / "Crossing.txt").is_file()
