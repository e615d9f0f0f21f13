"""Bad checkpoints: one from another plugin or configuration, a truncated or empty file. Loading raises
``CheckpointError`` naming the file and the reason; the CLIs exit 2 with that message, no traceback."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import robustness_helpers as rh
from common.checkpoint import CheckpointError, load_checkpoint, load_network, save_checkpoint
from common.config import to_json
from common.plugins import get_plugin, load_train_config
from ltr import run_training
from pytracking import run_tracker
from tmtrack_plugin import write_checkpoint


def dctrack_checkpoint(path: Path, **model_changes) -> Path:
    """A real dctrack/quick checkpoint (untrained weights); ``model_changes`` alter the network's weights only."""
    cfg = load_train_config("dctrack", "quick")
    weights_cfg = load_train_config("dctrack", "quick")
    for key, value in model_changes.items():
        setattr(weights_cfg.model, key, value)
    network = get_plugin("dctrack").build_network(weights_cfg.model)
    return save_checkpoint(path, {"plugin": "dctrack", "setting": "quick", "config_json": to_json(cfg),
                                  "network": network.state_dict(), "epoch": 1})


def _main(module, argv, capsys) -> tuple[int, str]:
    code = module.main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_checkpoint_of_another_plugin_is_refused(tmtrack, tmp_path, capsys):
    """A tmtrack checkpoint given to dctrack: CheckpointError naming both plugins; run_tracker exits 2."""
    path = write_checkpoint(tmp_path / "tm.pth", shift=1.0)
    with pytest.raises(CheckpointError, match=re.escape(str(path)) + ".*'tmtrack', not 'dctrack'"):
        load_network(path, plugin="dctrack")
    code, out = _main(run_tracker, ["dctrack", "quick", "--dataset", "synthetic", "--checkpoint", str(path)], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(path), "tmtrack", "dctrack")


def test_checkpoint_of_another_configuration_lists_the_mismatched_weights(tmp_path):
    """Weights of another model configuration (other head width): CheckpointError naming the file and the
    mismatching parameters (never a partial load)."""
    path = dctrack_checkpoint(tmp_path / "other.pth", head_channels=32)
    with pytest.raises(CheckpointError, match=re.escape(str(path)) + r".*weights do not fit.*shape mismatch"):
        load_network(path, plugin="dctrack")


def test_resume_from_another_plugins_checkpoint_exits_2(tmtrack, tmp_path, capsys, workspace):
    """run_training --resume PATH with another plugin's checkpoint: exit 2 naming both, nothing trained."""
    path = write_checkpoint(tmp_path / "tm.pth", shift=1.0)
    code, out = _main(run_training, ["dctrack", "quick", "--resume", str(path), "--set", *rh.TINY_TRAIN], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(path), "tmtrack/s1", "dctrack/quick")
    assert not list(workspace.glob("checkpoints/dctrack/quick/run_*/epoch_*.pth"))


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_truncated_or_garbage_checkpoint_is_a_clear_error(tmp_path, damage, capsys):
    """A truncated (half-copied), empty or non-checkpoint file: load_checkpoint and load_network raise
    CheckpointError naming the file; run_tracker --checkpoint and run_training --resume exit 2."""
    path = dctrack_checkpoint(tmp_path / "net.pth")
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "garbage": b"not a checkpoint\n" * 50}[damage])
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        load_network(path)
    code, out = _main(run_tracker, ["dctrack", "quick", "--dataset", "synthetic", "--checkpoint", str(path)], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(path))
    code, out = _main(run_training, ["dctrack", "quick", "--resume", str(path), "--set", *rh.TINY_TRAIN], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(path))
