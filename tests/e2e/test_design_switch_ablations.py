"""The design notes' remaining ideas (SimCLR-style augmentation, a non-local block, global direction guidance)
each train one tiny epoch through the real CLI on the CPU demo's model size."""
from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from common.checkpoint import load_network
from common.plugins import get_plugin
from ltr.trainer.launch import seed_all

REPO = Path(__file__).resolve().parents[2]
TINY = ["epochs=1", "samples_per_epoch=16", "batch_size=4", "data.num_workers=0", "val.every_epochs=0",
        "model.backbone=tiny", "model.template_size=63", "model.search_size=127", "model.adapter_kernel=1",
        "model.corr_channels=32", "model.head_channels=32", "model.head_num_convs=2", "model.head_padding=1",
        "data.train=[{'name': 'synthetic', 'split': 'train'}]", "device=cpu"]


# setting -> (config field the switch sets, True when the network has more weights because of it)
SWITCHES = {"ablate_simclr": ("data.augment.simclr.enabled", False),
            "ablate_nonlocal": ("model.nonlocal_block", True),
            "ablate_global_direction": ("model.global_direction", True)}


def _field(cfg, dotted: str):
    for part in dotted.split("."):
        cfg = getattr(cfg, part)
    return cfg


def _weight_shapes(network) -> dict:
    return {k: tuple(v.shape) for k, v in network.state_dict().items()}


@pytest.mark.parametrize("setting", sorted(SWITCHES))
def test_design_switch_trains_one_tiny_epoch(setting):
    """The run trains with the switch on: the checkpoint's config has it, the network carries the switch's weights
    (compared with the same model without it), and the weights moved away from their seeded initialisation."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "ltr/run_training.py", "dctrack", setting, "--set", *TINY],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    workspace = Path(os.environ["DCTRACK_WORKSPACE_DIR"])
    checkpoints = sorted(workspace.glob(f"checkpoints/dctrack/{setting}/run_001/epoch_*.pth"))
    assert checkpoints
    trained, info = load_network(checkpoints[-1])
    field, adds_weights = SWITCHES[setting]
    cfg = info["config"]
    assert _field(cfg, field) is True
    without = copy.deepcopy(cfg)
    parent, _, leaf = field.rpartition(".")
    setattr(_field(without, parent), leaf, False)
    plain = get_plugin("dctrack").build_network(without.model)
    assert (_weight_shapes(trained) != _weight_shapes(plain)) == adds_weights
    seed_all(cfg.seed)
    initial = get_plugin("dctrack").build_network(cfg.model).state_dict()
    moved = [k for k, v in trained.state_dict().items() if v.is_floating_point() and not torch.equal(v, initial[k])]
    assert moved, "no weight changed: nothing was trained"
