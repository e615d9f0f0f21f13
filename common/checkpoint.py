"""The checkpoint format shared by training (writes, resumes) and tracking (loads the network).

A checkpoint is a ``torch.save`` of a dict of plain data and tensors only, so it loads with
``torch.load(..., weights_only=True)``: a file carrying any other pickled object is refused, never executed.

Keys: ``format``, ``format_version``, ``plugin``, ``setting``, ``config_json`` (the fully resolved train config),
``code_version`` (git commit or ``unknown``), ``epoch`` (completed epochs), ``batch_in_epoch`` (batches of the next
epoch already consumed; 0 at epoch ends), ``iteration`` (optimiser steps so far), ``network`` (state dict),
``optimizer``, ``scheduler``, ``scaler`` (state dicts or None), ``rng`` (per-rank RNG states), ``metrics``
(last metrics), ``best`` (best metric so far), ``date``, ``world_size``.

Run layout: ``<workspace>/checkpoints/<plugin>/<setting>/run_NNN/`` with ``epoch_NNNN.pth`` (end of epoch NNNN,
1-based), ``epoch_NNNN_batch_MMMMMM.pth`` (inside epoch NNNN after MMMMMM batches) and ``best.pth``.
"""
from __future__ import annotations

import contextlib
import json
import logging
import pickle
import random
import re
import subprocess
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np
import torch

from common.atomic import atomic_open
from common.config import ConfigError, update_from_dict
from common.plugins import PluginError, get_plugin, load_train_config, upgrade_stored_config

log = logging.getLogger(__name__)

FORMAT = "dctrack-checkpoint"
FORMAT_VERSION = 1
REPO_ROOT = Path(__file__).resolve().parent.parent
_RUN_RE = re.compile(r"^run_(\d{3,})$")
_EPOCH_RE = re.compile(r"^epoch_(\d{4,})\.pth$")
_MID_RE = re.compile(r"^epoch_(\d{4,})_batch_(\d{6,})\.pth$")
_END_OF_EPOCH = 1 << 62


class CheckpointError(ValueError):
    """A checkpoint cannot be used: unsafe content, wrong format, other plugin or configuration."""


# ---------------------------------------------------------------- code version and RNG states
def code_version() -> str:
    """The git commit of the repository (``+dirty`` when it has local changes), or ``unknown``."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def capture_rng_state() -> dict:
    """RNG states of torch, CUDA, numpy and ``random`` as tensors and plain lists (weights_only-loadable)."""
    np_state = np.random.get_state()
    py_state = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [str(np_state[0]), torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]),
                  int(np_state[3]), float(np_state[4])],
        "python": [int(py_state[0]), list(py_state[1]), py_state[2]],
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    return state


def restore_rng_state(state: dict) -> None:
    """Restore the RNG states written by ``capture_rng_state``."""
    torch.set_rng_state(state["torch"])
    name, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


# ---------------------------------------------------------------- save / load
def save_checkpoint(path: str | Path, state: dict, overwrite: bool = True) -> Path:
    """Write ``state`` (plain data and tensors) atomically to ``path``; adds the format tag.

    ``overwrite=False`` refuses (FileExistsError) to replace an existing file."""
    path = Path(path)
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, **state}
    with atomic_open(path, "wb", overwrite=overwrite) as handle:
        torch.save(payload, handle)
    return path


def load_checkpoint(path: str | Path, map_location: Any = "cpu") -> dict:
    """Load a checkpoint with ``weights_only=True``; unsafe or foreign files raise CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        data = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"{path}: refused to load: it holds pickled objects other than tensors and plain data, which could "
            f"run code ({first}). Only load checkpoints you trust and that were written by this toolkit.") from None
    except (RuntimeError, EOFError, OSError) as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a dctrack checkpoint (no format tag '{FORMAT}')")
    if int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise CheckpointError(f"{path}: checkpoint format version {data['format_version']} is newer than this "
                              f"code understands ({FORMAT_VERSION}); update the code")
    return data


def stored_config(data: dict) -> dict:
    """The resolved train configuration stored in a loaded checkpoint, as plain data."""
    try:
        stored = json.loads(data["config_json"])
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"checkpoint has no readable configuration ({exc})") from None
    try:
        return upgrade_stored_config(data.get("plugin"), stored)
    except ConfigError as exc:
        raise CheckpointError(f"checkpoint's configuration: {exc}") from None


