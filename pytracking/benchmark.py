"""Tracking speed of a plugin: network only, tracker step, and end to end (with image decoding) per frame.

    python pytracking/benchmark.py dctrack default --random-weights --threads 2
    python pytracking/benchmark.py dctrack default --random-weights --threads 2 --compare-reference
    python pytracking/benchmark.py dctrack fast --random-weights --compare-baseline --conv-throughput --json fast.json
    python pytracking/benchmark.py dctrack default --checkpoint ckpt.pth --sequence /path/to/seq --device cuda

Each number is the median over ``--repeats`` timed runs of ``--frames`` frames after a warm-up run:
- network: the per-frame network work the plugin declares (``PluginSpec.frame_step``: e.g. the new crop's
  features and one step with the previous frame's cached ones), on crops of the sequence at its ground truth;
- tracker step: ``tracker.track(image)`` on frames already decoded in memory (crop + network + post-processing);
- end to end: ``read_image(path)`` + ``tracker.track``.
``--compare-baseline`` times the same plugin's ``--baseline-param`` (a parameter set whose network lacks the
branch under study) interleaved with the main one and reports the overhead in %. ``--compare-reference`` times the
plugin's twin without its own branch (``PluginSpec.twin``) at the parameters' precision and at float32, and a plain
reference pipeline of the same network (``pytracking/speed/reference.py``: crop, float32 NCHW forward, numpy
decode), and prints the speed-ups. ``--conv-throughput`` measures this machine's 3x3 conv throughput (256
channels, 32x32) and the backbone's achieved GFLOP/s.
The sequence defaults to OTB Couple from the shared data folder (``../shared/data``), else a synthetic one.
The measuring code is the package ``pytracking/speed`` (environment, sequence, subjects, timing, flops, reference,
report); this module is its command line.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Optional

import torch

from common.atomic import atomic_write_text
from common.config import ConfigError
from common.plugins import PluginError, get_plugin
from pytracking.speed.environment import environment, host_steadiness, load_average, set_threads
from pytracking.speed.errors import BenchmarkError
from pytracking.speed.flops import backbone_efficiency, conv_flops, conv_throughput, network_flops
from pytracking.speed.reference import ReferencePipeline
from pytracking.speed.report import format_report
from pytracking.speed.sequence import boxes_for, init_box, load_sequence, sequence_info
from pytracking.speed.peer import peer_lines, peer_subject, peer_summary
from pytracking.speed.subjects import (Subject, build_subject, network_device, network_dtype,
                                       random_weights_network)
from pytracking.speed.timing import measure_subjects, network_inputs

__all__ = ["BenchmarkError", "build_parser", "conv_flops", "format_report", "main", "network_inputs", "run_benchmark"]


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
    p.add_argument("--compare-reference", action="store_true",
                   help="with --random-weights: time the plugin's twin (its own branch off) at the parameters' "
                        "precision and at float32 against a plain reference pipeline of the same network")
    p.add_argument("--conv-throughput", action="store_true", help="measure conv GFLOP/s and the backbone's share of it")
    p.add_argument("--no-peer", action="store_true", help="do not time the plugin's peer (PluginSpec.peer_tracker, "
                                                          "e.g. OpenCV's implementation), timed by default")
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    return p


def _flat(timing: Optional[dict]) -> Optional[float]:
    return None if timing is None else timing["median"]


def _check_args(args: argparse.Namespace) -> None:
    if args.frames < 1 or args.repeats < 1 or args.warmup < 0:
        raise BenchmarkError("need --frames >= 1, --repeats >= 1 and --warmup >= 0")
    if args.overrides and not args.random_weights:
        raise BenchmarkError("--set changes the network's architecture: use it with --random-weights")
    if args.compare_reference and not args.random_weights:
        raise BenchmarkError("--compare-reference builds the same network twice: use it with --random-weights")


def run_benchmark(args: argparse.Namespace) -> dict:
    """Run what the arguments ask for; returns the result dict (what --json writes)."""
    _check_args(args)
    set_threads(args.threads)
    sequence, label = load_sequence(args.sequence)
    main = build_subject(args.plugin, args.param, args.device, args.random_weights, args.checkpoint,
                         overrides=tuple(args.overrides), param_overrides=tuple(args.param_overrides))
    subjects = [main]
    if args.compare_baseline:
        subjects.append(_baseline_subject(args, main))
    peer = None if args.no_peer else peer_subject(main)
    if peer is not None:
        subjects.append(peer)
    references = _reference_subjects(args, main) if args.compare_reference else []
    subjects += references
    steadiness_before = host_steadiness()
    timings = measure_subjects(subjects, sequence, args.frames, args.repeats, min(args.warmup, args.frames))
    steadiness = {"before": steadiness_before, "after": host_steadiness()}
    net = main.network
    dtype = network_dtype(net)
    t = timings[main.label]
    result = {"plugin": args.plugin, "param": args.param, "overrides": list(args.overrides),
              "param_overrides": list(args.param_overrides), "weights": main.weights,
              "sequence": sequence_info(sequence, label), "frames": args.frames, "repeats": args.repeats,
              "environment": environment(network_device(net), dtype), "timings": t,
              "network_ms": _flat(t["network"]), "tracker_step_ms": _flat(t["tracker_step"]),
              "end_to_end_ms": _flat(t["end_to_end"]), "host_steadiness": steadiness}
    result["fps"] = {k: (1000.0 / result[f"{k}_ms"] if result[f"{k}_ms"] else None)
                     for k in ("network", "tracker_step", "end_to_end")}
    result.update(_work(args, main, sequence))
    if args.compare_baseline:
        result["baseline"] = _baseline_summary(subjects[1], timings[subjects[1].label], t)
    if args.compare_reference:
        result["reference"] = _reference_summary(references, timings, sequence)
    if peer is not None:
        result["peer"] = peer_summary(peer, timings[peer.label], t)
    return result


def _first_inputs(subject: Subject, sequence):
    """The subject's frame step prepared on frame 0 with frame 1's crop (None without a step)."""
    step = subject.frame_step()
    if step is None:
        return None
    gt = boxes_for(sequence, [0, 1], init_box(sequence))
    return network_inputs(step, subject.network, [sequence.frame(0), sequence.frame(1)], gt)


def _work(args: argparse.Namespace, main: Subject, sequence) -> dict:
    """The main network's conv GFLOPs per frame, and with --conv-throughput the machine's conv GFLOP/s."""
    inputs = _first_inputs(main, sequence)
    if inputs is None:
        return {}
    net, out = main.network, {}
    out["network_gflop_per_frame"] = network_flops(net, inputs)
    if args.conv_throughput:
        dtype = network_dtype(net)
        out["conv_throughput"] = conv_throughput(network_device(net), dtype=dtype)
        if dtype != torch.float32:
            out["conv_throughput_float32"] = conv_throughput(network_device(net))
        out["backbone"] = backbone_efficiency(net, inputs, out["conv_throughput"]["best_gflops"])
    return out


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


def _reference_subjects(args: argparse.Namespace, main: Subject) -> list[Subject]:
    """The twin's tracker at the parameters' precision and at float32, and the reference pipeline of its network."""
    spec = get_plugin(args.plugin)
    if spec.frame_step is None:
        raise BenchmarkError(f"plugin '{args.plugin}' declares no frame_step (PluginSpec): the reference pipeline "
                             f"runs the network through it")
    twin = spec.twin
    setting = getattr(main.tracker.params, "train_setting", None)
    overrides = tuple(args.overrides) + (twin.setting_overrides if twin else ())
    params = tuple(args.param_overrides) + (twin.param_overrides if twin else ())
    subjects = [build_subject(args.plugin, args.param, args.device, True, None, overrides=overrides,
                              setting=setting, param_overrides=params)]
    if any(f.name == "precision" for f in dataclasses.fields(main.tracker.params)):
        subjects.append(build_subject(args.plugin, args.param, args.device, True, None, overrides=overrides,
                                      setting=setting, param_overrides=params + ("precision=float32",)))
    network = random_weights_network(args.plugin, setting, network_device(main.network), overrides)
    reference = ReferencePipeline(network, spec.frame_step)
    subjects.append(Subject(f"reference pipeline{' (' + twin.label + ')' if twin else ''}, float32", reference,
                            "random", args.plugin))
    return subjects


def _reference_summary(subjects: list[Subject], timings: dict, sequence) -> dict:
    """Per subject: tracker step and network ms, and the reference's time over each (the speed-up)."""
    reference = subjects[-1]
    ref_ms = timings[reference.label]["tracker_step"]["median"]
    twin = get_plugin(reference.plugin).twin
    name = f"{reference.plugin} ({twin.label})" if twin else reference.plugin
    rows = []
    for s in subjects:
        t = timings[s.label]
        dtype = str(network_dtype(s.network)).replace("torch.", "")
        row = {"label": s.label if s is reference else f"{name}, {dtype}",
               "tracker_step_ms": t["tracker_step"]["median"], "network_ms": _flat(t["network"]),
               "dtype": dtype}
        if s is not reference:
            row["speedup"] = ref_ms / row["tracker_step_ms"]
        rows.append(row)
    inputs = _first_inputs(reference, sequence)
    gflop = network_flops(reference.network, inputs) if inputs is not None else float("nan")
    return {"twin": twin.label if twin else "the plugin's network", "gflop_per_frame": gflop, "rows": rows,
            "load_average": load_average()}


def main(argv: Optional[list] = None) -> int:
    """CLI entry point: print the report (and write --json)."""
    args = build_parser().parse_args(argv)
    try:
        result = run_benchmark(args)
    except (BenchmarkError, ConfigError, PluginError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(result))
    for line in peer_lines(result.get("peer")):
        print(line)
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=2, default=str) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
