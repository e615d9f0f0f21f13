"""The trackers under test: a plugin's tracker with a checkpoint or with random weights, and its frame step."""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

import torch
from torch import nn

from common.config import apply_overrides
from common.plugins import get_plugin, load_parameters, load_train_config
from pytracking.api import CheckpointNotFound, choose_device, load_tracker, needs_checkpoint
from pytracking.speed.errors import BenchmarkError


@dataclasses.dataclass
class Subject:
    """One tracker under test: its tracker object, the network it runs and a label."""

    label: str
    tracker: Any
    weights: str
    plugin: str = ""

    @property
    def network(self) -> Optional[nn.Module]:
        """The network the tracker runs (None for parameter-free trackers)."""
        return getattr(self.tracker, "network", None)

    def frame_step(self) -> Any:
        """The plugin's per-frame network step around the tracker's network (``PluginSpec.frame_step``), or None."""
        make = get_plugin(self.plugin).frame_step if self.plugin else None
        return make(self.network) if (make is not None and self.network is not None) else None


def network_device(network: Optional[nn.Module]) -> str:
    """Where the network's parameters are (cpu when it has none)."""
    param = next(iter(network.parameters()), None) if network is not None else None
    return str(param.device) if param is not None else "cpu"


def network_dtype(network: Optional[nn.Module]) -> torch.dtype:
    """The dtype of the network's parameters (float32 when it has none)."""
    param = next(iter(network.parameters()), None) if network is not None else None
    return param.dtype if param is not None else torch.float32


def random_weights_network(plugin: str, setting: Optional[str], device: str, overrides: tuple = ()) -> nn.Module:
    """The plugin's network of train setting ``setting`` (``--set`` overrides applied), with random weights."""
    if not setting:
        raise BenchmarkError(f"the parameters of {plugin} name no train_setting; --random-weights needs one")
    cfg = apply_overrides(load_train_config(plugin, setting), overrides)
    torch.manual_seed(0)
    network = get_plugin(plugin).build_network(cfg.model)
    return network.to(device).eval()


def label_suffix(overrides: tuple) -> str:
    """`` [a=1 b=2]`` for a label (empty without overrides)."""
    return f" [{' '.join(overrides)}]" if overrides else ""


def build_subject(plugin: str, param: str, device: Optional[str], random_weights: bool, checkpoint: Optional[str],
                  fallback_random: bool = False, overrides: tuple = (), setting: Optional[str] = None,
                  param_overrides: tuple = ()) -> Subject:
    """The tracker of ``plugin``/``param`` (``param_overrides`` applied to its parameters) with a checkpoint, or
    with random weights: the network of ``setting`` (default: the parameters' train setting) with the
    train-config ``overrides``."""
    if not random_weights:
        try:
            tracker = load_tracker(plugin, param, checkpoint, device, param_overrides)
            return Subject(f"{plugin}/{param}" + label_suffix(param_overrides), tracker,
                           str(checkpoint or "checkpoint of the train setting"), plugin)
        except CheckpointNotFound as exc:
            if not fallback_random:
                raise BenchmarkError(f"{exc}\n(or measure with --random-weights: timing does not depend on the weights)") from None
    params = load_parameters(plugin, param, param_overrides)
    dev = choose_device(params, device)
    network = None
    if needs_checkpoint(params):
        network = random_weights_network(plugin, setting or getattr(params, "train_setting", None), dev, overrides)
    tracker = get_plugin(plugin).tracker_class(params, network)
    label = f"{plugin}/{param}" + (f" (setting {setting})" if setting else "") + label_suffix(overrides) + \
        label_suffix(param_overrides)
    return Subject(label, tracker, "random", plugin)
