"""Fixtures for the trainer tests: the tiny plugin copied to a temporary plugin folder, and a CLI runner
(the tests run with --import-mode=importlib, so helpers are reached through the ``cli`` fixture)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "ltr" / "run_training.py"
TINY_SRC = Path(__file__).resolve().parent / "tiny_plugin"


@pytest.fixture
def tiny_plugin(tmp_path, monkeypatch) -> str:
    """Install the tiny test plugin as ``tinyplug`` on DCTRACK_PLUGIN_PATH; returns its name."""
    root = tmp_path / "plugins"
    shutil.copytree(TINY_SRC, root / "tinyplug", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("DCTRACK_PLUGIN_PATH", str(root))
    for key in ("TINY_HANG_AFTER", "TINY_DUMP_DIR", "TINY_NAN_AT", "TINY_IMAGES"):
        monkeypatch.delenv(key, raising=False)
    torch.set_num_threads(1)
    return "tinyplug"


@pytest.fixture
def workspace() -> Path:
    """The workspace folder the isolated settings point at."""
    return Path(os.environ["DCTRACK_WORKSPACE_DIR"])


def cli_env(**extra: str) -> dict:
    """Environment for a training subprocess: single-threaded, the test's settings and plugin path."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_cli(args: list[str], timeout: float = 60, module: list[str] | None = None, **extra: str):
    """Run ``python ltr/run_training.py args`` (or ``python -m <module> ... script args``) to completion."""
    cmd = [sys.executable] + (["-m"] + module if module else []) + [str(SCRIPT)] + args
    return subprocess.run(cmd, cwd=REPO, env=cli_env(**extra), capture_output=True, text=True, timeout=timeout)


def start_cli(args: list[str], **extra: str) -> subprocess.Popen:
    """Start ``python ltr/run_training.py args`` in the background."""
    return subprocess.Popen([sys.executable, str(SCRIPT)] + args, cwd=REPO, env=cli_env(**extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def run_dirs(workspace: Path, plugin: str = "tinyplug", setting: str = "default") -> list[Path]:
    """The run folders of the tiny plugin, oldest first."""
    root = workspace / "checkpoints" / plugin / setting
    return sorted(root.glob("run_*")) if root.is_dir() else []


@pytest.fixture
def cli() -> types.SimpleNamespace:
    """``cli.run(args, **env)``, ``cli.start(args, **env)``, ``cli.run_dirs(workspace)`` for training subprocesses."""
    return types.SimpleNamespace(run=run_cli, start=start_cli, run_dirs=run_dirs, env=cli_env, script=SCRIPT)
