"""The README's main job, small: train dctrack (quick, one tiny epoch), track the synthetic split with the
trained checkpoint, and analyse the results. The full-length quick run is tests/plugins/dctrack/test_dctrack_quick_slow.py."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from common.datasets import load_dataset
from common.metrics import success_auc

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable] + args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def test_train_track_analyse_on_synthetic_data(tmp_path):
    trained = _run(["ltr/run_training.py", "dctrack", "quick", "--set", "epochs=1", "samples_per_epoch=32",
                    "batch_size=8", "data.num_workers=0", "val.every_epochs=0"])
    assert "synthetic" in trained.stderr + trained.stdout  # says it trains on the built-in dataset
    workspace = Path(os.environ["DCTRACK_WORKSPACE_DIR"])
    assert list(workspace.glob("checkpoints/dctrack/quick/run_001/*.pth"))

    tracked = _run(["pytracking/run_tracker.py", "dctrack", "quick", "--dataset", "synthetic", "--sequence", "0",
                    "--torch-threads", "1"])
    printed = re.search(r"mean success AUC \(otb preset, 1 sequences\): ([0-9.]+)", tracked.stdout)
    assert printed, tracked.stdout[-2000:]
    results = Path(os.environ["DCTRACK_RESULTS_DIR"])
    manifest = json.loads(next(results.glob("dctrack/quick*/manifest.json")).read_text())
    assert "run_001" in json.dumps(manifest)  # the tracker loaded the checkpoint just trained
    # the printed AUC is the one of the written boxes against the sequence's ground truth
    seq = load_dataset("synthetic", "test")[0]
    boxes = np.loadtxt(next(results.glob(f"dctrack/quick*/synthetic/{seq.name}.txt")), delimiter=",")
    auc = success_auc(boxes, seq.ground_truth, "otb", seq.visible)
    assert float(printed.group(1)) == pytest.approx(auc, abs=5e-4)

    report = tmp_path / "report.json"
    _run(["pytracking/analyze.py", "--dataset", "synthetic", "--trackers", "dctrack/quick", "--json", str(report),
          "--no-plots"])
    rows = json.loads(report.read_text())
    per_sequence = rows["trackers"]["dctrack/quick"]["per_sequence"]
    assert per_sequence[seq.name]["AUC"] == pytest.approx(auc, abs=1e-6)  # the analysis scores the same boxes
