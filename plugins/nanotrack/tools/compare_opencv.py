"""Compare the toolkit's NanoTrack with cv2.TrackerNano on every shared annotated sequence, frame by frame.

    python plugins/nanotrack/tools/compare_opencv.py                      # all frames, parameters 'default'
    python plugins/nanotrack/tools/compare_opencv.py --max-frames 50 --set crop=exact --channel-order bgr

Prints per sequence the mean IoU between the two trackers' boxes (raw, and with our box reported as cv2 reports
its own: truncated to integers), each tracker's success AUC against the ground truth and the first frame where
the two choose different boxes (with our score margin there); then the totals over all frames.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Optional

import numpy as np

REPO = Path(__file__).resolve().parents[3]


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("param", nargs="?", default="default", help="nanotrack parameter file (default: default)")
    p.add_argument("--shared-data", default=os.environ.get("DCTRACK_SHARED_DATA", str(REPO.parent / "shared" / "data")))
    p.add_argument("--max-frames", type=int, default=None, help="compare only the first N frames of each sequence")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a tracker parameter of ours")
    p.add_argument("--channel-order", choices=("rgb", "bgr"), default="rgb",
                   help="frames given to cv2.TrackerNano (rgb: its network then sees BGR, as NanoTrack was trained)")
    p.add_argument("--threads", type=int, default=2, help="torch and OpenCV threads (default 2)")
    return p


def main(argv: Optional[list] = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    import cv2
    import torch

    from plugins.nanotrack.opencv_peer import OpenCVNanoTracker, onnx_folder
    from plugins.nanotrack.parity import shared_sequences, compare_sequence
    from pytracking.api import load_tracker

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    ours = load_tracker("nanotrack", args.param, overrides=["debug=1", *args.overrides])
    reference = OpenCVNanoTracker(onnx_folder(ours.params.weights), args.channel_order)
    pairs = shared_sequences(Path(args.shared_data))
    if not pairs:
        print(f"error: no shared sequences under {args.shared_data}", file=sys.stderr)
        return 2
    print(f"nanotrack/{args.param} {' '.join(args.overrides)} vs cv2.TrackerNano (frames given as {args.channel_order})")
    print(f"{'dataset/sequence':28s}{'frames':>7s}{'IoU raw':>9s}{'IoU rep':>9s}{'AUC ours':>10s}{'AUC cv2':>9s}"
          f"{'diverge':>9s}{'margin':>8s}")
    rows = []
    for dataset, seq in pairs:
        r = compare_sequence(seq, ours, reference, dataset, args.max_frames)
        rows.append(r)
        margin = "-" if r.margin_at_divergence is None else f"{r.margin_at_divergence:.3f}"
        print(f"{dataset + '/' + r.name:28s}{r.frames:7d}{r.raw_iou:9.4f}{r.reported_iou:9.4f}{r.auc_ours:10.4f}"
              f"{r.auc_opencv:9.4f}{str(r.first_divergence or '-'):>9s}{margin:>8s}")
    weights = np.array([r.frames - 1 for r in rows], dtype=np.float64)
    print(f"{'all frames':28s}{int(weights.sum()):7d}{np.average([r.raw_iou for r in rows], weights=weights):9.4f}"
          f"{np.average([r.reported_iou for r in rows], weights=weights):9.4f}"
          f"{np.mean([r.auc_ours for r in rows]):10.4f}{np.mean([r.auc_opencv for r in rows]):9.4f}")
    print("(IoU: mean over frames 1.. ; AUC: mean over sequences)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
