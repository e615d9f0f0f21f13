"""Optimiser from the setting: parameter groups (backbone lr multiplier, no decay on biases and norms),
SGD or AdamW, and the staged freezing/unfreezing of backbone layers."""
from __future__ import annotations

import logging

import torch
from torch import nn

from common.config import ConfigError
from ltr.config import OptimConfig

log = logging.getLogger(__name__)

BACKBONE = "backbone."


def _lr_group(name: str, cfg: OptimConfig) -> tuple[str, float]:
    """(group name, lr multiplier) of a parameter: the longest matching ``lr_mults`` prefix, else backbone / head."""
    matches = [prefix for prefix in cfg.lr_mults if name.startswith(prefix)]
    if matches:
        prefix = max(matches, key=len)
        return prefix.rstrip("."), float(cfg.lr_mults[prefix])
    if name.startswith(BACKBONE):
        return "backbone", cfg.backbone_lr_mult
    return "head", 1.0


def param_groups(network: nn.Module, cfg: OptimConfig, lr: float) -> list[dict]:
    """Groups by (backbone, head or an ``lr_mults`` prefix) x (decayed or not); every parameter is included, even
    frozen ones."""
    groups: dict[tuple[str, bool], dict] = {}
    for name, p in network.named_parameters():
        group, mult = _lr_group(name, cfg)
        decay = p.ndim >= 2
        key = (group, decay)
        if key not in groups:
            base = lr * mult
            groups[key] = {"params": [], "lr": base, "initial_lr": base,
                           "weight_decay": cfg.weight_decay if decay else 0.0,
                           "group": f"{group}{'' if decay else '_nodecay'}"}
        groups[key]["params"].append(p)
    # Backbone groups last, as before lr_mults existed: a resumed optimiser's state matches its groups by order.
    return [groups[k] for k in sorted(groups, key=lambda k: (k[0] == "backbone", k))]


def build_optimizer(network: nn.Module, cfg: OptimConfig, lr: float) -> torch.optim.Optimizer:
    """SGD (momentum, nesterov off) or AdamW over ``param_groups`` with base learning rate ``lr``."""
    groups = param_groups(network, cfg, lr)
    if cfg.name == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(groups, lr=lr, weight_decay=cfg.weight_decay)


def _unfreeze_table(cfg: OptimConfig) -> dict[int, list[str]]:
    table: dict[int, list[str]] = {}
    for key, layers in cfg.unfreeze.items():
        try:
            epoch = int(key)
        except (TypeError, ValueError):
            raise ConfigError(f"optim.unfreeze: key {key!r} is not an epoch number") from None
        if isinstance(layers, str):
            layers = [layers]
        table[epoch] = [str(x) for x in layers]
    return table


def check_unfreeze(network: nn.Module, cfg: OptimConfig) -> None:
    """Every layer named in ``optim.unfreeze`` must match backbone parameters, else ConfigError."""
    names = [n for n, _ in network.named_parameters()]
    for epoch, layers in _unfreeze_table(cfg).items():
        for layer in layers:
            prefix = BACKBONE + layer + "."
            if not any(n.startswith(prefix) for n in names):
                known = sorted({n[len(BACKBONE):].split(".")[0] for n in names if n.startswith(BACKBONE)})
                raise ConfigError(f"optim.unfreeze[{epoch}]: no backbone layer '{layer}' (known: {', '.join(known)})")


def apply_freezing(network: nn.Module, cfg: OptimConfig, epoch: int) -> list[str]:
    """Set ``requires_grad`` for 1-based ``epoch``; returns the frozen backbone prefixes (empty: all trainable).

    ``freeze_backbone`` freezes the whole backbone; layers listed in ``unfreeze`` are frozen until their epoch
    (with ``freeze_backbone`` they are the ones thawed then, the rest staying frozen).
    Parameters with learning-rate multiplier 0 are frozen too where their gradient changes nothing (see
    ``lr0_frozen``): their weight gradients are not computed, gradients still flow through them to the layers before.
    """
    table = _unfreeze_table(cfg)
    thawed = {layer for e, layers in table.items() if e <= epoch for layer in layers}
    pending = {layer for e, layers in table.items() if e > epoch for layer in layers} - thawed
    frozen: list[str] = []
    trainable: dict[str, bool] = {}
    for name, p in network.named_parameters():
        if not name.startswith(BACKBONE):
            trainable[name] = True
            continue
        layer = name[len(BACKBONE):].split(".")[0]
        trainable[name] = layer in thawed if cfg.freeze_backbone else layer not in pending
        if not trainable[name]:
            frozen.append(BACKBONE + layer)
    lr0 = lr0_frozen(cfg, [name for name, on in trainable.items() if on])
    for name, p in network.named_parameters():
        p.requires_grad_(trainable[name] and name not in lr0)
    return sorted(set(frozen))


def lr0_frozen(cfg: OptimConfig, trainable: list[str]) -> set[str]:
    """The ``trainable`` parameter names with learning-rate multiplier 0 to freeze (no gradient computed).

    Such a parameter is never updated (SGD and AdamW step it by lr times something, AdamW's decay is lr-scaled
    too); its gradient only enters ``grad_clip``'s norm, and so the clipping of the trained parameters. It is
    frozen where that cannot matter, which leaves every update as it was: with ``grad_clip`` 0, or when no
    trainable parameter has a multiplier > 0 (nothing is trained); and everywhere with ``lr0_in_clip_norm``
    False, which takes them out of the norm (the trained parameters' clipping changes). (One more difference: a
    non-finite gradient of theirs no longer skips the step.)"""
    zero = {name for name in trainable if _lr_group(name, cfg)[1] == 0.0}
    if not zero:
        return set()
    nothing_trained = len(zero) == len(trainable)
    if nothing_trained or cfg.grad_clip <= 0 or not cfg.lr0_in_clip_norm:
        return zero
    return set()


def check_frozen_norm(network: nn.Module, cfg: OptimConfig) -> None:
    """Every ``optim.frozen_norm`` prefix must name a module holding batch-norm layers, else ConfigError."""
    modules = dict(network.named_modules())
    for prefix in cfg.frozen_norm:
        module = modules.get(prefix.rstrip("."))
        if module is None or not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in module.modules()):
            tops = sorted({n.split(".")[0] for n in modules if n})
            raise ConfigError(f"optim.frozen_norm: '{prefix}' names no module with batch-norm layers "
                              f"(top-level modules: {', '.join(tops)})")


def freeze_norm_stats(network: nn.Module, frozen_prefixes: list[str]) -> None:
    """Put batch-norm layers under ``frozen_prefixes`` (frozen backbone parts, ``optim.frozen_norm``) in eval mode:
    their running statistics stay fixed."""
    if not frozen_prefixes:
        return
    for name, module in network.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and any(
                (name + ".").startswith(p + ".") for p in frozen_prefixes):
            module.eval()
