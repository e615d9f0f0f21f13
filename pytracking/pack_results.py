"""Pack a run's results into the zip that the GOT-10k or TrackingNet evaluation server expects.

    python pytracking/pack_results.py got10k dctrack default --runid 3
    python pytracking/pack_results.py trackingnet dctrack default --out /tmp/trackingnet.zip --force

The sequence list comes from the dataset reader (test split) when its root is configured, else from the
result folder (with a warning: a missing sequence cannot be detected then). The zip is checked (every
sequence, one numeric line per frame) before it is written atomically; an existing zip is never
replaced without ``--force``. GOT-10k wants ``<seq>/<seq>_001.txt`` + ``<seq>/<seq>_time.txt``, TrackingNet
``<seq>.txt`` at the root; both servers read boxes 0-based like our result files. Exit status: 0 when
written, 2 when refused.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

from common.cli import run_main
from common.datasets import DatasetError, load_dataset
from pytracking.analysis.packing import PackError, get_format, pack
from pytracking.evaluation.results import run_dir
from settings import load_settings


def build_parser() -> argparse.ArgumentParser:
    """Command line of the packer."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("benchmark", choices=["got10k", "trackingnet"])
    p.add_argument("plugin")
    p.add_argument("param")
    p.add_argument("--runid", type=int, default=None, help="run id (folder <param>_<runid:03d>)")
    p.add_argument("--out", default=None, help="zip file (default: <results_dir>/submissions/<benchmark>_<plugin>_"
                                               "<param>[_<runid>].zip)")
    p.add_argument("--force", action="store_true", help="replace an existing zip")
    p.add_argument("--root", default=None, help="dataset root (default: the settings' <benchmark>_dir)")
    p.add_argument("--split", default="test", help="dataset split whose sequences must all be present (default test)")
    p.add_argument("--results-dir", default=None, help="override the results_dir setting")
    return p


def expected_sequences(benchmark: str, split: str, root: Optional[str], folder: Path) -> dict:
    """``{sequence: frame count}`` from the dataset reader, else ``{sequence: None}`` from the result folder."""
    try:
        sequences = load_dataset(benchmark, split, root)
        return {s.name: len(s) or None for s in sequences}
    except DatasetError as exc:
        names = sorted(p.stem for p in folder.glob("*.txt") if not p.stem.endswith(("_time", "_score")))
        print(f"warning: {exc}; packing the {len(names)} sequences found in {folder} (missing sequences cannot be "
              "detected)", file=sys.stderr)
        return {n: None for n in names}


def run(args) -> int:
    """Pack as asked; returns the exit status."""
    fmt = get_format(args.benchmark)
    results_root = Path(args.results_dir or load_settings().results_dir)
    directory = run_dir(results_root, args.plugin, args.param, args.runid)
    folder = directory / args.benchmark
    if not folder.is_dir():
        print(f"error: no {args.benchmark} results in {folder}", file=sys.stderr)
        return 2
    sequences = expected_sequences(args.benchmark, args.split, args.root, folder)
    if not sequences:
        print(f"error: no sequences to pack in {folder}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else results_root / "submissions" / f"{args.benchmark}_{args.plugin}_{directory.name}.zip"
    pack(fmt, folder, sequences, out, force=args.force)
    print(f"wrote {out}: {len(sequences)} sequences in the {args.benchmark} server layout")
    return 0


def main(argv=None) -> int:
    """Entry point."""
    return run_main(build_parser(), run, (PackError,), argv)


if __name__ == "__main__":
    sys.exit(main())
