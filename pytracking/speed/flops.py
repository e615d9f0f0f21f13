"""Conv FLOPs counted with forward hooks, this machine's conv throughput, and the backbone's share of it."""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from pytracking.speed.subjects import network_device
from pytracking.speed.timing import NetworkInputs, median_ms


def conv_flops(module: nn.Module, run: Callable[[], Any]) -> float:
    """Multiply-add FLOPs (2 per MAC) of every Conv2d call during ``run()``, counted with forward hooks."""
    total = [0.0]

    def hook(conv: nn.Conv2d, _inputs, output: torch.Tensor) -> None:
        kh, kw = conv.kernel_size
        total[0] += 2.0 * output.numel() * (conv.in_channels // conv.groups) * kh * kw

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, nn.Conv2d)]
    try:
        with torch.inference_mode():
            run()
    finally:
        for h in handles:
            h.remove()
    return total[0]


def conv_throughput(device: str, repeats: int = 20, dtype: torch.dtype = torch.float32) -> dict:
    """GFLOP/s of a 3x3 256->256 conv (padding 1) on a 1x256x32x32 ``dtype`` input, NCHW and channels-last."""
    conv = nn.Conv2d(256, 256, 3, padding=1).to(device, dtype).eval()
    x = torch.randn(1, 256, 32, 32, device=device, dtype=dtype)
    flops = 2.0 * 256 * 32 * 32 * 256 * 9
    out: dict = {"dtype": str(dtype).replace("torch.", "")}
    for name, fmt in (("nchw", torch.contiguous_format), ("channels_last", torch.channels_last)):
        c, xx = conv.to(memory_format=fmt), x.contiguous(memory_format=fmt)
        with torch.inference_mode():
            ms = median_ms(lambda c=c, xx=xx: c(xx), device, repeats)
        out[name] = {"ms": ms, "gflops": flops / ms / 1e6}
    out["best_gflops"] = max(out[k]["gflops"] for k in ("nchw", "channels_last"))
    return out


def backbone_efficiency(network: nn.Module, inputs: NetworkInputs, peak_gflops: float, repeats: int = 20) -> dict:
    """The backbone's conv GFLOPs per search crop (the step's ``backbone``), its median time, achieved GFLOP/s and
    share of ``peak_gflops``."""
    search = inputs.searches[0]

    def run():
        return inputs.step.backbone(search)

    flops = conv_flops(network, run)
    ms = median_ms(run, network_device(network), repeats)
    achieved = flops / ms / 1e6
    return {"gflop_per_frame": flops / 1e9, "ms": ms, "gflops": achieved, "efficiency": achieved / peak_gflops}


def network_flops(network: nn.Module, inputs: NetworkInputs) -> float:
    """Conv GFLOPs of one frame's network work (one call of the plugin's frame step)."""
    return conv_flops(network, lambda: inputs.step(inputs.searches[0])) / 1e9
