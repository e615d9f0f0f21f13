"""Run the GOT-10k toolkit's OTB experiment on a local OTB root, offline (``pip install got10k``).

    python -m pytracking.adapters.got10k_otb_local dctrack default --root ../shared/data/sequences/otb
    python -m pytracking.adapters.got10k_otb_local dctrack quick --root /data/OTB100 --sequences Couple David \\
        --max-frames 100 --baseline --out toolkit_otb

``got10k.experiments.ExperimentOTB(root, version=2015)`` always downloads the benchmark first (it hard-codes
``download=True``), which fails offline and on a root that holds only some sequences. Here the experiment reads
the sequences present in ``--root`` with this toolkit's OTB reader (the same frames and 1-based boxes the
toolkit's own reader gives) and runs its ``run`` and ``report`` unchanged: the numbers are the toolkit's.
Results go to ``<out>/results/OTB<version>/<tracker>/`` and reports to ``<out>/reports/OTB<version>/``.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np

from common.boxes import to_one_based

log = logging.getLogger(__name__)


class LocalOTB:
    """The got10k dataset interface over local sequences: ``seq_names``, ``len``, ``[i or name] -> (files, anno)``
    with ``anno`` the 1-based ``[x, y, w, h]`` boxes of the toolkit's convention."""

    def __init__(self, sequences: list, max_frames: Optional[int] = None) -> None:
        self.sequences = list(sequences)
        self.seq_names = [s.name for s in self.sequences]
        self.max_frames = max_frames

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: Any) -> tuple[list[str], np.ndarray]:
        if isinstance(index, str):
            if index not in self.seq_names:
                raise KeyError(f"no sequence '{index}' (have: {', '.join(self.seq_names)})")
            index = self.seq_names.index(index)
        if not 0 <= int(index) < len(self.sequences):
            raise IndexError(index)
        seq = self.sequences[int(index)]
        n = len(seq) if self.max_frames is None else min(len(seq), self.max_frames)
        files = [str(seq.frame_path(i)) for i in range(n)]
        if any(f == "None" for f in files):
            raise ValueError(f"sequence {seq.name}: frames are not files (the toolkit reads images from disk)")
        return files, to_one_based(np.asarray(seq.ground_truth, dtype=np.float64)[:n])


def local_experiment(root: str | Path, sequences: Optional[list] = None, version: int | str = 2015,
                     result_dir: str | Path = "results", report_dir: str | Path = "reports",
                     max_frames: Optional[int] = None) -> Any:
    """A ``got10k.experiments.ExperimentOTB`` over the sequences present in ``root`` (no download)."""
    from got10k.experiments import ExperimentOTB

    from common.datasets import load_dataset

    seqs = load_dataset("otb", None, str(root))
    if sequences:
        unknown = sorted(set(sequences) - {s.name for s in seqs})
        if unknown:
            raise KeyError(f"{root}: no sequence {', '.join(unknown)} (have: {', '.join(s.name for s in seqs)})")
        seqs = [s for s in seqs if s.name in set(sequences)]
    if not seqs:
        raise ValueError(f"{root}: no OTB sequence found")

    class LocalExperimentOTB(ExperimentOTB):
        """ExperimentOTB whose dataset is read locally instead of downloaded."""

        def __init__(self) -> None:  # noqa: D107 (ExperimentOTB.__init__ would download)
            self.dataset = LocalOTB(seqs, max_frames)
            self.result_dir = str(Path(result_dir) / f"OTB{version}")
            self.report_dir = str(Path(report_dir) / f"OTB{version}")
            self.nbins_iou, self.nbins_ce = 21, 51  # as ExperimentOTB

    return LocalExperimentOTB()


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plugin")
    p.add_argument("param", nargs="?", default="default")
    p.add_argument("--root", required=True,
                   help="local OTB root: a folder of sequence folders (img/, groundtruth_rect.txt)")
    p.add_argument("--sequences", nargs="+", default=None, help="only these sequences (default: all present)")
    p.add_argument("--max-frames", type=int, default=None, help="only the first N frames of each sequence")
    p.add_argument("--version", default="2015", help="the name the toolkit files results under (OTB<version>)")
    p.add_argument("--out", default="got10k_toolkit", help="folder for the toolkit's results/ and reports/")
    p.add_argument("--baseline", action="store_true", help="also run the toolkit's IdentityTracker (never moves)")
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--device", default=None)
    return p


def main(argv: Optional[list] = None) -> int:
    """Entry point: run and report; prints the toolkit's overall numbers per tracker."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        from got10k.trackers import IdentityTracker
    except ImportError:
        print("error: the GOT-10k toolkit is not installed: pip install got10k shapely fire wget", file=sys.stderr)
        return 2
    from common.checkpoint import CheckpointError
    from pytracking.adapters.got10k_tracker import Got10kTracker

    out = Path(args.out)
    try:
        exp = local_experiment(args.root, args.sequences, args.version, out / "results", out / "reports",
                               args.max_frames)
        trackers = [Got10kTracker.from_plugin(args.plugin, args.param, args.checkpoint, args.device)]
    except (KeyError, ValueError, FileNotFoundError, CheckpointError) as exc:
        print(f"error: {exc.args[0] if isinstance(exc, KeyError) else exc}", file=sys.stderr)
        return 2
    if args.baseline:
        trackers.append(IdentityTracker())
    for tracker in trackers:
        exp.run(tracker)
    performance = exp.report([t.name for t in trackers])
    for name, perf in performance.items():
        overall = perf["overall"]
        print(f"{name}: success {overall['success_score']:.3f}  precision {overall['precision_score']:.3f}  "
              f"success rate {overall['success_rate']:.3f}  ({len(exp.dataset)} sequences)")
    print(f"report: {Path(exp.report_dir) / trackers[0].name / 'performance.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
