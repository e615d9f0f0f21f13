"""The speed benchmark CLI (pytracking/benchmark.py): its JSON report and its errors (no timing assertions)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ltr.models.inference import inference_dtype

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "pytracking"))

import benchmark  # noqa: E402  (pytracking/benchmark.py is a script module)

TIMINGS = ("network_ms", "tracker_step_ms", "end_to_end_ms")
ENV_FIELDS = ("device", "dtype", "threads", "torch", "cpu_model", "cpu_count")


@pytest.fixture(autouse=True)
def one_thread():
    """Run the benchmark with one thread (restored afterwards): the machine is small and shared."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _run(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "bench.json"
    argv = ["dctrack", "quick", "--random-weights", "--frames", "3", "--repeats", "1", "--warmup", "1",
            "--threads", "1", "--device", "cpu", "--json", str(out), *extra]
    assert benchmark.main(argv) == 0
    return json.loads(out.read_text())


def _check_report(result: dict, dtype: str) -> None:
    for key in TIMINGS:
        assert isinstance(result[key], float) and result[key] > 0, key
        assert result["fps"][key[:-3]] == pytest.approx(1000.0 / result[key])
    for key in ENV_FIELDS:
        assert key in result["environment"], key
    env = result["environment"]
    assert env["device"] == "cpu" and env["dtype"] == dtype and env["threads"] == 1
    assert env["torch"] == torch.__version__ and env["cpu_model"]
    assert result["weights"] == "random"
    assert result["network_gflop_per_frame"] > 0
    for when in ("before", "after"):
        assert result["host_steadiness"][when]["spread"] >= 1.0


def test_json_on_synthetic_sequence(tmp_path, capsys):
    result = _run(tmp_path, "--sequence", "synthetic", "--param-set", "precision=float32")
    _check_report(result, "float32")
    assert result["param_overrides"] == ["precision=float32"]
    assert result["sequence"]["name"].startswith("synthetic/")
    printed = capsys.readouterr().out
    assert "network only" in printed and "tracker step" in printed and "end to end" in printed
    assert "threads 1" in printed and "torch " in printed


def test_json_on_real_sequence_with_baseline_and_conv(tmp_path, shared_data, monkeypatch):
    monkeypatch.setenv("DCTRACK_SHARED_DATA", str(shared_data))
    result = _run(tmp_path, "--sequence", "Couple", "--compare-baseline", "--conv-throughput")
    auto = str(inference_dtype("auto", "cpu")).replace("torch.", "")  # the parameters' precision "auto"
    _check_report(result, auto)
    assert result["sequence"]["name"] == "otb/Couple" and result["sequence"]["width"] == 320
    base = result["baseline"]
    assert base["label"] == "dctrack/baseline" and base["network_ms"] > 0
    assert set(base["overhead_percent"]) == {"network", "tracker_step"}
    conv = result["conv_throughput"]
    assert conv["dtype"] == auto
    assert conv["best_gflops"] == max(conv["nchw"]["gflops"], conv["channels_last"]["gflops"]) > 0
    bb = result["backbone"]
    assert bb["gflop_per_frame"] > 0 and bb["efficiency"] == pytest.approx(bb["gflops"] / conv["best_gflops"])


def test_compare_reference_times_the_twin_and_a_plain_pipeline_of_the_same_network(tmp_path, capsys):
    result = _run(tmp_path, "--sequence", "synthetic", "--compare-reference")
    ref = result["reference"]
    auto = str(inference_dtype("auto", "cpu")).replace("torch.", "")
    rows = ref["rows"]
    assert [r["dtype"] for r in rows] == [auto, "float32", "float32"]
    assert rows[0]["label"] == f"dctrack (correspondence off), {auto}" and rows[-1]["label"].startswith("reference")
    for row in rows[:2]:
        assert row["speedup"] == pytest.approx(rows[-1]["tracker_step_ms"] / row["tracker_step_ms"])
    assert "speedup" not in rows[-1] and ref["gflop_per_frame"] > 0 and len(ref["load_average"]) == 3
    assert "speed-up" in capsys.readouterr().out


def test_reference_pipeline_runs_the_network_as_trained(tmp_path):
    """The reference keeps BatchNorm and float32 NCHW weights, and tracks a synthetic sequence to finite boxes."""
    from common.datasets import load_dataset
    from common.plugins import get_plugin
    from pytracking.speed.reference import ReferencePipeline
    from pytracking.speed.subjects import random_weights_network

    net = random_weights_network("dctrack", "quick", "cpu", ("model.corr.enabled=False",))
    ref = ReferencePipeline(net, get_plugin("dctrack").frame_step)
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in ref.network.modules())
    assert all(p.dtype == torch.float32 for p in ref.network.parameters())
    seq = load_dataset("synthetic", "test")[0]
    ref.initialize(seq.frame(0), seq.ground_truth[0])
    for i in (1, 2, 3):
        out = ref.track(seq.frame(i))
        assert len(out["box"]) == 4 and all(map(lambda v: v == v, out["box"])) and out["box"][2] >= 4


def test_compare_reference_needs_random_weights(capsys):
    assert benchmark.main(["dctrack", "quick", "--compare-reference", "--sequence", "synthetic", "--threads", "1"]) == 2
    assert "--random-weights" in capsys.readouterr().err


def test_conv_flops_counts_every_convolution():
    conv = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Conv2d(8, 8, 3, groups=4, padding=1))
    x = torch.zeros(1, 3, 10, 10)
    expected = 2 * (8 * 8 * 8) * 3 * 9 + 2 * (8 * 8 * 8) * 2 * 9
    assert benchmark.conv_flops(conv, lambda: conv(x)) == expected


def test_missing_checkpoint_names_the_way_out(capsys):
    assert benchmark.main(["dctrack", "quick", "--frames", "1", "--sequence", "synthetic", "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert "checkpoint" in err and "--random-weights" in err


def test_unknown_sequence_is_a_clear_error(capsys, tmp_path):
    missing = "no_such_sequence_xyz"
    assert benchmark.main(["dctrack", "quick", "--random-weights", "--sequence", missing, "--threads", "1"]) == 2
    assert missing in capsys.readouterr().err


def test_script_runs_from_the_command_line():
    proc = subprocess.run([sys.executable, str(REPO / "pytracking" / "benchmark.py"), "--help"], capture_output=True,
                          text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0
    for flag in ("--random-weights", "--compare-baseline", "--compare-reference", "--conv-throughput", "--json",
                 "--sequence", "--threads"):
        assert flag in proc.stdout


def test_host_steadiness_probe_and_its_report_line():
    from pytracking.speed.environment import host_steadiness
    from pytracking.speed.report import _steadiness

    probe = host_steadiness(seconds=0.05, slice_work=2_000)
    assert probe["slices"] >= 10 and 0 < probe["min_ms"] <= probe["median_ms"] <= probe["max_ms"]
    assert probe["spread"] >= 1.0
    steady = {"median_ms": 1.0, "min_ms": 0.9, "max_ms": 1.2, "spread": 1.05, "slices": 50}
    lines = _steadiness({"host_steadiness": {"before": steady, "after": steady}})
    assert len(lines) == 1 and "1.05x" in lines[0]
    slower = dict(steady, median_ms=1.6)                     # the host slowed down during the runs
    assert "unsteady host" in "\n".join(_steadiness({"host_steadiness": {"before": steady, "after": slower}}))
    swinging = dict(steady, spread=2.3)
    assert "unsteady host" in "\n".join(_steadiness({"host_steadiness": {"before": swinging, "after": steady}}))
