"""The design notes' remaining ideas (SimCLR-style augmentation, a non-local block, global direction guidance)
each train one tiny epoch through the real CLI on the CPU demo's model size."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = ["epochs=1", "samples_per_epoch=16", "batch_size=4", "data.num_workers=0", "val.every_epochs=0",
        "model.backbone=tiny", "model.template_size=63", "model.search_size=127", "model.adapter_kernel=1",
        "model.corr_channels=32", "model.head_channels=32", "model.head_num_convs=2", "model.head_padding=1",
        "data.train=[{'name': 'synthetic', 'split': 'train'}]", "device=cpu"]


@pytest.mark.parametrize("setting", ["ablate_simclr", "ablate_nonlocal", "ablate_global_direction"])
def test_design_switch_trains_one_tiny_epoch(setting):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "ltr/run_training.py", "dctrack", setting, "--set", *TINY],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    workspace = Path(os.environ["DCTRACK_WORKSPACE_DIR"])
    assert list(workspace.glob(f"checkpoints/dctrack/{setting}/run_001/*.pth"))
