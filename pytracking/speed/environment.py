"""Where a speed number was measured: device, dtype, threads, torch, CPU model, cores and the load average."""
from __future__ import annotations

import os
import platform
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


def set_threads(threads: Optional[int]) -> None:
    """Use ``threads`` intra-op threads in torch and OpenCV (None: leave the defaults)."""
    if threads is None:
        return
    if threads < 1:
        raise BenchmarkError(f"--threads must be >= 1, got {threads}")
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
