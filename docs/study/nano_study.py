"""The real-video study of docs/results.md: does dctrack's correspondence prior add accuracy on top of a
pretrained tracker?

Stages (``--stages``, default all, in this order):
- ``train``: ``ltr/run_training.py dctrack <setting> --seed S`` for every setting and seed, in the study's own
  workspace (``<study>/workspace``); the run folder, wall time and selected epoch go to ``<study>/runs.json``.
- ``track``: ``pytracking/run_tracker.py`` on the held-out targets: every trained run (its ``best.pth``, result
  folder ``<param>_<seed>``), the prior-dependence checks of ``cpu_nano`` (``--set prior_mode=zero|shift``, in
  ``results_zero`` / ``results_shift``), and the nanotrack plugin's ``default`` and ``exact``.
- ``opencv``: ``cv2.TrackerNano`` (published ONNX pair) and OpenCV CSRT (from ``.venv-csrt``, created on first
  use: CSRT needs opencv-contrib, which cannot share the project's environment).
- ``table``: one table (mean success AUC and P@20 over the 10 targets, OTB protocol; mean ± std over seeds; FPS
  from the result time files) and the paired bootstrap intervals; written to ``<study>/table.md`` and printed.

The 10 targets (``../shared/data/sequences``: otb Couple, Crossing, Football1, Jogging-1, Jogging-2,
MotorRolling, David; vot bag; uav123 wakeboard7; dsst dog1) are held out: training reads trainset/train and the
unlabeled frames, checkpoint selection reads trainset/val.

    .venv/bin/python docs/study/nano_study.py                             # everything (about 1 h on 2 cores)
    .venv/bin/python docs/study/nano_study.py --stages table
    .venv/bin/python docs/study/nano_study.py --runs cpu_nano:0 --stages train track table
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import metrics
from common.atomic import atomic_write_text
from common.datasets import evaluation_split, load_dataset
from pytracking.analysis.evaluate import evaluate_result_set
from pytracking.analysis.paired import compare, comparison_table
from pytracking.analysis.results import ResultSet
from pytracking.analysis.tables import render_table

REPO = Path(__file__).resolve().parents[2]
DATASETS = ("otb", "vot", "uav123", "dsst")
NANOTRACK_PARAMS = ("default", "exact")   # OpenCV's geometry (parity with cv2.TrackerNano) and the exact crop transform
STAGES = ("train", "track", "opencv", "table")
PRIOR_CHECKS = ("zero", "shift")
# tracker parameter variants (plugins/dctrack/variants.py) run on the checkpoints of another row: name -> its row
TRACKER_VARIANTS = {"cpu_nano_prior_map_gated_reset": "cpu_nano_prior_map_gated"}
BASELINE = "cpu_nano_baseline"
MAIN = "cpu_nano"
# The control trains nothing (cpu_nano's base is frozen and the control has no correspondence), so one seed of it
# is all its seeds; the variants tried after the main result get one seed each (a 2-core budget), except the
# prior-map fusion, the closest to the control, which gets three.
DEFAULT_RUNS = [f"{MAIN}:0,1,2", f"{BASELINE}:0", "cpu_nano_score:0", "cpu_nano_se_gate:0", "cpu_nano_prior_only:0",
                "cpu_nano_prior_map:0,1,2", "cpu_nano_prior_map_gated:0,1,2"]


def parse_runs(specs: list) -> dict:
    """``['cpu_nano:0,1,2', ...]`` -> ``{'cpu_nano': [0, 1, 2], ...}`` (a bare setting name means seed 0)."""
    runs = {}
    for spec in specs:
        name, _, seeds = spec.partition(":")
        try:
            runs[name] = [int(s) for s in seeds.split(",")] if seeds else [0]
        except ValueError:
            raise SystemExit(f"--runs {spec!r}: seeds must be integers, e.g. {name}:0,1,2") from None
    return runs


def data_environment(data: Path, study: Path) -> dict:
    """Environment of every command: dataset roots under ``data`` (unless already set) and the study workspace."""
    env = dict(os.environ)
    roots = {"OTB": "sequences/otb", "VOT": "sequences/vot", "UAV123": "sequences/uav123", "DSST": "sequences/dsst",
             "GOT10K": "trainset", "UNLABELED": "unlabeled"}
    for key, sub in roots.items():
        env.setdefault(f"DCTRACK_{key}_DIR", str(data / sub))
    env["DCTRACK_WORKSPACE_DIR"] = str(study / "workspace")
    env["DCTRACK_RESULTS_DIR"] = str(study / "results")
    env.setdefault("DCTRACK_PRETRAINED_DIR", str(data / "weights" / "nanotrack"))
    return env


def run(cmd: list, env: dict) -> float:
    """Run a command from the repository root (output passes through); returns its wall time in seconds."""
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    start = time.perf_counter()
    subprocess.run([str(c) for c in cmd], cwd=REPO, env=env, check=True)
    return time.perf_counter() - start


def load_runs(study: Path) -> dict:
    """``{'<setting>/<seed>': {'run_dir', 'seconds'}}`` of the trained runs."""
    path = study / "runs.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def newest_run(study: Path, setting: str) -> Path:
    """The newest run folder of ``setting`` in the study workspace."""
    runs = sorted((study / "workspace" / "checkpoints" / "dctrack" / setting).glob("run_*"))
    if not runs:
        raise SystemExit(f"no run folder for {setting} under {study / 'workspace'}")
    return runs[-1]


def _train_command(args, setting: str, seed: int) -> list:
    cmd = [sys.executable, "ltr/run_training.py", "dctrack", setting, "--resume", "none", "--seed", str(seed)]
    return cmd + (["--set", *args.train_set] if args.train_set else [])


def stage_train(args, env: dict) -> None:
    """Train every setting x seed that runs.json does not have yet, ``--parallel`` runs at a time (each with
    ``2 / parallel`` torch threads: two single-threaded runs use a 2-core machine better than one with two)."""
    runs = load_runs(args.study)
    todo = [(s, seed) for s, seeds in args.runs.items() for seed in seeds if f"{s}/{seed}" not in runs]
    threads = max(1, (os.cpu_count() or 2) // args.parallel)
    run_env = dict(env, OMP_NUM_THREADS=str(threads))
    active: list = []
    while todo or active:
        while todo and len(active) < args.parallel:
            setting, seed = todo.pop(0)
            log_path = args.study / "logs" / f"train_{setting}_{seed}.log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            cmd = _train_command(args, setting, seed)
            print("+ " + " ".join(cmd) + f"  (log: {log_path})", flush=True)
            log = open(log_path, "w")
            active.append((setting, seed, subprocess.Popen(cmd, cwd=REPO, env=run_env, stdout=log, stderr=subprocess.STDOUT),
                           time.perf_counter(), log))
        time.sleep(5)
        for item in [a for a in active if a[2].poll() is not None]:
            setting, seed, proc, start, log = item
            active.remove(item)
            log.close()
            if proc.returncode != 0:
                raise SystemExit(f"training {setting} seed {seed} failed (exit {proc.returncode}); see its log")
            runs = load_runs(args.study)
            runs[f"{setting}/{seed}"] = {"run_dir": str(_run_of_seed(args.study, setting, seed)),
                                         "seconds": round(time.perf_counter() - start, 1), "threads": threads}
            atomic_write_text(args.study / "runs.json", json.dumps(runs, indent=1))
            print(f"{setting} seed {seed}: trained in {runs[f'{setting}/{seed}']['seconds'] / 60:.1f} min", flush=True)


def _run_of_seed(study: Path, setting: str, seed: int) -> Path:
    """The newest run folder of ``setting`` whose recorded config has ``seed``."""
    for run_dir in sorted((study / "workspace" / "checkpoints" / "dctrack" / setting).glob("run_*"), reverse=True):
        config = run_dir / "config.json"
        if config.is_file() and json.loads(config.read_text()).get("seed") == seed:
            return run_dir
    return newest_run(study, setting)


def _track(plugin: str, param: str, env: dict, extra: list) -> None:
    run([sys.executable, "pytracking/run_tracker.py", plugin, param, "--dataset", *DATASETS, "--threads", "2",
         "--torch-threads", "1", "--device", "cpu", *extra], env)


def stage_track(args, env: dict) -> None:
    """Track the held-out targets with every trained run, the prior checks and the nanotrack plugin."""
    runs = load_runs(args.study)
    for key, info in sorted(runs.items()):
        setting, seed = key.split("/")
        if setting not in args.runs:
            continue
        checkpoint = Path(info["run_dir"]) / "best.pth"
        base = ["--checkpoint", checkpoint, "--runid", seed]
        _track("dctrack", setting, env, base)
        for variant in (v for v, trained in TRACKER_VARIANTS.items() if trained == setting):
            _track("dctrack", variant, env, base)
        if setting == MAIN:
            for mode in PRIOR_CHECKS:
                _track("dctrack", setting, env, base + ["--set", f"prior_mode={mode}", "--results-dir",
                                                          args.study / f"results_{mode}"])
    for param in NANOTRACK_PARAMS:
        _track("nanotrack", param, env, [])


def stage_opencv(args, env: dict) -> None:
    """cv2.TrackerNano in this environment, CSRT in .venv-csrt (created when missing)."""
    out = args.study / "external"
    csrt_python = REPO / ".venv-csrt" / "bin" / "python"
    if not csrt_python.is_file():
        run([sys.executable, "-m", "venv", REPO / ".venv-csrt"], env)
        run([csrt_python, "-m", "pip", "install", "-q", "opencv-contrib-python", "numpy", "tqdm"], env)
    for dataset in DATASETS:
        run([sys.executable, "docs/study/opencv_trackers.py", "nano", "--dataset", dataset, "--out", out], env)
        run([csrt_python, "docs/study/opencv_trackers.py", "csrt", "--dataset", dataset, "--out", out], env)


# ---------------------------------------------------------------------------------------------- the table
def row_folders(args) -> dict:
    """Table rows: name -> (results root relative to the study, folder names of its runs)."""
    runs = load_runs(args.study)
    seeds = lambda setting: sorted(int(k.split("/")[1]) for k in runs if k.split("/")[0] == setting)  # noqa: E731
    rows = {"cv2.TrackerNano (ONNX)": ("external", ["nano"]), "OpenCV CSRT": ("external", ["csrt"]),
            "nanotrack plugin": ("results/nanotrack", ["default"]),
            "nanotrack plugin, exact": ("results/nanotrack", ["exact"])}
    for setting in args.runs:
        names = [f"{setting}_{s:03d}" for s in seeds(setting)]
        if names:
            rows[setting] = ("results/dctrack", names)
        for variant in (v for v, trained in TRACKER_VARIANTS.items() if trained == setting):
            rows[variant] = ("results/dctrack", [f"{variant}_{s:03d}" for s in seeds(setting)])
    if seeds(MAIN):
        for mode in PRIOR_CHECKS:
            rows[f"{MAIN}, prior {'zeroed' if mode == 'zero' else 'shifted'}"] = (
                f"results_{mode}/dctrack", [f"{MAIN}_{s:03d}" for s in seeds(MAIN)])
    return rows


def score_row(study: Path, root: str, folders: list, sequences: dict) -> dict:
    """Per run: {sequence: SequenceScores} over the held-out datasets, plus frames and seconds for FPS."""
    preset = metrics.get_preset("otb")
    runs = [{"scores": {}, "frames": 0, "seconds": 0.0} for _ in folders]
    for dataset, seqs in sequences.items():
        paths = [study / root / f / dataset for f in folders]
        if not all(p.is_dir() for p in paths):
            return {}
        report = evaluate_result_set(ResultSet(name=root, folders=paths), seqs, preset, "error")
        for run_acc, run_report in zip(runs, report.runs):
            if run_report.missing:
                return {}
            run_acc["scores"].update(run_report.sequences)
            for seq in seqs:
                times = np.loadtxt(run_report.folder / f"{seq.name}_time.txt", ndmin=1)
                run_acc["frames"] += len(times) - 1
                run_acc["seconds"] += float(times[1:].sum())
    return {"runs": runs}


def summarise(rows: dict) -> list:
    """Table lines: name, runs, AUC and P@20 (mean ± std over runs), FPS."""
    preset = metrics.get_preset("otb")
    lines = []
    for name, row in rows.items():
        auc = [metrics.aggregate(r["scores"].values(), preset).auc for r in row["runs"]]
        prec = [metrics.aggregate(r["scores"].values(), preset).precision for r in row["runs"]]
        fps = sum(r["frames"] for r in row["runs"]) / max(sum(r["seconds"] for r in row["runs"]), 1e-9)
        fmt = lambda v: f"{np.mean(v):.3f}" + (f" ± {np.std(v, ddof=1):.3f}" if len(v) > 1 else "")  # noqa: E731
        lines.append([name, str(len(auc)), fmt(auc), fmt(prec), f"{fps:.0f}"])
    return lines


def stage_table(args) -> str:
    """The study table and paired intervals, as Markdown-friendly text."""
    sequences = {d: load_dataset(d, evaluation_split(d)) for d in DATASETS}
    scored = {}
    for name, (root, folders) in row_folders(args).items():
        row = score_row(args.study, root, folders, sequences)
        if row:
            scored[name] = row
        else:
            print(f"(no complete results for '{name}': left out)")
    table = render_table(["tracker", "runs", "AUC", "P@20", "FPS"], summarise(scored))
    per_seq = {name: {s: [r["scores"][s].auc for r in row["runs"]] for s in row["runs"][0]["scores"]}
               for name, row in scored.items()}
    pairs = [(a, b) for a, b in ((MAIN, BASELINE), (MAIN, "nanotrack plugin"), (MAIN, "cv2.TrackerNano (ONNX)"),
                                 (BASELINE, "nanotrack plugin"))
             if a in per_seq and b in per_seq]
    pairs += [(s, BASELINE) for s in [*args.runs, *TRACKER_VARIANTS] if s not in (MAIN, BASELINE) and s in per_seq
              and BASELINE in per_seq]
    comparisons = [compare(a, per_seq[a], b, per_seq[b]) for a, b in pairs]
    text = (f"Mean over the {sum(len(s) for s in sequences.values())} held-out targets (OTB protocol); ± is the "
            f"standard deviation over training seeds.\n\n{table}\n\nPaired differences of success AUC (bootstrap "
            f"over sequences and seeds, 10000 resamples):\n\n{comparison_table(comparisons)}\n")
    per_seq_lines = [[s] + [f"{np.mean(per_seq[n][s]):.3f}" for n in per_seq] for s in sorted(per_seq[next(iter(per_seq))])]
    text += "\nPer sequence (success AUC, mean over seeds):\n\n" + render_table(["sequence", *per_seq], per_seq_lines) + "\n"
    atomic_write_text(args.study / "table.md", text)
    return text


def main(argv=None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--study", type=Path, default=REPO / "workspace" / "study_nano", help="study folder")
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data", help="the shared data folder")
    ap.add_argument("--runs", nargs="+", default=DEFAULT_RUNS, metavar="SETTING:SEEDS",
                    help="dctrack train settings and their seeds, e.g. cpu_nano:0,1,2 (default: %(default)s)")
    ap.add_argument("--stages", nargs="+", choices=STAGES, default=list(STAGES))
    ap.add_argument("--train-set", nargs="*", default=[], metavar="KEY=VALUE", help="--set overrides for training")
    ap.add_argument("--parallel", type=int, default=2, help="training runs at a time (default 2)")
    args = ap.parse_args(argv)
    args.runs = parse_runs(args.runs)
    args.study = args.study.resolve()
    args.study.mkdir(parents=True, exist_ok=True)
    env = data_environment(args.data.resolve(), args.study)
    os.environ.update({k: v for k, v in env.items() if k.startswith("DCTRACK_")})  # the table stage reads roots too
    if "train" in args.stages:
        stage_train(args, env)
    if "track" in args.stages:
        stage_track(args, env)
    if "opencv" in args.stages:
        stage_opencv(args, env)
    if "table" in args.stages:
        print(stage_table(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
