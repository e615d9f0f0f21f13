"""Run a tracker on evaluation datasets and print per-sequence success AUC.

    python pytracking/run_tracker.py dctrack default --dataset otb --threads 4
    python pytracking/run_tracker.py dctrack --dataset otb --sequence Couple --debug 2   # visdom live view

Results go to <results_dir>/<plugin>/<param>[_<runid>]/<dataset>/<seq>.txt with a manifest.json; finished
sequences are skipped, so re-running completes an interrupted run. Exit status: 0 when every sequence
succeeded, 1 when some failed (tracebacks in the summary), 2 for a usage or setup error.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional

from common.config import ConfigError
from common.datasets import DatasetError, evaluation_split
from common.plugins import PluginError
from pytracking.api import CheckpointNotFound
from pytracking.evaluation.manifest import ManifestMismatch
from pytracking.evaluation.runner import DatasetRef, evaluate
from pytracking.evaluation.summary import format_table, summary_rows


def parse_runid(text: str):
    """``auto`` or a non-negative integer."""
    if text == "auto":
        return "auto"
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"--runid must be a non-negative integer or 'auto', got '{text}'")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plugin", help="tracker plugin (a folder under plugins/ or on DCTRACK_PLUGIN_PATH)")
    p.add_argument("param", nargs="?", default="default", help="parameter file of the plugin (default: default)")
    p.add_argument("--dataset", nargs="+", default=["otb"], help="evaluation dataset(s) (default: otb)")
    p.add_argument("--split", default=None, help="dataset split (default: test, else val, else the first)")
    p.add_argument("--sequence", default=None, help="run only this sequence (name or index)")
    p.add_argument("--runid", type=parse_runid, default=None,
                   help="run id N (results in <param>_NNN) or 'auto' (a run with the same manifest, else a new id)")
    p.add_argument("--new-runid", action="store_true", help="always write to a new run id")
    p.add_argument("--threads", type=int, default=0, help="worker processes (0/1: run in this process)")
    p.add_argument("--torch-threads", type=int, default=1, help="torch threads per worker process (default 1)")
    p.add_argument("--debug", type=int, default=0,
                   help="visdom live view level 1-3 (runs sequentially; space pauses, right arrow steps)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a tracker parameter (e.g. --set precision=bfloat16); "
                        "recorded in the run's manifest, so use --runid auto to keep the plain run's results apart")
    p.add_argument("--checkpoint", default=None, help="network checkpoint (default: the one the parameters name)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--results-dir", default=None, help="override the results_dir setting")
    return p


def report_missing(report) -> None:
    """Print which listed sequences a partial dataset root does not hold (evaluation used those present)."""
    for name, missing in report.missing.items():
        if missing:
            shown = ", ".join(missing[:15]) + (f" ... ({len(missing)} in all)" if len(missing) > 15 else "")
            print(f"{name}: evaluated the {len(report.sequences.get(name, []))} sequences present; "
                  f"{len(missing)} listed sequences are missing from the root: {shown}")


def print_failures(failures: list) -> None:
    """The failed sequences with their tracebacks."""
    print(f"\n{len(failures)} sequence(s) FAILED:")
    for res in failures:
        print(f"--- {res.dataset}/{res.seq_name}\n{res.error.rstrip()}")


def main(argv: Optional[list] = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    try:
        from settings import load_settings

        results_root = Path(args.results_dir) if args.results_dir else Path(load_settings().results_dir)
        refs = [DatasetRef(name, evaluation_split(name, args.split)) for name in args.dataset]
        debug_factory = None
        if args.debug > 0:
            from pytracking.debug import make_debug_view

            debug_factory = lambda: make_debug_view(args.debug, env=f"{args.plugin}_{args.param}")  # noqa: E731
        report = evaluate(args.plugin, args.param, refs, results_root, selector=args.sequence, runid=args.runid,
                          new_runid=args.new_runid, threads=args.threads, torch_threads=args.torch_threads,
                          checkpoint=args.checkpoint, device=args.device, debug_factory=debug_factory,
                          overrides=args.overrides)
    except (CheckpointNotFound, ManifestMismatch, DatasetError, PluginError, ConfigError, KeyError, IndexError,
            ValueError, FileNotFoundError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return 2
    print(f"\nresults: {report.run_dir}" + (f" (rank {report.rank} of {report.world_size})" if report.world_size > 1 else ""))
    if report.rank == 0:
        report_missing(report)
        print(format_table(summary_rows(report.run_dir, report.sequences)))
    if report.failures:
        print_failures(report.failures)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
