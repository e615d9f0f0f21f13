"""A throwaway second plugin, written into a temporary folder: both CLIs find it through its declaration,
train it, and the tracker uses the trained weights."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]

FILES = {
    "__init__.py": '''
        from common.plugins import PluginSpec
        from shiftplug.core import ShiftTracker, build_actor, build_loaders, build_network

        PLUGIN = PluginSpec(name="shiftplug", build_network=build_network, build_actor=build_actor,
                            tracker_class=ShiftTracker, train_settings="shiftplug.train_settings",
                            parameters="shiftplug.parameters", build_loaders=build_loaders)
    ''',
    "core.py": '''
        import dataclasses
        import numpy as np
        import torch
        from pytracking.tracker import Tracker

        @dataclasses.dataclass
        class ModelConfig:
            target_shift: float = 7.0

        @dataclasses.dataclass
        class Params:
            train_setting: str = "default"
            checkpoint: str = "latest"
            device: str = "cpu"
            debug: int = 0

        class ShiftNet(torch.nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.shift = torch.nn.Parameter(torch.zeros(()))
                self.target = float(cfg.target_shift)

        def build_network(cfg):
            return ShiftNet(cfg)

        class Actor(torch.nn.Module):
            def __init__(self, network):
                super().__init__()
                self.network = network
            def forward(self, batch):
                loss = ((self.network.shift - self.network.target) ** 2) * batch["x"].mean()
                return loss, {"loss": float(loss)}

        def build_actor(network, cfg):
            return Actor(network)

        class Loader:
            def __init__(self, n):
                self.n = n
            def set_epoch(self, epoch, start_batch=0):
                pass
            def __len__(self):
                return self.n
            def __iter__(self):
                return iter([{"x": torch.ones(2)} for _ in range(self.n)])

        def build_loaders(cfg, network, rank=0, world_size=1):
            return Loader(cfg.samples_per_epoch // cfg.batch_size), None

        class ShiftTracker(Tracker):
            """Moves the first box right by the learned shift every frame."""
            def initialize(self, image, box):
                self.box = np.asarray(box, dtype=float)
            def track(self, image):
                self.box = self.box + np.array([float(self.network.shift), 0, 0, 0])
                return {"box": self.box.tolist(), "score": 1.0, "present": True}
    ''',
    "train_settings/__init__.py": "",
    "train_settings/default.py": '''
        from ltr.config import TrainConfig
        from shiftplug.core import ModelConfig

        def config():
            cfg = TrainConfig(epochs=1, samples_per_epoch=400, batch_size=2, device="cpu")
            cfg.model = ModelConfig()
            cfg.optim.lr = 0.05
            cfg.optim.warmup_epochs = 0
            cfg.optim.schedule = "constant"
            cfg.optim.weight_decay = 0.0
            cfg.val.every_epochs = 0
            cfg.log.tensorboard = False
            return cfg
    ''',
    "parameters/__init__.py": "",
    "parameters/default.py": '''
        from shiftplug.core import Params

        def parameters():
            return Params()
    ''',
}


def _write_plugin(root: Path) -> None:
    for name, text in FILES.items():
        path = root / "shiftplug" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable] + args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_both_clis_find_train_and_run_a_throwaway_plugin(tmp_path):
    _write_plugin(tmp_path / "plugins")
    env = dict(os.environ, DCTRACK_PLUGIN_PATH=str(tmp_path / "plugins"), OMP_NUM_THREADS="1")

    listing = _run(["ltr/run_training.py", "nosuchplugin", "default"], env)
    assert listing.returncode == 2 and "shiftplug" in listing.stderr + listing.stdout

    trained = _run(["ltr/run_training.py", "shiftplug", "default"], env)
    assert trained.returncode == 0, trained.stderr[-2000:]

    tracked = _run(["pytracking/run_tracker.py", "shiftplug", "--dataset", "synthetic", "--sequence", "0"], env)
    assert tracked.returncode == 0, tracked.stderr[-2000:]
    result_files = list(Path(os.environ["DCTRACK_RESULTS_DIR"]).glob("shiftplug/default*/synthetic/*.txt"))
    boxes = np.loadtxt([p for p in result_files if not p.stem.endswith(("_time", "_score"))][0], delimiter=",")
    learned_shift = np.diff(boxes[:, 0])[1:]
    # Trained from 0 towards 7: the tracker moves by the trained weight, not by its initial value.
    assert np.allclose(learned_shift, learned_shift[0], atol=1e-3) and 5.0 < learned_shift[0] < 7.5


def test_check_settings_runs_every_setting_of_a_plugin_without_touching_the_workspace(tmp_path):
    _write_plugin(tmp_path / "plugins")
    env = dict(os.environ, DCTRACK_PLUGIN_PATH=str(tmp_path / "plugins"), OMP_NUM_THREADS="1")
    workspace = Path(os.environ["DCTRACK_WORKSPACE_DIR"])
    before = sorted(workspace.rglob("*")) if workspace.exists() else []
    checked = _run(["ltr/check_settings.py", "shiftplug", "--set", "epochs=1"], env)
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    assert "default" in checked.stdout and "1 of 1 settings ran" in checked.stdout
    assert (sorted(workspace.rglob("*")) if workspace.exists() else []) == before

    failing = _run(["ltr/check_settings.py", "shiftplug", "default", "--set", "no_such_key=1"], env)
    assert failing.returncode == 1 and "FAILED" in failing.stdout and "no_such_key" in failing.stdout
