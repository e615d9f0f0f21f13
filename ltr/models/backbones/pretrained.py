"""Load ImageNet (or any) weights into a backbone by parameter name, strict about shapes."""
from __future__ import annotations

import dataclasses
import logging
import os
import pickle
from pathlib import Path
from typing import Callable

import torch
from torch import nn

log = logging.getLogger(__name__)

_WRAPPER_KEYS = ("state_dict", "model", "net", "backbone")


@dataclasses.dataclass
class LoadReport:
    """What ``load_pretrained`` did: keys loaded, keys of the file not used, model keys the file lacked."""

    path: str
    loaded: list[str]
    unexpected: list[str]
    missing: list[str]

    def summary(self) -> str:
        """One line for the log."""
        return (f"{self.path}: loaded {len(self.loaded)} tensors, skipped {len(self.unexpected)} keys of the file "
                f"({_short(self.unexpected)}), {len(self.missing)} model keys not in the file ({_short(self.missing)})")


def _short(keys: list[str], n: int = 5) -> str:
    if not keys:
        return "none"
    more = f", ... +{len(keys) - n}" if len(keys) > n else ""
    return ", ".join(keys[:n]) + more


def missing_weights_message(path: str | os.PathLike) -> str:
    """The error text for a pretrained file that is not there: where to put it, how to do without."""
    return (f"pretrained weights file '{path}' not found. Download the ImageNet weights of the backbone "
            f"(a PyTorch state_dict, e.g. torchvision's resnet50 .pth) and put the file in the 'pretrained_dir' "
            f"folder of your settings (settings file local.toml, key pretrained_dir), or train from scratch "
            f"with pretrained=None.")


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a state_dict from ``path``, unwrapping {'state_dict': ...}-style checkpoints and 'module.' prefixes."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(missing_weights_message(path))
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, ValueError, EOFError, OSError, pickle.UnpicklingError) as exc:
        raise ValueError(f"cannot read pretrained weights '{path}': {exc}") from exc
    for key in _WRAPPER_KEYS:
        if isinstance(data, dict) and key in data and isinstance(data[key], dict):
            data = data[key]
            break
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise ValueError(f"pretrained weights '{path}' are not a state_dict (name -> tensor)")
    if data and all(k.startswith("module.") for k in data):
        data = {k[len("module."):]: v for k, v in data.items()}
    return data


def load_pretrained(model: nn.Module, path: str | os.PathLike, prefix: str = "",
                    rename: Callable[[str], str | None] | None = None) -> LoadReport:
    """Copy tensors of the state_dict file ``path`` into ``model`` by name.

    Keys of the file the model does not have (a classifier ``fc``, ``layer4``) are skipped and reported;
    model keys the file lacks keep their initialisation and are reported; a key present in both with a
    different shape raises ValueError. ``prefix`` is stripped from the file's keys first (e.g. 'backbone.');
    ``rename`` maps each remaining file key to a model key (None drops it), e.g. for another codebase's naming.
    """
    source = read_state_dict(path)
    if prefix:
        source = {k[len(prefix):]: v for k, v in source.items() if k.startswith(prefix)}
    if rename is not None:
        renamed = {k: rename(k) for k in source}
        source = {renamed[k]: v for k, v in source.items() if renamed[k] is not None}
    target = model.state_dict()
    mismatched = [f"{k}: file {tuple(v.shape)} vs model {tuple(target[k].shape)}"
                  for k, v in source.items() if k in target and v.shape != target[k].shape]
    if mismatched:
        raise ValueError(f"pretrained weights '{path}' do not fit the model ({len(mismatched)} shape mismatches): "
                         + "; ".join(mismatched[:5]))
    loaded = [k for k in source if k in target]
    if not loaded:
        raise ValueError(f"pretrained weights '{path}' share no parameter name with the model "
                         f"(file keys start {_short(sorted(source))}; model keys start {_short(list(target))})")
    with torch.no_grad():
        for k in loaded:
            target[k].copy_(source[k].to(target[k].dtype))
    report = LoadReport(path=str(path), loaded=loaded,
                        unexpected=sorted(k for k in source if k not in target),
                        missing=[k for k in target if k not in source])
    log.info("%s", report.summary())
    return report
