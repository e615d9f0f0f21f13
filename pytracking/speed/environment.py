"""Where a speed number was measured: device, dtype, threads, torch, CPU model, cores, the load average, and how
steady the host's speed was (``host_steadiness``)."""
from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Optional

import cv2
import torch

from pytracking.speed.errors import BenchmarkError


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's processor string elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> Optional[list[float]]:
    """The 1/5/15-minute load average (None where the platform has none)."""
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def environment(device: str, dtype: torch.dtype) -> dict:
    """Device, dtype, threads, torch version, CPU model, cores and the load average at the time of measuring."""
    env = {"device": device, "dtype": str(dtype).replace("torch.", ""), "threads": torch.get_num_threads(),
           "torch": torch.__version__, "cpu_model": cpu_model(), "cpu_count": os.cpu_count(),
           "python": platform.python_version()}
    load = load_average()
    if load is not None:
        env["load_average"] = load
    if device.startswith("cuda") and torch.cuda.is_available():
        env["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return env


UNSTEADY_SPREAD = 1.25  # slowest tenth of the probe's slices over its fastest tenth above this: an unsteady host


def _fixed_work(n: int) -> int:
    """A fixed amount of single-threaded interpreter work (the same instructions every call)."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def host_steadiness(seconds: float = 0.5, slice_work: int = 20_000) -> dict:
    """Time a fixed single-threaded workload in short slices for ``seconds``: its median and fastest slice in ms and
    ``spread`` = 90th / 10th percentile. On a steady host the spread is near 1; on a shared or throttled one (a
    virtual machine whose neighbours take its cores) it rises, and speed numbers then mix fast and slow phases."""
    times: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 10:
        start = time.perf_counter()
        _fixed_work(slice_work)
        times.append((time.perf_counter() - start) * 1e3)
    deciles = statistics.quantiles(times, n=10)
    return {"slices": len(times), "median_ms": statistics.median(times), "min_ms": min(times),
            "max_ms": max(times), "spread": deciles[-1] / deciles[0]}


def set_threads(threads: Optional[int]) -> None:
    """Use ``threads`` intra-op threads in torch and OpenCV (None: leave the defaults)."""
    if threads is None:
        return
    if threads < 1:
        raise BenchmarkError(f"--threads must be >= 1, got {threads}")
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
