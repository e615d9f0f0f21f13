"""--resume modes in-process: a changed --set is refused (naming the key) unless forced; none makes a new run
folder and keeps the old one; PATH resumes that checkpoint; a finished run resumed does nothing more."""
from __future__ import annotations

import json
import logging

from common.checkpoint import load_checkpoint
from ltr.run_training import main

BASE = ["tinyplug", "default", "--set", "epochs=1"]


def test_changed_config_refused_then_forced(tiny_plugin, workspace, cli, capsys):
    assert main(BASE) == 0
    (run,) = cli.run_dirs(workspace)
    capsys.readouterr()
    code = main(BASE + ["--set", "optim.lr=0.5", "epochs=2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "optim.lr: 0.02 -> 0.5" in err and "epochs: 1 -> 2" in err and "--resume force" in err
    assert "Traceback" not in err
    assert not (run / "epoch_0002.pth").exists()

    assert main(BASE + ["--set", "optim.lr=0.5", "epochs=2", "--resume", "force"]) == 0
    assert cli.run_dirs(workspace) == [run]
    data = load_checkpoint(run / "epoch_0002.pth")
    assert json.loads(data["config_json"])["optim"]["lr"] == 0.5
    assert json.loads((run / "config.json").read_text())["epochs"] == 2
    assert "config change (forced): optim.lr: 0.02 -> 0.5" in (run / "train.log").read_text()


def test_neutral_change_is_accepted(tiny_plugin, workspace, cli):
    assert main(BASE) == 0
    assert main(BASE + ["--workers", "1", "--set", "log.print_every=1"]) == 0   # loader workers, logging: same maths
    assert len(cli.run_dirs(workspace)) == 1


def test_resume_none_makes_a_new_run_and_keeps_the_old(tiny_plugin, workspace, cli):
    assert main(BASE) == 0
    (first,) = cli.run_dirs(workspace)
    before = sorted(p.name for p in first.iterdir())
    first_weights = load_checkpoint(first / "epoch_0001.pth")["network"]
    assert main(BASE + ["--resume", "none", "--seed", "3"]) == 0
    runs = cli.run_dirs(workspace)
    assert [r.name for r in runs] == ["run_001", "run_002"]
    assert sorted(p.name for p in first.iterdir()) == before
    kept = load_checkpoint(first / "epoch_0001.pth")["network"]
    assert all((kept[k] == first_weights[k]).all() for k in kept)
    assert json.loads((runs[1] / "env.json").read_text())["seed"] == 3
    assert {"config.json", "env.json", "train.log", "epoch_0001.pth", "best.pth"} <= {p.name for p in runs[1].iterdir()}


def test_resume_path_and_finished_run(tiny_plugin, workspace, cli, caplog):
    caplog.set_level(logging.INFO)
    assert main(BASE + ["--set", "epochs=2", "checkpoint.keep_last=5"]) == 0
    (run,) = cli.run_dirs(workspace)
    caplog.clear()
    assert main(BASE + ["--set", "epochs=2", "checkpoint.keep_last=5"]) == 0   # finished: nothing more to do
    assert "already finished" in caplog.text
    assert (run / "train.log").read_text().count("| iter ") == 2
    caplog.clear()
    assert main(BASE + ["--set", "epochs=2", "--resume", str(run / "epoch_0001.pth")]) == 0
    assert "resuming" in caplog.text and "end of epoch 1" in caplog.text
    assert (run / "train.log").read_text().count("epoch 2/2") == 2
    assert main(BASE + ["--resume", str(run / "missing.pth")]) == 2


def test_time_based_mid_epoch_checkpoints(tiny_plugin, tmp_path):
    from common.checkpoint import list_checkpoints
    from common.config import apply_overrides
    from common.plugins import get_plugin, load_train_config
    from ltr.trainer.trainer import Trainer

    cfg = apply_overrides(load_train_config("tinyplug", "default"),
                          ["checkpoint.every_minutes=1e-9", "log.print_every=5", "checkpoint.every_iters=0"])
    spec = get_plugin("tinyplug")
    net = spec.build_network(cfg.model)
    train, val = spec.build_loaders(cfg, net, 0, 1)
    trainer = Trainer(cfg, net, spec.build_actor(net, cfg), train, val, run_dir=tmp_path)
    trainer.train_epoch(1)
    (mid,) = list_checkpoints(tmp_path)                  # older mid-epoch checkpoints were pruned
    assert mid.name == "epoch_0001_batch_000015.pth"     # the last multiple of print_every inside the epoch
    assert load_checkpoint(mid)["iteration"] == 15
