"""The timed loops: the plugin's frame step (network only), ``tracker.track`` on decoded frames (tracker step) and
with JPEG decoding (end to end), every subject interleaved run by run so that load changes hit them alike."""
from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np
import torch
from torch import nn

from common.crop import context_side, crop_square
from common.image_io import read_image
from pytracking.speed.sequence import boxes_for, frame_files, frame_indices, init_box
from pytracking.speed.subjects import Subject, network_device, network_dtype


def sync(device: Any) -> None:
    """Wait for queued GPU work so a timer reads the real duration."""
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def crop_tensor(image: np.ndarray, box: np.ndarray, scale: float, out_size: int, context: float,
                device: str, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The square crop (1,3,S,S, 0-255, ``dtype``) around ``box`` with the template context times ``scale``."""
    center = box[:2] + box[2:] / 2
    side = context_side(box[2], box[3], context) * scale
    crop, _ = crop_square(image, center, side, out_size)
    return torch.from_numpy(np.ascontiguousarray(crop)).permute(2, 0, 1).unsqueeze(0).to(device, dtype)


@dataclasses.dataclass
class NetworkInputs:
    """The plugin's frame step, prepared on the template frame, and the search crops of the timed frames."""

    step: Any
    searches: list


def network_inputs(step: Any, network: nn.Module, images: list, boxes: list) -> NetworkInputs:
    """Crops of ``images`` at ``boxes`` (index 0: the template frame) with the network's crop context;
    ``step.prepare`` on the template and the first search crop."""
    geo, device, dtype = network.geometry, network_device(network), network_dtype(network)
    scale = geo.search_size / geo.template_size
    with torch.inference_mode():
        template = crop_tensor(images[0], boxes[0], 1.0, geo.template_size, geo.context, device, dtype)
        searches = [crop_tensor(im, b, scale, geo.search_size, geo.context, device, dtype)
                    for im, b in zip(images, boxes)]
        step.prepare(template, searches[0])
    return NetworkInputs(step, searches[1:])


def time_network(network: nn.Module, inputs: NetworkInputs, frames: int) -> float:
    """ms per frame of the plugin's frame step (what the network does per frame, with its own caches)."""
    device = network_device(network)
    with torch.inference_mode():
        sync(device)
        start = time.perf_counter()
        for i in range(frames):
            inputs.step(inputs.searches[i % len(inputs.searches)])
        sync(device)
    return (time.perf_counter() - start) * 1000.0 / frames


def time_tracker(tracker: Any, first: np.ndarray, box: np.ndarray, frames: list, device: str,
                 read: Optional[Callable] = None) -> float:
    """ms per tracked frame: ``tracker.track`` on each of ``frames`` (decoded with ``read`` first when given)."""
    tracker.initialize(first, box.copy())
    sync(device)
    start = time.perf_counter()
    for frame in frames:
        tracker.track(read(frame) if read is not None else frame)
    sync(device)
    return (time.perf_counter() - start) * 1000.0 / len(frames)


def median_ms(run: Callable[[], Any], device: str, repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``run()`` in ms over ``repeats`` calls after ``warmup`` calls."""
    with torch.inference_mode():
        for _ in range(warmup):
            run()
        values = []
        for _ in range(repeats):
            sync(device)
            start = time.perf_counter()
            run()
            sync(device)
            values.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(values)


def summary(values: list[float]) -> dict:
    """Median, min, max and every run of a list of ms/frame values."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": [round(v, 3) for v in values]}


def measure_subjects(subjects: list[Subject], sequence, frames: int, repeats: int, warmup: int) -> dict:
    """Time network / tracker step / end to end of every subject, the subjects interleaved run by run."""
    with tempfile.TemporaryDirectory(prefix="dctrack_bench_") as tmp:
        return _measure_subjects(subjects, sequence, frames, repeats, warmup, Path(tmp))


def _measure_subjects(subjects: list[Subject], sequence, frames: int, repeats: int, warmup: int, tmp: Path) -> dict:
    idx = frame_indices(sequence, frames)
    box = init_box(sequence)
    first = sequence.frame(0)
    decoded = {i: sequence.frame(i) for i in sorted(set(idx))}
    images = [decoded[i] for i in idx]
    paths = frame_files(sequence, idx, decoded, tmp)
    gt = boxes_for(sequence, [0] + idx, box)
    prepared = {}
    for s in subjects:
        step = s.frame_step()
        if step is not None:
            prepared[s.label] = network_inputs(step, s.network, [first] + images, gt)
    times: dict = {s.label: {"network": [], "tracker_step": [], "end_to_end": []} for s in subjects}
    for s in subjects:  # warm-up: allocator, kernels, caches
        if warmup:
            time_tracker(s.tracker, first, box, images[:warmup], network_device(s.network))
            if s.label in prepared:
                time_network(s.network, prepared[s.label], warmup)
    for _ in range(repeats):
        for s in subjects:
            dev = network_device(s.network)
            if s.label in prepared:
                times[s.label]["network"].append(time_network(s.network, prepared[s.label], frames))
            times[s.label]["tracker_step"].append(time_tracker(s.tracker, first, box, images, dev))
            times[s.label]["end_to_end"].append(time_tracker(s.tracker, first, box, paths, dev, read=read_image))
    return {label: {k: (summary(v) if v else None) for k, v in t.items()} for label, t in times.items()}
