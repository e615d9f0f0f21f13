"""End to end (slow, opt-in with DCTRACK_SLOW=1): the ``quick`` setting trains on the CPU within 10 minutes and
the trained tracker clearly beats a tracker that never moves the first box on the synthetic test split."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("DCTRACK_SLOW") != "1", reason="slow: set DCTRACK_SLOW=1 to run")]


def test_quick_trains_in_ten_minutes_and_beats_a_stationary_box(isolated_settings):
    from common.checkpoint import find_checkpoint
    from common.datasets import load_dataset
    from common.metrics import success_auc
    from pytracking.api import load_tracker, track_sequence

    start = time.perf_counter()
    subprocess.run([sys.executable, "ltr/run_training.py", "dctrack", "quick", "--resume", "none"], cwd=REPO,
                   check=True, timeout=900, env=dict(os.environ))
    minutes = (time.perf_counter() - start) / 60
    assert minutes < 10, f"quick training took {minutes:.1f} min"
    workspace = Path(os.environ["DCTRACK_WORKSPACE_DIR"])
    tracker = load_tracker("dctrack", "quick", checkpoint=find_checkpoint(workspace, "dctrack", "quick", "latest"),
                           device="cpu")
    ours, still = [], []
    for seq in load_dataset("synthetic", "test"):
        boxes, _, _ = track_sequence(tracker, seq)
        ours.append(success_auc(boxes, seq.ground_truth, "otb", seq.visible))
        still.append(success_auc(np.repeat(seq.init_box[None], len(seq), 0), seq.ground_truth, "otb", seq.visible))
    assert np.mean(ours) > np.mean(still) + 0.15, (np.mean(ours), np.mean(still))
