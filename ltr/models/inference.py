"""Inference-time rewrites of a trained network that keep its outputs: BatchNorm folded into the preceding
convolution, the network's own rewrites (``fuse_for_inference``), channels-last weights, no autograd state.

    net = optimize_for_inference(net)           # eval-mode copy, BN folded, parameters frozen
    max_abs_difference(net, folded, inputs)     # check: same outputs within float rounding

Folding finds ``Conv2d -> BatchNorm2d`` pairs with ``torch.fx``: a pair is folded only when the convolution's
output feeds the BN and nothing else and each module is called once, so shared or re-used layers are left
alone. Modules that cannot be traced (data-dependent control flow, dict inputs) are searched child by child.
"""
from __future__ import annotations

import copy
import logging
import os
import shutil
from typing import Any, Callable, Iterable

import torch
from torch import fx, nn

log = logging.getLogger(__name__)


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    """Fold the eval-mode statistics and affine of ``bn`` into ``conv`` in place (``conv`` gains a bias)."""
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("cannot fold a BatchNorm without running statistics (track_running_stats=False)")
    if conv.out_channels != bn.num_features:
        raise ValueError(f"conv has {conv.out_channels} output channels, BN {bn.num_features} features")
    with torch.no_grad():
        scale = torch.rsqrt(bn.running_var.double() + bn.eps)
        if bn.weight is not None:
            scale = scale * bn.weight.double()
        shift = -bn.running_mean.double() * scale
        if bn.bias is not None:
            shift = shift + bn.bias.double()
        weight = conv.weight.double() * scale.view(-1, *([1] * (conv.weight.dim() - 1)))
        bias = shift if conv.bias is None else conv.bias.double() * scale + shift
        conv.weight.copy_(weight.to(conv.weight.dtype))
        if conv.bias is None:
            conv.bias = nn.Parameter(bias.to(conv.weight.dtype), requires_grad=conv.weight.requires_grad)
        else:
            conv.bias.copy_(bias.to(conv.bias.dtype))


def fold_input_normalization(conv: nn.Conv2d, mean: torch.Tensor, std: torch.Tensor) -> bool:
    """Fold a per-input-channel ``(x - mean) / std`` that precedes ``conv`` into its weights and bias, in place.

    Exact only without padding (a padded border would be zero after normalisation but not before), so a padded
    or grouped conv is left alone; returns True when folded.
    """
    if any(p != 0 for p in _pair(conv.padding)) or conv.groups != 1 or conv.padding_mode != "zeros":
        return False
    mean = mean.reshape(-1).double().to(conv.weight.device)
    std = std.reshape(-1).double().to(conv.weight.device)
    if mean.numel() != conv.in_channels or std.numel() != conv.in_channels:
        raise ValueError(f"normalisation has {mean.numel()} channels, the conv {conv.in_channels} inputs")
    with torch.no_grad():
        weight = conv.weight.double() / std.view(1, -1, 1, 1)
        shift = -(weight * mean.view(1, -1, 1, 1)).sum(dim=(1, 2, 3))
        bias = shift if conv.bias is None else conv.bias.double() + shift
        conv.weight.copy_(weight.to(conv.weight.dtype))
        if conv.bias is None:
            conv.bias = nn.Parameter(bias.to(conv.weight.dtype), requires_grad=conv.weight.requires_grad)
        else:
            conv.bias.copy_(bias.to(conv.bias.dtype))
    return True


def fold_channel_reversal(conv: nn.Conv2d) -> None:
    """Reverse the input channels of ``conv`` in place, so that it takes RGB where it took BGR (or back): the
    channel swap that precedes it is then folded in. Exact with any padding (zeros stay zeros)."""
    with torch.no_grad():
        conv.weight.copy_(conv.weight.flip(1))


def _pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _conv_bn_pairs(graph_module: fx.GraphModule) -> list[tuple[str, str]]:
    """(conv target, bn target) pairs of a traced module where the conv output feeds only the BN."""
    modules = dict(graph_module.named_modules())
    calls: dict[str, int] = {}
    for node in graph_module.graph.nodes:
        if node.op == "call_module":
            calls[node.target] = calls.get(node.target, 0) + 1
    pairs = []
    for node in graph_module.graph.nodes:
        if node.op != "call_module" or not isinstance(modules.get(node.target), nn.BatchNorm2d):
            continue
        source = node.args[0] if node.args else None
        if not isinstance(source, fx.Node) or source.op != "call_module":
            continue
        if type(modules.get(source.target)) is not nn.Conv2d or len(source.users) != 1 or node.kwargs:
            continue
        if calls[source.target] == 1 and calls[node.target] == 1:
            pairs.append((source.target, node.target))
    return pairs


def _trace(module: nn.Module) -> fx.GraphModule | None:
    """``fx.symbolic_trace`` of ``module``, or None when its forward cannot be traced."""
    if isinstance(module, (nn.Conv2d, nn.BatchNorm2d)) or not list(module.children()):
        return None
    try:
        return fx.symbolic_trace(module)
    except Exception as exc:  # noqa: BLE001 - fx raises many kinds (TraceError, TypeError, proxy errors)
        log.debug("fold_batchnorm: %s is not traceable (%s); searching its children", type(module).__name__, exc)
        return None


