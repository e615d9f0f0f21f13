"""The command line: user errors exit 2 with one line naming the key/plugin/setting, --list, --benchmark, and the
run folder files (config.json, env.json, train.log)."""
from __future__ import annotations

import json

from ltr.run_training import main


def test_user_errors_exit_2_with_a_clear_line(tiny_plugin, capsys):
    cases = [
        (["nosuch", "default"], ["unknown plugin 'nosuch'", "tinyplug"]),
        (["tinyplug", "nosuch"], ["unknown train setting 'nosuch'", "default", "other"]),
        (["tinyplug", "default", "--set", "optim.lrr=1"], ["unknown key 'optim.lrr'"]),
        (["tinyplug", "default", "--set", "epochs=zero"], ["epochs: expected an integer"]),
        (["tinyplug", "default", "--set", "epochs=0"], ["epochs must be >= 1"]),
        (["tinyplug", "default", "--set", "optim.name=adam"], ["optim.name must be sgd or adamw"]),
        (["tinyplug", "default", "--set", "epochs"], ["--set expects key=value"]),
    ]
    for argv, expected in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and "Traceback" not in err, err
        for text in expected:
            assert text in err, (argv, err)


def test_list_and_missing_arguments(tiny_plugin, capsys):
    assert main(["--list"]) == 0
    assert "tinyplug: default, other" in capsys.readouterr().out
    assert main(["tinyplug"]) == 2
    assert "tinyplug: default, other" in capsys.readouterr().err


def test_run_files_and_repeatable_set(tiny_plugin, workspace, capsys):
    argv = ["tinyplug", "default", "--set", "epochs=1", "optim.name=adamw", "--set", "optim.lr=0.003", "--seed", "5"]
    assert main(argv) == 0
    run = workspace / "checkpoints" / "tinyplug" / "default" / "run_001"
    cfg = json.loads((run / "config.json").read_text())
    assert (cfg["epochs"], cfg["optim"]["name"], cfg["optim"]["lr"], cfg["seed"]) == (1, "adamw", 0.003, 5)
    env = json.loads((run / "env.json").read_text())
    assert env["seed"] == 5 and env["world_size"] == 1 and env["device"] == "cpu" and "torch" in env
    assert "run_training.py" in env["command"] and env["host"]
    lines = (run / "train.log").read_text().splitlines()
    assert any("epoch 1/1" in line and "val/loss" in line and "train/loss" in line for line in lines)


def test_benchmark_prints_a_table(tiny_plugin, workspace, capsys):
    assert main(["tinyplug", "default", "--benchmark", "5"]) == 0
    out = capsys.readouterr().out
    assert "it/s" in out and "data loader" in out and "batch in memory" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("data loader", "batch in memory"))]
    assert len(rows) == 2 and all(float(r[-3]) > 0 for r in rows)
    assert not (workspace / "checkpoints").exists()          # a benchmark writes no run folder


def test_benchmark_times_the_plugins_twin_at_the_same_batch_size(tiny_plugin, workspace, capsys, monkeypatch):
    """A plugin that declares a twin (its own branch off) gets both rows and the per-sample ratio."""
    import dataclasses
    import sys

    from common.plugins import Twin, get_plugin

    spec = get_plugin(tiny_plugin)
    monkeypatch.setattr(sys.modules[tiny_plugin], "PLUGIN",
                        dataclasses.replace(spec, twin=Twin(("model.hidden=4",), label="narrow")))
    assert main([tiny_plugin, "default", "--benchmark", "2"]) == 0
    out = capsys.readouterr().out
    assert "twin (narrow: --set model.hidden=4), same batch size:" in out
    ratios = [line for line in out.splitlines() if line.startswith("default / twin")]
    assert len(ratios) == 2 and all(line.rstrip().endswith("x") for line in ratios)
    assert "load average" in out and not (workspace / "checkpoints").exists()
