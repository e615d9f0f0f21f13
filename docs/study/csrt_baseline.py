"""OpenCV CSRT on the toolkit's evaluation sequences, written in the toolkit's result layout.

Runs under a separate environment with opencv-contrib (the main venv has plain opencv-python, which lacks
CSRT); the repository's dataset readers are imported from the repo root, so boxes, frame lists and the
dataset roots (settings / DCTRACK_<NAME>_DIR) are exactly those the toolkit evaluates on.

    python3 -m venv .venv-csrt && .venv-csrt/bin/pip install opencv-contrib-python numpy tqdm
    .venv-csrt/bin/python docs/study/csrt_baseline.py --dataset otb --sequences Couple Crossing
    .venv/bin/python pytracking/analyze.py --dataset otb --external CSRT=workspace/results/csrt/default/otb@zero_based

Output: ``<results_dir>/csrt/default/<dataset>/<seq>.txt`` (``x,y,w,h`` 0-based, one line per frame, the first
line the initial box) and ``<seq>_time.txt`` (seconds per frame).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from common.atomic import atomic_write_text  # noqa: E402
from common.datasets import load_dataset  # noqa: E402


def track_sequence(seq) -> tuple[np.ndarray, np.ndarray]:
    """CSRT on one sequence: (N,4) 0-based xywh boxes (frame 0 = init box) and per-frame seconds."""
    n = len(seq.ground_truth) if seq.ground_truth is not None else len(seq)
    init = np.asarray(seq.init_box, dtype=np.float64)
    boxes = np.zeros((n, 4))
    boxes[0] = init
    times = np.zeros(n)
    tracker = cv2.TrackerCSRT_create()
    first = cv2.cvtColor(seq.frame(0), cv2.COLOR_RGB2BGR)
    t0 = time.perf_counter()
    tracker.init(first, tuple(int(round(v)) for v in init))
    times[0] = time.perf_counter() - t0
    last = init.copy()
    for i in range(1, n):
        frame = cv2.cvtColor(seq.frame(i), cv2.COLOR_RGB2BGR)
        t0 = time.perf_counter()
        ok, box = tracker.update(frame)
        times[i] = time.perf_counter() - t0
        if ok and box[2] > 0 and box[3] > 0:
            last = np.asarray(box, dtype=np.float64)
        boxes[i] = last  # on a failed update CSRT reports nothing: keep the last box
    return boxes, times


def main() -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", required=True, help="dataset registry name (otb, vot, uav123, dsst, ...)")
    ap.add_argument("--split", default=None)
    ap.add_argument("--sequences", nargs="*", default=None, help="only these sequence names (default: all)")
    ap.add_argument("--results-dir", default=None, help="default: the settings' results_dir")
    args = ap.parse_args()
    cv2.setNumThreads(1)
    if args.results_dir:
        results = Path(args.results_dir)
    else:
        from settings import load_settings

        results = Path(load_settings().results_dir)
    out = results / "csrt" / "default" / args.dataset
    sequences = load_dataset(args.dataset, args.split)
    if args.sequences:
        known = {s.name for s in sequences}
        unknown = sorted(set(args.sequences) - known)
        if unknown:
            print(f"unknown sequences in {args.dataset}: {unknown} (known: {sorted(known)})", file=sys.stderr)
            return 2
        sequences = [s for s in sequences if s.name in args.sequences]
    for seq in sequences:
        boxes, times = track_sequence(seq)
        atomic_write_text(out / f"{seq.name}.txt", "\n".join(",".join(f"{v:.2f}" for v in b) for b in boxes) + "\n")
        atomic_write_text(out / f"{seq.name}_time.txt", "\n".join(f"{t:.6f}" for t in times) + "\n")
        print(f"{args.dataset}/{seq.name}: {len(boxes)} frames, {len(boxes) / max(times.sum(), 1e-9):.1f} fps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
