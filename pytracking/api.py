"""Load a plugin's tracker from its parameters and checkpoint, and run it over a sequence.

    tracker = load_tracker("dctrack", "default")          # finds the checkpoint of params.train_setting
    boxes, times, scores = track_sequence(tracker, seq)   # boxes (N,4) 0-based xywh, scores (N,2) score/present
"""
from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np
import torch

from common.checkpoint import find_checkpoint, load_network
from common.plugins import get_plugin, load_parameters
from pytracking.tracker import Tracker, check_output
from settings import load_settings

log = logging.getLogger(__name__)


class CheckpointNotFound(FileNotFoundError):
    """No checkpoint exists for the training run a tracker's parameters name."""


@dataclasses.dataclass
class TrackerSetup:
    """Everything needed to build a tracker, resolved but not yet loaded (picklable strings + params)."""

    plugin: str
    param: str
    params: Any
    checkpoint: Optional[Path]
    device: str
    overrides: tuple = ()       # the key=value parameter overrides applied to ``params``


def default_device(device: Optional[str] = None) -> str:
    """``device`` when given (``auto`` = unset), else ``cuda`` when available, else ``cpu``."""
    if device and device != "auto":
        return device

    return "cuda" if torch.cuda.is_available() else "cpu"


def choose_device(params: Any, device: Optional[str]) -> str:
    """The device to load the network on: ``device``, else ``params.device``, else auto.

    An explicit ``device`` is also written to ``params.device`` (when the parameters have one) so the
    tracker puts its tensors where the network is.
    """
    if device and hasattr(params, "device"):
        params.device = device
    return default_device(device or getattr(params, "device", None))


def needs_checkpoint(params: Any) -> bool:
    """False for parameter-free trackers (``params.needs_checkpoint = False``)."""
    return bool(getattr(params, "needs_checkpoint", True))


def _workspace_dir() -> Path:
    return Path(load_settings().workspace_dir)


def find_tracker_checkpoint(plugin: str, param: str, params: Any) -> Path:
    """The checkpoint of the training run named by ``params.train_setting`` (``params.checkpoint``: best|latest).

    Parameters may supply their own checkpoint with a ``provide_checkpoint() -> path or None`` method (e.g. published
    weights imported on first use); None falls through to the training run's checkpoint.
    """
    provide = getattr(params, "provide_checkpoint", None)
    provided = provide() if callable(provide) else None
    if provided is not None:
        return Path(provided)
    setting = getattr(params, "train_setting", None)
    which = getattr(params, "checkpoint", "best") or "best"
    if which not in ("best", "latest"):  # the parameters name a checkpoint file (absolute or in the workspace)
        path = Path(which).expanduser()
        path = path if path.is_absolute() else _workspace_dir() / path
        if not path.is_file():
            raise CheckpointNotFound(f"checkpoint {path} named by parameters '{param}' of plugin '{plugin}' does not exist")
        return path
    if not setting:
        raise CheckpointNotFound(f"parameters '{param}' of plugin '{plugin}' name no train_setting; "
                                 f"pass --checkpoint PATH (or checkpoint=...) explicitly")

    workspace = _workspace_dir()
    try:
        path = find_checkpoint(workspace, plugin, setting, which)
    except (FileNotFoundError, LookupError) as exc:
        detail, path = f" ({exc})", None
    else:
        detail = ""
    if path is None or not Path(path).is_file():
        raise CheckpointNotFound(
            f"no '{which}' checkpoint of {plugin}/{setting} in workspace {workspace}{detail}. "
            f"Train one with: python ltr/run_training.py {plugin} {setting}   "
            f"(or pass --checkpoint PATH / checkpoint=PATH)")
    return Path(path)


def resolve_tracker(plugin: str, param: str = "default", checkpoint: Optional[str | Path] = None,
                    device: Optional[str] = None, overrides: Iterable[str] = ()) -> TrackerSetup:
    """Load the parameters (``key=value`` ``overrides`` applied) and find the checkpoint of ``plugin``/``param``
    without building the network."""
    params = load_parameters(plugin, param, overrides)
    if checkpoint is not None:
        ckpt: Optional[Path] = Path(checkpoint).expanduser()
        if not ckpt.is_file():
            raise CheckpointNotFound(f"checkpoint {ckpt} does not exist")
    elif needs_checkpoint(params):
        ckpt = find_tracker_checkpoint(plugin, param, params)
    else:
        ckpt = None
    return TrackerSetup(plugin, param, params, ckpt.resolve() if ckpt else None, choose_device(params, device),
                        tuple(overrides))


def build_tracker(setup: TrackerSetup) -> Tracker:
    """Load the network (when a checkpoint is set) and construct the plugin's tracker class."""
    spec = get_plugin(setup.plugin)
    network = None
    if setup.checkpoint is not None:
        network, _info = load_network(setup.checkpoint, setup.device, plugin=setup.plugin)
        if hasattr(network, "eval"):
            network.eval()
    tracker = spec.tracker_class(setup.params, network)
    if not isinstance(tracker, Tracker):
        log.warning("plugin %s: tracker_class %s does not subclass pytracking.tracker.Tracker",
                    setup.plugin, type(tracker).__name__)
    return tracker


def load_tracker(plugin: str, param: str = "default", checkpoint: Optional[str | Path] = None,
                 device: Optional[str] = None, overrides: Iterable[str] = ()) -> Tracker:
    """The tracker of ``plugin`` with parameter file ``param`` (``key=value`` ``overrides`` applied, e.g.
    ``precision=bfloat16``), its network loaded from the checkpoint."""
    return build_tracker(resolve_tracker(plugin, param, checkpoint, device, overrides))


def track_sequence(tracker: Tracker, sequence: Any, debug: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``tracker`` over ``sequence``: boxes (N,4) 0-based xywh, times (N,) s, scores (N,2) = score, present.

    Frame 0 holds the initial box (score 1, present 1). ``debug`` (a ``pytracking.debug`` view) is shown
    every frame when given.
    """
    n = len(sequence)
    init_box = getattr(sequence, "init_box", None)
    if init_box is None or n == 0:
        raise ValueError(f"sequence {getattr(sequence, 'name', '?')} has no frames or no initial box")
    init_box = np.asarray(init_box, dtype=np.float64).reshape(4)
    boxes = np.zeros((n, 4))
    times = np.zeros(n)
    scores = np.zeros((n, 2))
    gt = getattr(sequence, "ground_truth", None)
    for i in range(n):
        image = sequence.frame(i)
        start = time.perf_counter()
        if i == 0:
            tracker.initialize(image, init_box.copy())
            out = {"box": init_box.tolist(), "score": 1.0, "present": True}
        else:
            out = check_output(tracker.track(image), getattr(tracker, "name", type(tracker).__name__))
        times[i] = time.perf_counter() - start
        boxes[i] = out["box"]
        scores[i] = (out["score"], float(out["present"]))
        if debug is not None:
            gt_box = gt[i] if gt is not None and i < len(gt) else None
            debug.show(i, image, out, gt_box, times[i])
    return boxes, times, scores
