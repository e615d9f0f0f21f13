"""Unknown names (dataset, plugin, setting, parameter file), malformed settings files and malformed ``--set``
overrides: exit code 2 and a one-line message naming the culprit and listing what is available; no traceback."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import robustness_helpers as rh
from common.datasets import DatasetError, load_dataset
from ltr import run_training
from pytracking import run_tracker


def _main(module, argv, capsys) -> tuple[int, str]:
    """Run a CLI ``main`` in-process: (exit code, stdout + stderr)."""
    try:
        code = module.main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out + out.err


def test_unknown_dataset_name_lists_the_known_ones():
    """load_dataset('nope'): DatasetError naming it and listing the registered datasets."""
    with pytest.raises(DatasetError, match=r"unknown dataset 'nope'.*otb.*synthetic"):
        load_dataset("nope")


def test_run_tracker_unknown_dataset_exits_2_listing_datasets(tmtrack, capsys):
    """run_tracker --dataset nope: exit 2, message lists the known datasets, no traceback."""
    code, out = _main(run_tracker, [tmtrack, "--dataset", "nope"], capsys)
    assert code == 2
    rh.assert_clean_error(out, "unknown dataset 'nope'", "synthetic", "otb")


def test_run_tracker_unknown_plugin_and_parameter_file(tmtrack, capsys):
    """run_tracker with an unknown plugin or parameter file: exit 2 listing the available ones."""
    code, out = _main(run_tracker, ["nosuchtracker", "--dataset", "synthetic"], capsys)
    assert code == 2
    rh.assert_clean_error(out, "unknown plugin 'nosuchtracker'", "dctrack", "tmtrack")
    code, out = _main(run_tracker, [tmtrack, "nosuchparam", "--dataset", "synthetic"], capsys)
    assert code == 2
    rh.assert_clean_error(out, "nosuchparam", "default", "failing")


def test_run_training_unknown_plugin_and_setting(capsys):
    """run_training with an unknown plugin or train setting: exit 2 listing the available ones."""
    code, out = _main(run_training, ["nosuchtracker", "quick"], capsys)
    assert code == 2
    rh.assert_clean_error(out, "unknown plugin 'nosuchtracker'", "dctrack")
    code, out = _main(run_training, ["dctrack", "nosuchsetting"], capsys)
    assert code == 2
    rh.assert_clean_error(out, "nosuchsetting", "quick", "default")


def test_unknown_names_as_real_processes_exit_2_without_traceback(tmtrack):
    """The same as real processes: ``python ltr/run_training.py nope x`` and ``run_tracker.py ... --dataset nope``."""
    proc = rh.run_script(rh.TRAIN_SCRIPT, ["dctrack", "nosuchsetting"], timeout=60)
    assert proc.returncode == 2
    rh.assert_clean_error(proc.stderr, "nosuchsetting", "quick")
    proc = rh.run_script(rh.TRACK_SCRIPT, [tmtrack, "--dataset", "nope"], timeout=60)
    assert proc.returncode == 2
    rh.assert_clean_error(proc.stderr, "unknown dataset 'nope'")


@pytest.mark.parametrize("text, needles", [
    ("visdom_port = 8097\notb_dir = '/data/otb\nworkspace_dir = 'w'\n", ["line 2", "otb_dir"]),  # unclosed string
    ("workspace_dir = /tmp/x\n", ["line 1", "workspace_dir"]),        # unquoted path
    ("visdom_port = 8097\nvisdom_port = 8098\n", ["line 2"]),         # duplicate key
    ("otb_dirr = '/data'\n", ["unknown key 'otb_dirr'", "otb_dir"]),  # misspelt setting
    ("visdom_port = 'eighty'\n", ["visdom_port", "expected an integer"]),
])
def test_malformed_settings_file_names_file_line_and_key(text, needles, capsys):
    """A malformed local.toml (syntax, duplicate, unknown key, wrong type): run_training exits 2 naming the
    file and the line or key; run_tracker does the same."""
    settings_file = Path(os.environ["DCTRACK_SETTINGS_FILE"])
    settings_file.write_text(text)
    code, out = _main(run_training, ["dctrack", "quick", "--set", *rh.TINY_TRAIN], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(settings_file), *needles)
    code, out = _main(run_tracker, ["dctrack", "--dataset", "synthetic"], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(settings_file), *needles)


@pytest.mark.parametrize("override, needles", [
    ("optim.lrr=0.1", ["unknown key 'optim.lrr'", "lr"]),
    ("nosuchsection.x=1", ["unknown key 'nosuchsection'"]),
    ("epochs=abc", ["epochs", "expected an integer"]),
    ("epochs=0", ["epochs must be >= 1"]),
    ("model.prior_kind=blob", ["model.prior_kind", "box"]),
    ("data.prior_kind=box", ["unknown key 'data.prior_kind'"]),  # one home: the model's kind is rendered
    ("optim.name=rmsprop", ["optim.", "sgd or adamw"]),
    ("epochs", ["key=value", "epochs"]),
    ("=3", ["key=value"]),
])
def test_malformed_or_unknown_set_override_exits_2_naming_the_key(override, needles, capsys, workspace):
    """run_training --set with an unknown key, a malformed item or a bad value: exit 2 naming the key, and
    no run folder is created."""
    code, out = _main(run_training, ["dctrack", "quick", "--set", *rh.TINY_TRAIN, override], capsys)
    assert code == 2
    rh.assert_clean_error(out, *needles)
    assert not (workspace / "checkpoints").exists()