def _fold_in_place(module: nn.Module) -> int:
    """Fold every foldable pair under ``module`` (already a copy in eval mode); returns how many were folded."""
    traced = _trace(module)
    if traced is None:
        return sum(_fold_in_place(child) for child in module.children())
    count = 0
    for conv_name, bn_name in _conv_bn_pairs(traced):
        bn = module.get_submodule(bn_name)
        if bn.running_mean is None:
            continue
        fold_conv_bn(module.get_submodule(conv_name), bn)
        module.set_submodule(bn_name, nn.Identity())
        count += 1
    return count


def fold_batchnorm(module: nn.Module) -> nn.Module:
    """An eval-mode copy of ``module`` with every ``Conv2d -> BatchNorm2d`` pair folded into the conv.

    The copy computes the same outputs as ``module.eval()`` (within float rounding); ``module`` is not changed.
    """
    folded = copy.deepcopy(module).eval()
    count = _fold_in_place(folded)
    remaining = sum(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    log.debug("fold_batchnorm: folded %d BatchNorm layers into convolutions, %d left", count, remaining)
    return folded.eval()


def to_channels_last(module: nn.Module) -> nn.Module:
    """Move 4-d parameters and buffers of ``module`` to the channels-last memory format (in place)."""
    return module.to(memory_format=torch.channels_last)


def freeze(module: nn.Module) -> nn.Module:
    """Eval mode and ``requires_grad=False`` on every parameter (in place)."""
    for p in module.parameters():
        p.requires_grad_(False)
    return module.eval()


def optimize_for_inference(module: nn.Module, channels_last: bool = False) -> nn.Module:
    """A frozen eval-mode copy with BatchNorm folded, then the module's own inference rewrites (its
    ``fuse_for_inference()``, when it has one), and channels-last weights when asked."""
    out = freeze(fold_batchnorm(module))
    if callable(getattr(out, "fuse_for_inference", None)):
        out.fuse_for_inference()
        out = freeze(out)
    return to_channels_last(out) if channels_last else out


def _flatten(value: Any) -> list[torch.Tensor]:
    """Every tensor inside nested dicts / lists / tuples / dataclass-like objects, in a stable order."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        return [t for k in sorted(value, key=str) for t in _flatten(value[k])]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flatten(v)]
    return []


PRECISIONS = ("auto", "float32", "bfloat16")


def native_bfloat16(device: str | torch.device) -> bool:
    """True when ``device`` runs bfloat16 convolutions natively: a CUDA GPU with bf16 support, or a CPU with
    AVX512-BF16 or AMX (elsewhere oneDNN emulates bf16 and it is slower than float32)."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line for line in f if line.startswith("flags")), "").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def inference_dtype(precision: str, device: str | torch.device) -> torch.dtype:
    """The dtype of ``precision`` (``auto``: bfloat16 where ``native_bfloat16(device)``, else float32)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got '{precision}'")
    if precision == "auto":
        return torch.bfloat16 if native_bfloat16(device) else torch.float32
    return getattr(torch, precision)


def max_abs_difference(reference: Callable, candidate: Callable, inputs: Iterable) -> float:
    """Largest absolute difference between the tensors ``reference(*inputs)`` and ``candidate(*inputs)`` return."""
    inputs = tuple(inputs)
    with torch.inference_mode():
        a, b = _flatten(reference(*inputs)), _flatten(candidate(*inputs))
    if len(a) != len(b):
        raise ValueError(f"outputs differ in structure: {len(a)} vs {len(b)} tensors")
    diffs = [float((x.float() - y.float()).abs().max()) if x.numel() else 0.0 for x, y in zip(a, b)]
    return max(diffs, default=0.0)


class CompileUnavailable(RuntimeError):
    """``torch.compile`` cannot run here (no C++ compiler for its CPU code)."""


def cpp_compiler() -> str | None:
    """The C++ compiler torch.compile's CPU backend would use: ``$CXX``, else g++, c++ or clang++ on the PATH."""
    found = (shutil.which(name) for name in (os.environ.get("CXX"), "g++", "c++", "clang++") if name)
    return next((path for path in found if path), None)


def compile_for_inference(module: nn.Module, methods: Iterable[str]) -> nn.Module:
    """Replace ``methods`` (a tracker's per-frame network work) of an inference copy (``optimize_for_inference``)
    by ``torch.compile`` versions (inductor, weights frozen as constants), in place. Optional and off by default: on a CPU it needs a C++ compiler and
    compiles on the first frames (tens of seconds per process); the outputs equal the eager ones to float rounding,
    so a tracked box may drift from the eager run's by rounding over a long sequence (docs/speed.md)."""
    device = next(iter(module.parameters())).device
    if device.type == "cpu" and cpp_compiler() is None:
        raise CompileUnavailable("compile=True needs a C++ compiler for torch.compile on the CPU (g++, c++ or clang++ "
                                 "on the PATH, or $CXX); install one or set compile=False")
    for name in methods:
        setattr(module, name, torch.compile(getattr(module, name), options={"freezing": True}))
    return module
