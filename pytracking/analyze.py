"""Analyse tracking results: overall, per-sequence and per-attribute tables, success/precision plots.

    python pytracking/analyze.py --dataset otb --trackers dctrack/default dctrack/default_003
    python pytracking/analyze.py --dataset otb --root ../shared/data/benchmarks/otb100 \\
        --external MDNet=../shared/data/benchmarks/otb100/results/MDNet --missing repeat --report otb_published

``<plugin>/<param>`` averages all ``<param>_NNN`` run folders (mean ± std); ``<plugin>/<param>_NNN`` picks one.
``--external NAME=DIR[@one_based|@zero_based]`` adds raw results of other trackers, read in the dataset's
native convention unless stated. The preset (default: the dataset's) is printed with its rules. Plots go
to ``<results_dir>/plots/<report>/`` (PNG and PDF). Only annotations are read: no image is needed.
Exit status: 0 on success, 2 for a usage or data error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import metrics
from common.atomic import atomic_write_text
from common.cli import run_main
from common.datasets import DatasetError, evaluation_split, load_dataset
from common.metrics import MISSING_POLICIES, MetricError, PRESETS
from pytracking.analysis.cache import ScoreCache
from pytracking.analysis.evaluate import evaluate_result_set
from pytracking.analysis.paired import compare, comparison_table, run_scores
from pytracking.analysis.plots import report_plots
from pytracking.analysis.results import AnalysisError, parse_external, resolve_run
from pytracking.analysis.tables import attribute_table, json_ready, overall_table, report_dict, sequence_table
from settings import load_settings


def build_parser() -> argparse.ArgumentParser:
    """Command line of the analysis."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", required=True, help="dataset registry name (otb, lasot, got10k, uav123, nfs, ...)")
    p.add_argument("--split", default=None, help="dataset split (default: test, else val, else the first)")
    p.add_argument("--root", default=None, help="dataset root (default: the settings' <dataset>_dir)")
    p.add_argument("--trackers", nargs="*", action="extend", default=[],
                   help="<plugin>/<param>[_<runid>] result sets (the flag may repeat)")
    p.add_argument("--external", nargs="+", action="extend", default=[], metavar="NAME=DIR[@one_based|@zero_based]",
                   help="raw result folders of other trackers (<seq>.txt files); the flag may repeat")
    p.add_argument("--preset", choices=sorted(PRESETS), default=None, help="metric protocol (default: the dataset's)")
    p.add_argument("--missing", choices=MISSING_POLICIES, default="error",
                   help="result files with too few boxes: error (default), repeat the last box, or fail the frames")
    p.add_argument("--results-dir", default=None, help="override the results_dir setting")
    p.add_argument("--report", default=None, help="report name: plots go to <results_dir>/plots/<report>/")
    p.add_argument("--paired", nargs=2, action="append", default=[], metavar=("A", "B"),
                   help="paired comparison A - B of two analysed trackers: per-sequence AUC differences, their mean "
                        "and a bootstrap 95%% interval over sequences and run ids (repeat the flag for more pairs)")
    p.add_argument("--json", default=None, help="also write everything as JSON to this file")
    p.add_argument("--no-sequences", action="store_true", help="do not print the per-sequence table")
    p.add_argument("--no-plots", action="store_true", help="do not write plots")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the score cache")
    return p


def _result_sets(args, results_root: Path) -> list:
    sets = [resolve_run(results_root, spec, args.dataset) for spec in args.trackers]
    sets += [parse_external(spec, args.dataset) for spec in args.external]
    names = [s.name for s in sets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"tracker names given twice: {', '.join(duplicates)}")
    return sets


def _paired_comparisons(pairs: list, reports: list) -> list:
    """``--paired A B`` comparisons of the analysed trackers (names as in the overall table)."""
    by_name = {rep.name: rep for rep in reports}
    out = []
    for a, b in pairs:
        unknown = [n for n in (a, b) if n not in by_name]
        if unknown:
            raise ValueError(f"--paired: unknown tracker(s) {', '.join(unknown)}; analysed: {', '.join(by_name)}")
        out.append(compare(a, run_scores(by_name[a]), b, run_scores(by_name[b])))
    return out


def run(args) -> int:
    """Analyse as asked; returns the exit status."""
    settings = load_settings()
    results_root = Path(args.results_dir or settings.results_dir)
    if not args.trackers and not args.external:
        raise ValueError("nothing to analyse: give --trackers and/or --external")
    preset = metrics.get_preset(args.preset) if args.preset else metrics.preset_for_dataset(args.dataset)
    sets = _result_sets(args, results_root)
    args.split = evaluation_split(args.dataset, args.split)
    sequences = load_dataset(args.dataset, args.split, args.root)
    cache = ScoreCache(enabled=not args.no_cache)
    reports = [evaluate_result_set(s, sequences, preset, args.missing, cache) for s in sets]

    print(f"dataset {args.dataset}{' / ' + args.split if args.split else ''}: {len(sequences)} sequences")
    print(preset.summary())
    for rep in reports:
        for run_report in rep.runs:
            if run_report.missing:
                print(f"  {rep.name} ({run_report.folder}): {len(run_report.missing)} sequence(s) without results: "
                      f"{', '.join(run_report.missing[:10])}{' ...' if len(run_report.missing) > 10 else ''}")
    print("\n" + overall_table(reports))
    if not args.no_sequences:
        print("\nper sequence\n" + sequence_table(reports))
    attrs = attribute_table(reports)
    if attrs:
        print("\nper attribute (AUC)\n" + attrs)
    comparisons = _paired_comparisons(args.paired, reports)
    if comparisons:
        print("\npaired comparisons (bootstrap over sequences and run ids)\n" + comparison_table(comparisons))
    if not args.no_plots:
        report = args.report or "_".join([args.dataset] + [s.name.replace("/", "-") for s in sets])[:120]
        paths = report_plots(reports, preset, args.dataset, results_root / "plots" / report)
        print("\nplots: " + ", ".join(str(p) for p in paths))
    if args.json:
        data = report_dict(reports, preset, args.dataset)
        data["paired"] = [c.as_dict() for c in comparisons]
        atomic_write_text(args.json, json.dumps(json_ready(data), indent=1, allow_nan=False))  # strict: null, not NaN
        print(f"json: {args.json}")
    if cache.enabled:
        print(f"score cache: {cache.hits} hits, {cache.misses} computed ({cache.folder})")
    return 0


def main(argv=None) -> int:
    """Entry point."""
    return run_main(build_parser(), run, (AnalysisError, MetricError, DatasetError, ValueError, FileNotFoundError), argv)


if __name__ == "__main__":
    sys.exit(main())
