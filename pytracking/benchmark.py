"""Tracking speed of a plugin: network only, tracker step, and end to end (with image decoding) per frame.

    python pytracking/benchmark.py dctrack default --random-weights --threads 2
    python pytracking/benchmark.py dctrack fast --random-weights --compare-baseline --conv-throughput --json fast.json
    python pytracking/benchmark.py dctrack default --checkpoint ckpt.pth --sequence /path/to/seq --device cuda

Each number is the median over ``--repeats`` timed runs of ``--frames`` frames after a warm-up run:
- network: the per-frame network work the plugin declares (``PluginSpec.frame_step``: e.g. the new crop's
  features and one step with the previous frame's cached ones), on crops of the sequence at its ground truth;
- tracker step: ``tracker.track(image)`` on frames already decoded in memory (crop + network + post-processing);
- end to end: ``read_image(path)`` + ``tracker.track``.
``--compare-baseline`` times the same plugin's ``--baseline-param`` (a parameter set whose network lacks the
branch under study) interleaved with the main one and reports the overhead in %. ``--conv-throughput``
measures this machine's 3x3 conv throughput (256 channels, 32x32) and the backbone's achieved GFLOP/s.
The sequence defaults to OTB Couple from the shared data folder (``../shared/data``), else a synthetic one.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Optional

import cv2
import numpy as np
import torch
from torch import nn

from common.atomic import atomic_write_text
from common.config import ConfigError, apply_overrides
from common.crop import context_side, crop_square
from common.datasets import load_dataset
from common.image_io import read_image
from common.plugins import PluginError, get_plugin, load_parameters, load_train_config
from pytracking.api import CheckpointNotFound, choose_device, load_tracker, needs_checkpoint

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEQUENCE = "Couple"
SEQUENCE_KINDS = ("otb", "uav123", "vot", "dsst")  # folders of ../shared/data/sequences searched for a name


class BenchmarkError(RuntimeError):
    """A benchmark that cannot run as asked (unknown sequence, missing checkpoint, ...)."""


# ------------------------------------------------------------------------------------------------ environment
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


def environment(device: str, dtype: torch.dtype) -> dict:
    """Device, dtype, threads, torch version, CPU model, cores and the load average at the time of measuring."""
    env = {"device": device, "dtype": str(dtype).replace("torch.", ""), "threads": torch.get_num_threads(),
           "torch": torch.__version__, "cpu_model": cpu_model(), "cpu_count": os.cpu_count(),
           "python": platform.python_version()}
    if hasattr(os, "getloadavg"):
        env["load_average"] = [round(v, 2) for v in os.getloadavg()]
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


# ------------------------------------------------------------------------------------------------ sequence
def shared_data_root() -> Path:
    """The shared real-data folder (``DCTRACK_SHARED_DATA`` or ``../shared/data`` beside the repository)."""
    return Path(os.environ.get("DCTRACK_SHARED_DATA", REPO.parent / "shared" / "data"))


def _sequence_from_folder(folder: Path):
    for seq in load_dataset("generic", root=folder.parent):
        if seq.name == folder.name:
            return seq
    raise BenchmarkError(f"{folder}: not a sequence folder (frames, or img/, and one ground-truth .txt)")


def load_sequence(spec: Optional[str]) -> tuple[Any, str]:
    """(sequence, label) from a folder path, a name under the shared data's sequences/ folders, or 'synthetic'.

    Without ``spec``: OTB Couple from the shared data when present, else the first synthetic test sequence.
    """
    if spec and Path(spec).expanduser().is_dir():
        folder = Path(spec).expanduser().resolve()
        return _sequence_from_folder(folder), str(folder)
    name = spec or DEFAULT_SEQUENCE
    root = shared_data_root() / "sequences"
    for kind in SEQUENCE_KINDS:
        if (root / kind / name).is_dir():
            return _sequence_from_folder(root / kind / name), f"{kind}/{name}"
    if spec and spec != "synthetic":
        raise BenchmarkError(f"sequence '{spec}' is neither a folder nor a sequence under {root}/{{{','.join(SEQUENCE_KINDS)}}}")

    sequence = load_dataset("synthetic", "test")[0]
    return sequence, f"synthetic/{sequence.name}"


def init_box(sequence) -> np.ndarray:
    """The sequence's initial box (its init_box, else the first ground-truth row)."""
    box = getattr(sequence, "init_box", None)
    if box is None:
        box = sequence.ground_truth[0]
    box = np.asarray(box, dtype=np.float64).reshape(4)
    if not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        raise BenchmarkError(f"sequence {sequence.name}: no valid initial box ({box.tolist()})")
    return box