@contextlib.contextmanager
def quiet_setting_logs(plugin: str) -> Iterator[None]:
    """Hide the INFO messages of ``plugin``'s setting files (e.g. which datasets a run would train on) while a
    checkpoint's configuration is rebuilt: its stored values replace those choices, so they would mislead."""
    logger = logging.getLogger(get_plugin(plugin).train_settings)
    before = logger.level
    logger.setLevel(max(before, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(before)


def rebuild_config(data: dict, path: str | Path = "<checkpoint>") -> Any:
    """The plugin's TrainConfig of the checkpoint: the setting's config updated with the stored values."""
    plugin, setting = data.get("plugin"), data.get("setting")
    if not plugin or not setting:
        raise CheckpointError(f"{path}: checkpoint names no plugin/setting")
    try:
        with quiet_setting_logs(plugin):
            cfg = load_train_config(plugin, setting)
        update_from_dict(cfg, stored_config(data))
    except PluginError as exc:
        raise CheckpointError(f"{path}: was trained with plugin '{plugin}' setting '{setting}': {exc}") from None
    except ConfigError as exc:
        raise CheckpointError(f"{path}: its stored configuration does not fit the current code of plugin "
                              f"'{plugin}' setting '{setting}': {exc}") from None
    return cfg


def load_weights(network: torch.nn.Module, state: dict, path: str | Path = "<checkpoint>") -> None:
    """Load a state dict strictly; a mismatch raises CheckpointError listing the differing keys.

    A network may define ``upgrade_state_dict(state) -> state`` to fill in buffers that older checkpoints lack.
    """
    if hasattr(network, "upgrade_state_dict"):
        state = network.upgrade_state_dict(dict(state))
    own = network.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [f"{k}: {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
              if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        for label, keys in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", shapes)):
            if keys:
                parts.append(f"{label}: {', '.join(keys[:5])}{' ...' if len(keys) > 5 else ''}")
        raise CheckpointError(f"{path}: weights do not fit the network (another plugin or configuration?): "
                              + "; ".join(parts))
    network.load_state_dict(state, strict=True)


def load_network(path: str | Path, device: str = "cpu", plugin: Optional[str] = None) -> tuple[Any, dict]:
    """Rebuild the network of a checkpoint through its plugin and load the weights: ``(network, info)``."""
    data = load_checkpoint(path, map_location="cpu")
    if plugin is not None and data.get("plugin") != plugin:
        raise CheckpointError(f"{path}: checkpoint of plugin '{data.get('plugin')}', not '{plugin}'")
    cfg = rebuild_config(data, path)
    network = get_plugin(data["plugin"]).build_network(cfg.model)
    load_weights(network, data["network"], path)
    network.to(device)
    info = {key: data.get(key) for key in ("plugin", "setting", "epoch", "batch_in_epoch", "iteration",
                                           "metrics", "best", "code_version", "date")}
    info.update(path=Path(path), config=cfg)
    return network, info


# ---------------------------------------------------------------- run folders
def run_root(workspace_dir: str | Path, plugin: str, setting: str) -> Path:
    """``<workspace>/checkpoints/<plugin>/<setting>``: the folder holding the run folders."""
    return Path(workspace_dir) / "checkpoints" / plugin / setting


def list_runs(workspace_dir: str | Path, plugin: str, setting: str) -> list[Path]:
    """Run folders ``run_NNN`` of a plugin's setting, oldest first."""
    root = run_root(workspace_dir, plugin, setting)
    if not root.is_dir():
        return []
    runs = [p for p in root.iterdir() if p.is_dir() and _RUN_RE.match(p.name)]
    return sorted(runs, key=lambda p: int(_RUN_RE.match(p.name).group(1)))


def checkpoint_progress(path: str | Path) -> Optional[tuple[int, int]]:
    """Sort key ``(epoch, batches)`` of a checkpoint file name; None for other names (``best.pth``)."""
    name = Path(path).name
    if m := _EPOCH_RE.match(name):
        return int(m.group(1)), _END_OF_EPOCH
    if m := _MID_RE.match(name):
        return int(m.group(1)), int(m.group(2))
    return None


def list_checkpoints(run_dir: str | Path, mid_epoch: bool = True) -> list[Path]:
    """Epoch (and mid-epoch) checkpoints of a run folder, oldest first."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    found = [p for p in run_dir.glob("epoch_*.pth") if checkpoint_progress(p) is not None]
    if not mid_epoch:
        found = [p for p in found if _EPOCH_RE.match(p.name)]
    return sorted(found, key=checkpoint_progress)


def find_checkpoint(workspace_dir: str | Path, plugin: str, setting: str, which: str = "best") -> Path:
    """``best.pth`` or the newest checkpoint of the latest run of ``plugin``/``setting``."""
    if which not in ("best", "latest"):
        raise ValueError(f"which must be 'best' or 'latest', got {which!r}")
    hint = f"Train one with: python ltr/run_training.py {plugin} {setting}"
    runs = [r for r in list_runs(workspace_dir, plugin, setting) if list_checkpoints(r) or (r / "best.pth").is_file()]
    if not runs:
        raise FileNotFoundError(f"no checkpoint of {plugin}/{setting} under {run_root(workspace_dir, plugin, setting)}. "
                                f"{hint}")
    run = runs[-1]
    if which == "best":
        if (run / "best.pth").is_file():
            return run / "best.pth"
        log.warning("%s has no best.pth (validation off?); using its latest checkpoint", run)
    found = list_checkpoints(run)
    if not found:
        raise FileNotFoundError(f"{run} holds no epoch checkpoint. {hint}")
    return found[-1]
