"""The printed report of a benchmark result (the same dict ``--json`` writes)."""
from __future__ import annotations

from typing import Optional

from pytracking.speed.environment import UNSTEADY_SPREAD


def _fps(ms: Optional[float]) -> str:
    return f"{1000.0 / ms:7.1f}" if ms else "      -"


def _header(result: dict) -> list[str]:
    env, seq = result["environment"], result["sequence"]
    return [f"{result['plugin']}/{result['param']}  weights: {result['weights']}  sequence: {seq['name']} "
            f"({seq['frames']} frames, {seq['width']}x{seq['height']})  {result['frames']} frames x "
            f"{result['repeats']} runs, median",
            f"device {env['device']}  dtype {env['dtype']}  threads {env['threads']}  torch {env['torch']}  "
            f"CPU {env['cpu_model']} ({env['cpu_count']} cores)  load average {env.get('load_average', '?')}"]


def _steadiness(result: dict) -> list[str]:
    """One line on the host's steadiness (before / after the timed runs), with a warning when it swung."""
    probes = result.get("host_steadiness")
    if not probes:
        return []
    before, after = probes["before"], probes["after"]
    drift = max(before["median_ms"], after["median_ms"]) / min(before["median_ms"], after["median_ms"])
    line = (f"host steadiness (a fixed single-thread workload, before / after): median {before['median_ms']:.2f} / "
            f"{after['median_ms']:.2f} ms, slowest tenth over fastest tenth {before['spread']:.2f}x / "
            f"{after['spread']:.2f}x")
    if max(before["spread"], after["spread"], drift) > UNSTEADY_SPREAD:
        return [line, "  unsteady host: its speed changed during the measurement, so medians mix fast and slow "
                      "phases; compare the fastest runs and interleaved ratios, or rerun"]
    return [line]


def _timings(timings: dict) -> list[str]:
    lines = [f"{'':22s}{'ms/frame':>9s}{'FPS':>8s}{'min ms':>9s}{'max ms':>9s}"]
    for key, label in (("network", "network only"), ("tracker_step", "tracker step"),
                       ("end_to_end", "end to end (decode)")):
        v = timings[key]
        if v is None:
            lines.append(f"{label:22s}{'n/a':>9s}")
            continue
        lines.append(f"{label:22s}{v['median']:9.2f}{_fps(v['median'])}{v['min']:9.2f}{v['max']:9.2f}")
    return lines


def _baseline(b: dict) -> list[str]:
    first = (f"baseline {b['label']}: network {b['network_ms']:.2f} ms, tracker step {b['tracker_step_ms']:.2f} ms"
             if b.get("network_ms") else f"baseline {b['label']}: tracker step {b['tracker_step_ms']:.2f} ms")
    return [first, "overhead vs the baseline (medians): "
            + ", ".join(f"{k} {v:+.1f} %" for k, v in b["overhead_percent"].items())
            + "; (fastest runs, less sensitive to other load): "
            + ", ".join(f"{k} {v:+.1f} %" for k, v in b["overhead_percent_of_min"].items())]


def _throughput(result: dict) -> list[str]:
    c, bb = result["conv_throughput"], result.get("backbone")
    lines = [f"conv throughput (3x3, 256 ch, 32x32, {c.get('dtype', 'float32')}): NCHW {c['nchw']['gflops']:.1f} "
             f"GFLOP/s, channels-last {c['channels_last']['gflops']:.1f} GFLOP/s"]
    f32 = result.get("conv_throughput_float32")
    if f32:
        lines.append(f"  (float32: NCHW {f32['nchw']['gflops']:.1f}, channels-last {f32['channels_last']['gflops']:.1f} GFLOP/s)")
    if bb:
        lines.append(f"backbone: {bb['gflop_per_frame']:.2f} GFLOP/frame in {bb['ms']:.2f} ms = {bb['gflops']:.1f} "
                     f"GFLOP/s = {100 * bb['efficiency']:.0f} % of the conv throughput")
    return lines


def _reference(ref: dict) -> list[str]:
    width = max(len(row["label"]) for row in ref["rows"]) + 2
    lines = [f"reference pipeline (plain: crop, float32 NCHW forward of the network as trained, numpy decode) vs "
             f"{ref['twin']}, same network ({ref['gflop_per_frame']:.2f} GFLOP/frame), load average "
             f"{ref['load_average']}:",
             f"{'':{width}s}{'tracker step ms':>16s}{'FPS':>8s}{'network ms':>12s}{'speed-up':>10s}"]
    for row in ref["rows"]:
        speed = f"{row['speedup']:9.2f}x" if row.get("speedup") else f"{'':10s}"
        net = f"{row['network_ms']:12.2f}" if row.get("network_ms") else f"{'-':>12s}"
        lines.append(f"{row['label']:{width}s}{row['tracker_step_ms']:16.2f}{_fps(row['tracker_step_ms'])}{net}{speed}")
    return lines


def format_report(result: dict) -> str:
    """The human-readable report of a benchmark result."""
    lines = _header(result) + _timings(result["timings"]) + _steadiness(result)
    if result.get("network_gflop_per_frame") is not None:
        lines.append(f"network conv work: {result['network_gflop_per_frame']:.2f} GFLOP/frame")
    if result.get("baseline"):
        lines += _baseline(result["baseline"])
    if result.get("conv_throughput"):
        lines += _throughput(result)
    if result.get("reference"):
        lines += _reference(result["reference"])
    return "\n".join(lines)
