"""common/checkpoint.py: weights_only loading refuses planted pickles, load_network rebuilds through the plugin,
a checkpoint of another configuration is refused clearly, find_checkpoint names the training command."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch

from common.checkpoint import (CheckpointError, capture_rng_state, find_checkpoint, load_checkpoint, load_network,
                               restore_rng_state, save_checkpoint)
from ltr.run_training import main


class Payload:
    """Unpickling this would create a file (it must never happen)."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_planted_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"format": "dctrack-checkpoint", "network": {}, "extra": Payload(str(marker))}, path)
    with pytest.raises(CheckpointError, match="refused to load"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="refused"):
        load_network(path)
    assert not marker.exists()


def test_rng_state_round_trip_through_a_checkpoint(tmp_path):
    torch.manual_seed(1), np.random.seed(2), random.seed(3)
    np.random.randn()  # leaves a cached gaussian in numpy's state
    save_checkpoint(tmp_path / "c.pth", {"rng": [capture_rng_state()]})
    expected = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(9), np.random.seed(9), random.seed(9)
    restore_rng_state(load_checkpoint(tmp_path / "c.pth")["rng"][0])
    assert torch.equal(torch.rand(3), expected[0])
    assert np.array_equal(np.random.rand(3), expected[1])
    assert random.random() == expected[2]
    assert not list(tmp_path.glob(".*tmp"))   # atomic write left no temporary file


def test_foreign_and_truncated_files(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "plain.pth")
    with pytest.raises(CheckpointError, match="not a dctrack checkpoint"):
        load_checkpoint(tmp_path / "plain.pth")
    data = (tmp_path / "plain.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="cut.pth"):
        load_checkpoint(tmp_path / "cut.pth")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "absent.pth")


def test_load_network_find_checkpoint_and_mismatch(tiny_plugin, workspace):
    with pytest.raises(FileNotFoundError, match="python ltr/run_training.py tinyplug default"):
        find_checkpoint(workspace, "tinyplug", "default", "best")
    assert main(["tinyplug", "default", "--set", "epochs=1", "model.hidden=6"]) == 0
    best = find_checkpoint(workspace, "tinyplug", "default", "best")
    latest = find_checkpoint(workspace, "tinyplug", "default", "latest")
    assert best.name == "best.pth" and latest.name == "epoch_0001.pth"

    network, info = load_network(best, device="cpu")
    assert info["plugin"] == "tinyplug" and info["setting"] == "default" and info["epoch"] == 1
    assert info["config"].model.hidden == 6                      # rebuilt from the stored config, not the setting
    stored = load_checkpoint(best)["network"]
    assert all(torch.equal(v, stored[k]) for k, v in network.state_dict().items())
    with pytest.raises(CheckpointError, match="plugin 'tinyplug', not 'dctrack'"):
        load_network(best, plugin="dctrack")

    # The weights grafted into a checkpoint of another configuration ('other': hidden=16) do not fit.
    data = load_checkpoint(best)
    other = dict(data, setting="other", config_json=json.dumps({**json.loads(data["config_json"]),
                                                                "model": {"hidden": 16, "dropout": 0.1}}))
    save_checkpoint(workspace / "grafted.pth", {k: v for k, v in other.items() if k not in ("format", "format_version")})
    with pytest.raises(CheckpointError, match="do not fit the network.*shape mismatch"):
        load_network(workspace / "grafted.pth")
