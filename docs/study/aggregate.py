"""Mean success AUC / P@20 / AO over the real_cpu held-out sequences, from ``pytracking/analyze.py --json`` files.

    .venv/bin/python docs/study/aggregate.py workspace/study/analysis/*.json [--markdown OUT.md]
    .venv/bin/python docs/study/aggregate.py --seeds workspace/study_v2 workspace/study_v2/seed1 [--markdown OUT.md]

With ``--seeds``, each folder is one training seed (its ``analysis/*.json``); a tracker's held-out mean is taken
per seed, then reported as mean +- sample standard deviation over the seeds it has (n).

Each JSON holds one dataset; a tracker's numbers are averaged over the held-out sequences of
``plugins.dctrack.train_settings.real_cpu.HELDOUT_SEQUENCES`` (sequence-weighted, as the OTB protocol), and
only trackers with a result on every held-out sequence are reported (others are listed as incomplete).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from common.atomic import atomic_write_text  # noqa: E402
from plugins.dctrack.train_settings.real_cpu import HELDOUT_SEQUENCES  # noqa: E402

METRICS = ("AUC", "P", "AO")


def collect(paths: list[Path]) -> dict[str, dict[str, dict]]:
    """tracker -> 'dataset/sequence' -> {AUC, P, AO} for the held-out sequences found in the JSON files."""
    table: dict[str, dict[str, dict]] = {}
    for path in paths:
        data = json.loads(path.read_text())
        wanted = HELDOUT_SEQUENCES.get(data["dataset"], [])
        for tracker, rep in data["trackers"].items():
            for seq, values in rep.get("per_sequence", {}).items():
                if seq in wanted:
                    table.setdefault(tracker, {})[f"{data['dataset']}/{seq}"] = values
    return table


def heldout_keys() -> list[str]:
    """'dataset/sequence' of every held-out sequence, in table order."""
    return [f"{d}/{s}" for d, seqs in HELDOUT_SEQUENCES.items() for s in seqs]


def heldout_means(table: dict[str, dict[str, dict]]) -> dict[str, dict[str, float]]:
    """tracker -> {metric: mean over the held-out sequences} for trackers complete on every held-out sequence."""
    keys = heldout_keys()
    return {tracker: {m: sum(per_seq[k][m] for k in keys) / len(keys) for m in METRICS}
            for tracker, per_seq in table.items() if all(k in per_seq for k in keys)}


def summarise(table: dict[str, dict[str, dict]]) -> tuple[list[str], list[str]]:
    """Markdown rows (tracker, mean metrics, per-sequence AUC) and the names of incomplete trackers."""
    keys = heldout_keys()
    header = "| tracker | AUC | P@20 | AO | " + " | ".join(k.split("/")[1] for k in keys) + " |"
    rows = [header, "|" + "---|" * (4 + len(keys))]
    means = heldout_means(table)
    for tracker in sorted(means):
        rows.append(f"| {tracker} | " + " | ".join(f"{means[tracker][m]:.3f}" for m in METRICS) + " | "
                    + " | ".join(f"{table[tracker][k]['AUC']:.3f}" for k in keys) + " |")
    return rows, sorted(t for t in table if t not in means)


def across_seeds(folders: list[Path]) -> list[str]:
    """Markdown rows: each tracker's held-out mean, as mean +- std over the seed folders (n seeds)."""
    per_seed = [heldout_means(collect(sorted((f / "analysis").glob("*.json")))) for f in folders]
    rows = ["| tracker | seeds | AUC | P@20 | AO | AUC per seed |", "|---|---|---|---|---|---|"]
    for tracker in sorted({t for seed in per_seed for t in seed}):
        values = [seed[tracker] for seed in per_seed if tracker in seed]
        cells = []
        for m in METRICS:
            v = np.array([x[m] for x in values])
            cells.append(f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" if len(v) > 1 else f"{v.mean():.3f}")
        rows.append(f"| {tracker} | {len(values)} | " + " | ".join(cells) + " | "
                    + ", ".join(f"{x['AUC']:.3f}" for x in values) + " |")
    return rows


def main() -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("json", nargs="*", type=Path)
    ap.add_argument("--seeds", nargs="+", type=Path, default=None, help="one study folder per training seed")
    ap.add_argument("--markdown", type=Path, default=None)
    args = ap.parse_args()
    if args.seeds:
        text = "\n".join(across_seeds(args.seeds)) + "\n"
        print(text, end="")
        if args.markdown:
            atomic_write_text(args.markdown, text)
        return 0
    if not args.json:
        ap.error("give analysis JSON files, or --seeds FOLDER ...")
    rows, incomplete = summarise(collect(args.json))
    text = "\n".join(rows) + "\n"
    print(text, end="")
    if incomplete:
        print(f"incomplete (not every held-out sequence has a result): {', '.join(incomplete)}")
    if args.markdown:
        atomic_write_text(args.markdown, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
