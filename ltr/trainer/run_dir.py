"""Run folders ``<workspace>/checkpoints/<plugin>/<setting>/run_NNN/``: creation, config.json, env.json,
train.log, and pruning of old epoch checkpoints."""
from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import os
import platform
import socket
import sys
from pathlib import Path
from typing import Any

import torch

from common.atomic import atomic_write_text
from common.checkpoint import _MID_RE, code_version, list_checkpoints, list_runs, run_root
from common.config import to_json

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Paths:
    """What training needs from the machine settings."""

    workspace_dir: Path
    visdom_host: str = "127.0.0.1"
    visdom_port: int = 8097


def machine_paths() -> Paths:
    """Workspace and visdom server from ``settings.load_settings()`` (env ``DCTRACK_WORKSPACE_DIR`` as fallback)."""
    try:
        from settings import load_settings
    except ImportError:
        load_settings = None
    if load_settings is not None:
        s = load_settings()
        return Paths(Path(s.workspace_dir), str(getattr(s, "visdom_host", "127.0.0.1")),
                     int(getattr(s, "visdom_port", 8097)))
    workspace = os.environ.get("DCTRACK_WORKSPACE_DIR") or str(Path(__file__).resolve().parents[2] / "workspace")
    return Paths(Path(workspace).expanduser(), os.environ.get("DCTRACK_VISDOM_HOST", "127.0.0.1"),
                 int(os.environ.get("DCTRACK_VISDOM_PORT", "8097")))


def new_run_dir(workspace_dir: Path, plugin: str, setting: str) -> Path:
    """Create the next free ``run_NNN`` folder (never reuses or deletes an existing one)."""
    root = run_root(workspace_dir, plugin, setting)
    root.mkdir(parents=True, exist_ok=True)
    runs = list_runs(workspace_dir, plugin, setting)
    number = int(runs[-1].name.split("_")[1]) + 1 if runs else 1
    while True:
        path = root / f"run_{number:03d}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            number += 1


def write_run_files(run_dir: Path, cfg: Any, info: dict) -> None:
    """Write ``config.json`` (the resolved config) and ``env.json`` (versions, device, seed, host, command)."""
    atomic_write_text(run_dir / "config.json", to_json(cfg) + "\n")
    env = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "host": socket.gethostname(),
        "command": " ".join([Path(sys.executable).name] + sys.argv),
        "cwd": os.getcwd(),
        "code_version": code_version(),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "cuda": torch.version.cuda,
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
        **info,
    }
    atomic_write_text(run_dir / "env.json", json.dumps(env, indent=2, sort_keys=True, default=str) + "\n")


def append_log(run_dir: Path, line: str) -> None:
    """Append one line to the run's ``train.log``."""
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    with open(run_dir / "train.log", "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {line}\n")


def prune_checkpoints(run_dir: Path, keep_last: int) -> None:
    """Keep the last ``keep_last`` epoch checkpoints and only the newest mid-epoch one (``best.pth`` stays)."""
    all_ckpts = list_checkpoints(run_dir)
    ends = [p for p in all_ckpts if not _MID_RE.match(p.name)]
    mids = [p for p in all_ckpts if _MID_RE.match(p.name)]
    doomed = ends[:-keep_last] if keep_last > 0 else []
    if all_ckpts and _MID_RE.match(all_ckpts[-1].name):
        doomed += mids[:-1]          # the newest is a mid-epoch one: older mid-epoch ones are superseded
    else:
        doomed += mids               # an epoch end supersedes every mid-epoch checkpoint
    for path in doomed:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