def frame_indices(sequence, frames: int) -> list[int]:
    """Indices of the ``frames`` tracked frames after frame 0 (cycling when the sequence is shorter)."""
    n = len(sequence)
    if n < 2:
        raise BenchmarkError(f"sequence {sequence.name} has {n} frame(s); need at least 2")
    return [1 + (i % (n - 1)) for i in range(frames)]


# ------------------------------------------------------------------------------------------------ trackers
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


def random_weights_network(plugin: str, setting: Optional[str], device: str, overrides: tuple = ()) -> nn.Module:
    """The plugin's network of train setting ``setting`` (``--set`` overrides applied), with random weights."""
    if not setting:
        raise BenchmarkError(f"the parameters of {plugin} name no train_setting; --random-weights needs one")
    cfg = apply_overrides(load_train_config(plugin, setting), overrides)
    torch.manual_seed(0)
    network = get_plugin(plugin).build_network(cfg.model)
    return network.to(device).eval()


def build_subject(plugin: str, param: str, device: Optional[str], random_weights: bool, checkpoint: Optional[str],
                  fallback_random: bool = False, overrides: tuple = (), setting: Optional[str] = None,
                  param_overrides: tuple = ()) -> Subject:
    """The tracker of ``plugin``/``param`` (``param_overrides`` applied to its parameters) with a checkpoint, or
    with random weights: the network of ``setting`` (default: the parameters' train setting) with the
    train-config ``overrides``."""
    if not random_weights:
        try:
            tracker = load_tracker(plugin, param, checkpoint, device, param_overrides)
            return Subject(f"{plugin}/{param}" + _label_suffix(param_overrides), tracker,
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
    label = f"{plugin}/{param}" + (f" (setting {setting})" if setting else "") + _label_suffix(overrides) + \
        _label_suffix(param_overrides)
    return Subject(label, tracker, "random", plugin)


def _label_suffix(overrides: tuple) -> str:
    return f" [{' '.join(overrides)}]" if overrides else ""


# ------------------------------------------------------------------------------------------------ timing
def sync(device: Any) -> None:
    """Wait for queued GPU work so a timer reads the real duration."""
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def network_device(network: Optional[nn.Module]) -> str:
    """Where the network's parameters are (cpu when it has none)."""
    param = next(iter(network.parameters()), None) if network is not None else None
    return str(param.device) if param is not None else "cpu"


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
    context = geo.context
    scale = geo.search_size / geo.template_size
    with torch.inference_mode():
        template = crop_tensor(images[0], boxes[0], 1.0, geo.template_size, context, device, dtype)
        searches = [crop_tensor(im, b, scale, geo.search_size, context, device, dtype) for im, b in zip(images, boxes)]
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


def summary(values: list[float]) -> dict:
    """Median, min, max and every run of a list of ms/frame values."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": [round(v, 3) for v in values]}


def frame_files(sequence, indices: list[int], images: dict, folder: Path) -> list[str]:
    """Paths of the frames at ``indices``; frames without a file (generated ones) are written as JPEGs to ``folder``."""
    paths = []
    for i in indices:
        path = sequence.frame_path(i)
        if path is None:
            path = str(folder / f"{i:06d}.jpg")
            if not Path(path).is_file() and not cv2.imwrite(path, cv2.cvtColor(images[i], cv2.COLOR_RGB2BGR)):
                raise BenchmarkError(f"could not write the JPEG frame {path}")
        paths.append(path)
    return paths


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
    gt = _boxes_for(sequence, [0] + idx, box)
    prepared = {}
    for s in subjects:
        step = s.frame_step()
        if step is not None:
            prepared[s.label] = network_inputs(step, s.network, [first] + images, gt)
    times: dict = {s.label: {"network": [], "tracker_step": [], "end_to_end": []} for s in subjects}
    for s in subjects:  # warm-up: allocator, kernels, caches
        dev = network_device(s.network)
        time_tracker(s.tracker, first, box, images[:warmup], dev)
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


def _boxes_for(sequence, indices: list[int], fallback: np.ndarray) -> list[np.ndarray]:
    """Ground-truth boxes at ``indices`` (the last valid one where a row is missing or NaN)."""
    gt = getattr(sequence, "ground_truth", None)
    out, last = [], fallback
    for i in indices:
        row = np.asarray(gt[i], dtype=np.float64) if gt is not None and i < len(gt) else None
        if row is not None and np.all(np.isfinite(row)) and row[2] > 0 and row[3] > 0:
            last = row
        out.append(last)
    return out


# ------------------------------------------------------------------------------------------------ FLOPs
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


# ------------------------------------------------------------------------------------------------ CLI
def build_parser() -> argparse.ArgumentParser:
    """The command line of the benchmark."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("plugin", help="tracker plugin (e.g. dctrack)")
    p.add_argument("param", nargs="?", default="default", help="parameter file (default: default)")
    p.add_argument("--device", default=None, help="cpu | cuda (default: the parameters', else cuda when present)")
    p.add_argument("--threads", type=int, default=None, help="torch / OpenCV threads (default: torch's default)")
    p.add_argument("--frames", type=int, default=50, help="tracked frames per timed run (default 50)")
    p.add_argument("--repeats", type=int, default=5, help="timed runs; the median is reported (default 5)")
    p.add_argument("--warmup", type=int, default=5, help="frames of the untimed warm-up run (default 5)")
    p.add_argument("--sequence", default=None, help="a sequence folder, a name under the shared data (default Couple), "
                                                    "or 'synthetic'")
    p.add_argument("--random-weights", action="store_true", help="build the network of the parameters' train setting "
                                                                 "with random weights (no checkpoint)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="with --random-weights: override a train-config field of the measured network "
                        "(e.g. model.head_channels=128; repeatable)")
    p.add_argument("--param-set", dest="param_overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a tracker parameter (e.g. precision=bfloat16); applies to the baseline too")
    p.add_argument("--checkpoint", default=None, help="checkpoint file (default: the parameters' training run)")
    p.add_argument("--compare-baseline", action="store_true", help="also time --baseline-param, report the overhead")
    p.add_argument("--baseline-param", default="baseline", help="parameter set of the network without the branch under "
                                                                "study (default: baseline)")
    p.add_argument("--baseline-set", action="append", default=[], metavar="KEY=VALUE",
                   help="with --random-weights: the baseline is the main network with these overrides "
                        "(e.g. model.corr.enabled=False) and --baseline-param's post-processing")
    p.add_argument("--conv-throughput", action="store_true", help="measure conv GFLOP/s and the backbone's share of it")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    return p


def _fps(ms: Optional[float]) -> str:
    return f"{1000.0 / ms:7.1f}" if ms else "      -"


def format_report(result: dict) -> str:
    """The human-readable report of a benchmark result."""
    env, seq = result["environment"], result["sequence"]
    lines = [f"{result['plugin']}/{result['param']}  weights: {result['weights']}  sequence: {seq['name']} "
             f"({seq['frames']} frames, {seq['width']}x{seq['height']})  {result['frames']} frames x "
             f"{result['repeats']} runs, median",
             f"device {env['device']}  dtype {env['dtype']}  threads {env['threads']}  torch {env['torch']}  "
             f"CPU {env['cpu_model']} ({env['cpu_count']} cores)  load average {env.get('load_average', '?')}",
             f"{'':22s}{'ms/frame':>9s}{'FPS':>8s}{'min ms':>9s}{'max ms':>9s}"]
    for key, label in (("network_ms", "network only"), ("tracker_step_ms", "tracker step"),
                       ("end_to_end_ms", "end to end (decode)")):
        v = result["timings"][key.replace("_ms", "")]
        if v is None:
            lines.append(f"{label:22s}{'n/a':>9s}")
            continue
        lines.append(f"{label:22s}{v['median']:9.2f}{_fps(v['median'])}{v['min']:9.2f}{v['max']:9.2f}")
    if result.get("network_gflop_per_frame") is not None:
        lines.append(f"network conv work: {result['network_gflop_per_frame']:.2f} GFLOP/frame")
    if result.get("baseline"):
        b = result["baseline"]
        lines.append(f"baseline {b['label']}: network {b['network_ms']:.2f} ms, tracker step {b['tracker_step_ms']:.2f} ms"
                     if b.get("network_ms") else f"baseline {b['label']}: tracker step {b['tracker_step_ms']:.2f} ms")
        lines.append("overhead vs the baseline (medians): " + ", ".join(f"{k} {v:+.1f} %" for k, v in b["overhead_percent"].items())
                     + "; (fastest runs, less sensitive to other load): "
                     + ", ".join(f"{k} {v:+.1f} %" for k, v in b["overhead_percent_of_min"].items()))
    if result.get("conv_throughput"):
        c, bb = result["conv_throughput"], result.get("backbone")
        lines.append(f"conv throughput (3x3, 256 ch, 32x32, {c.get('dtype', 'float32')}): NCHW {c['nchw']['gflops']:.1f} "
                     f"GFLOP/s, channels-last {c['channels_last']['gflops']:.1f} GFLOP/s")
        f32 = result.get("conv_throughput_float32")
        if f32:
            lines.append(f"  (float32: NCHW {f32['nchw']['gflops']:.1f}, channels-last {f32['channels_last']['gflops']:.1f} GFLOP/s)")
        if bb:
            lines.append(f"backbone: {bb['gflop_per_frame']:.2f} GFLOP/frame in {bb['ms']:.2f} ms = {bb['gflops']:.1f} "
                         f"GFLOP/s = {100 * bb['efficiency']:.0f} % of the conv throughput")
    return "\n".join(lines)


def network_dtype(network: Optional[nn.Module]) -> torch.dtype:
    """The dtype of the network's parameters (float32 when it has none)."""
    param = next(iter(network.parameters()), None) if network is not None else None
    return param.dtype if param is not None else torch.float32


def _sequence_info(sequence, label: str) -> dict:
    image = sequence.frame(0)
    return {"name": label, "frames": len(sequence),
            "height": int(image.shape[0]), "width": int(image.shape[1])}


def _flat(timing: Optional[dict]) -> Optional[float]:
    return None if timing is None else timing["median"]


def run_benchmark(args: argparse.Namespace) -> dict:
    """Run what the arguments ask for; returns the result dict (what --json writes)."""
    if args.frames < 1 or args.repeats < 1 or args.warmup < 0:
        raise BenchmarkError("need --frames >= 1, --repeats >= 1 and --warmup >= 0")
    if args.overrides and not args.random_weights:
        raise BenchmarkError("--set changes the network's architecture: use it with --random-weights")
    set_threads(args.threads)
    sequence, label = load_sequence(args.sequence)
    main = build_subject(args.plugin, args.param, args.device, args.random_weights, args.checkpoint,
                         overrides=tuple(args.overrides), param_overrides=tuple(args.param_overrides))
    subjects = [main]
    if args.compare_baseline:
        subjects.append(_baseline_subject(args, main))
    timings = measure_subjects(subjects, sequence, args.frames, args.repeats, min(args.warmup, args.frames))
    net = main.network
    dtype = network_dtype(net)
    t = timings[main.label]
    result = {"plugin": args.plugin, "param": args.param, "overrides": list(args.overrides),
              "param_overrides": list(args.param_overrides), "weights": main.weights, "sequence": _sequence_info(sequence, label),
              "frames": args.frames, "repeats": args.repeats, "environment": environment(network_device(net), dtype),
              "timings": t, "network_ms": _flat(t["network"]), "tracker_step_ms": _flat(t["tracker_step"]),
              "end_to_end_ms": _flat(t["end_to_end"])}
    result["fps"] = {k: (1000.0 / result[f"{k}_ms"] if result[f"{k}_ms"] else None)
                     for k in ("network", "tracker_step", "end_to_end")}
    step = main.frame_step()
    if step is not None:
        gt = _boxes_for(sequence, [0, 1], init_box(sequence))
        inputs = network_inputs(step, net, [sequence.frame(0), sequence.frame(1)], gt)
        result["network_gflop_per_frame"] = network_flops(net, inputs)
        if args.conv_throughput:
            result["conv_throughput"] = conv_throughput(network_device(net), dtype=dtype)
            if dtype != torch.float32:
                result["conv_throughput_float32"] = conv_throughput(network_device(net))
            result["backbone"] = backbone_efficiency(net, inputs, result["conv_throughput"]["best_gflops"])
    if args.compare_baseline:
        result["baseline"] = _baseline_summary(subjects[1], timings[subjects[1].label], t)
    return result


def _baseline_subject(args: argparse.Namespace, main: Subject) -> Subject:
    """The baseline tracker: --baseline-param's network, or (--baseline-set) the main network's
    train setting with the main and the baseline overrides."""
    if args.baseline_set:
        if not args.random_weights:
            raise BenchmarkError("--baseline-set changes the network's architecture: use it with --random-weights")
        setting = getattr(main.tracker.params, "train_setting", None)
        return build_subject(args.plugin, args.baseline_param, args.device, True, None,
                             overrides=tuple(args.overrides) + tuple(args.baseline_set), setting=setting,
                             param_overrides=tuple(args.param_overrides))
    return build_subject(args.plugin, args.baseline_param, args.device, args.random_weights, None,
                         fallback_random=True, overrides=tuple(args.overrides),
                         param_overrides=tuple(args.param_overrides))


def _baseline_summary(subject: Subject, base: dict, main: dict) -> dict:
    out = {"label": subject.label, "weights": subject.weights, "network_ms": _flat(base["network"]),
           "tracker_step_ms": _flat(base["tracker_step"]), "overhead_percent": {}, "overhead_percent_of_min": {}}
    for key in ("network", "tracker_step"):
        if base[key] and main[key]:
            out["overhead_percent"][key] = 100.0 * (main[key]["median"] / base[key]["median"] - 1.0)
            out["overhead_percent_of_min"][key] = 100.0 * (main[key]["min"] / base[key]["min"] - 1.0)
    return out


def main(argv: Optional[list] = None) -> int:
    """CLI entry point: print the report (and write --json)."""
    args = build_parser().parse_args(argv)

    try:
        result = run_benchmark(args)
    except (BenchmarkError, ConfigError, PluginError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(result))
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
