"""Safe import of the published NanoTrack v2 weights (``nanotrackv2.pth``) into a toolkit checkpoint.

The published file is a torch zip holding ``{'epoch', 'state_dict', 'optimizer'}``; its optimizer state holds
numpy float64 scalars, so plain ``torch.load(weights_only=True)`` refuses it. We never fall back to
``weights_only=False``: the weights-only unpickler is given exactly the three numpy globals those scalars need
(``NUMPY_SCALAR_GLOBALS``); any other global (code) is still refused. Only ``state_dict`` is kept.

    state = load_published_state_dict(path)          # {'backbone.*', 'ban_head.*'} tensors; 'neck.*' dropped
    path = import_published(src)                      # -> <workspace>/imported/nanotrack/<name>-<sha8>.pth (once)
"""
from __future__ import annotations

import logging
import pickle
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from common.checkpoint import REPO_ROOT, CheckpointError, load_checkpoint, load_weights, save_checkpoint
from pytracking.evaluation.manifest import file_sha256

log = logging.getLogger(__name__)

# numpy 2 moved numpy.core to numpy._core; the file names the old module, so the scalar reconstructor is
# registered under that name. numpy.dtype and the float64 dtype class rebuild the scalars' dtype.
NUMPY_SCALAR_GLOBALS = [(np._core.multiarray.scalar, "numpy.core.multiarray.scalar"), np.dtype,
                        np.dtypes.Float64DType]
UNUSED_PREFIXES = ("neck.",)  # stored by the published v2 model, never called by it
PLUGIN_NAME = "nanotrack"
IMPORT_SETTING = "finetune"   # the train setting whose model config the imported checkpoint records
IMPORT_FOLDER = Path("imported") / PLUGIN_NAME


def _torch_load_allowing_numpy_scalars(path: Path) -> object:
    """``torch.load(weights_only=True)`` with the numpy scalar globals allowed; refusals name the file."""
    try:
        with torch.serialization.safe_globals(NUMPY_SCALAR_GLOBALS):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: refused to load: it holds pickled objects other than tensors, plain data "
                              f"and numpy scalars, which could run code ({first})") from None
    except (RuntimeError, EOFError, OSError) as exc:
        raise CheckpointError(f"{path}: not a readable torch file ({exc})") from None


def load_published_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a published NanoTrack .pth (``state_dict`` key, or a bare state dict), ``neck.*`` dropped.

    Keys keep the published names (``backbone.features.*``, ``ban_head.*``), which are ``NanoTrackNet``'s.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NanoTrack weights {path} do not exist")
    data = _torch_load_allowing_numpy_scalars(path)
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a dict, found {type(data).__name__}")
    state = data.get("state_dict", data)
    if not isinstance(state, dict) or not state or not all(torch.is_tensor(v) for v in state.values()):
        raise CheckpointError(f"{path}: key 'state_dict' must map parameter names to tensors")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    dropped = [k for k in state if k.startswith(UNUSED_PREFIXES)]
    if dropped:
        log.debug("%s: dropping %d unused tensors (%s)", path, len(dropped), ", ".join(UNUSED_PREFIXES))
    return {k: v for k, v in state.items() if not k.startswith(UNUSED_PREFIXES)}


def resolve_weights(name: str) -> Path:
    """A weights file given as a path (absolute, or relative to the cwd or the repository root), or as a file name
    under settings' pretrained_dir; a missing file raises FileNotFoundError listing where it was looked for."""
    from settings import load_settings

    given = Path(name).expanduser()
    tried = [given] if given.is_absolute() else [Path.cwd() / given, REPO_ROOT / given]
    pretrained = Path(load_settings().pretrained_dir)
    tried += [pretrained / given, pretrained / given.name]
    for candidate in tried:
        if candidate.is_file():
            return candidate.resolve()
    raise FileNotFoundError(f"NanoTrack weights '{name}' not found; looked for: "
                            + ", ".join(str(p) for p in dict.fromkeys(tried))
                            + ". The published file is nanotrackv2.pth (../shared/data/weights/nanotrack/ beside "
                              "the repository, or put it in pretrained_dir)")


def _checkpoint_payload(state: dict, source: Path, sha: str) -> dict:
    """The toolkit checkpoint content for published weights (epoch 0 of the ``finetune`` setting's model)."""
    import json
    import time

    from common.config import to_dict
    from common.plugins import load_train_config

    cfg = load_train_config(PLUGIN_NAME, IMPORT_SETTING)
    # only the model section: what rebuilds the network (the rest of a train config is not part of the weights)
    config = {"model": to_dict(cfg.model)}
    return {"plugin": PLUGIN_NAME, "setting": IMPORT_SETTING, "config_json": json.dumps(config),
            "code_version": "published", "epoch": 0, "batch_in_epoch": 0, "iteration": 0, "network": state,
            "optimizer": None, "scheduler": None, "scaler": None, "rng": None, "metrics": {}, "best": None,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "world_size": 1,
            "source": {"path": str(source), "sha256": sha}}


def import_published(source: str | Path, workspace_dir: Optional[str | Path] = None) -> Path:
    """Import published weights once into ``<workspace>/imported/nanotrack/<stem>-<sha8>.pth`` and return its path.

    The weights are checked against ``NanoTrackNet`` (strict load) before anything is written; an existing
    import of the same file (same sha256) is reused, never overwritten.
    """
    from plugins.nanotrack.network import build_network

    source = resolve_weights(str(source))
    if workspace_dir is None:
        from settings import load_settings

        workspace_dir = load_settings().workspace_dir
    sha = file_sha256(source)
    target = Path(workspace_dir) / IMPORT_FOLDER / f"{source.stem}-{sha[:8]}.pth"
    if target.is_file():
        load_checkpoint(target)  # a damaged or foreign file is reported, not silently replaced
        return target
    state = load_published_state_dict(source)
    payload = _checkpoint_payload(state, source, sha)
    from common.checkpoint import rebuild_config

    network = build_network(rebuild_config(payload, source).model)
    load_weights(network, state, source)
    try:
        save_checkpoint(target, payload, overwrite=False)
    except FileExistsError:  # another process imported it meanwhile
        pass
    log.info("imported %s -> %s", source, target)
    return target


def load_published_into(network: torch.nn.Module, path: str | Path) -> None:
    """Load published NanoTrack weights (or a toolkit checkpoint of this plugin) strictly into ``network``."""
    path = resolve_weights(str(path))
    try:
        state = load_checkpoint(path)["network"]
    except CheckpointError:
        state = load_published_state_dict(path)
    load_weights(network, state, path)


__all__ = ["NUMPY_SCALAR_GLOBALS", "load_published_state_dict", "import_published", "load_published_into",
           "resolve_weights"]
