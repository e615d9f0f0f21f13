"""OpenCV's trackers on the toolkit's evaluation sequences, written in the toolkit's result layout.

- ``nano``: ``cv2.TrackerNano`` with the published ONNX pair (``--weights``, default the shared weights folder);
  runs in the project's environment (opencv-python 5.0 has it).
- ``csrt``: ``cv2.TrackerCSRT``, which lives in opencv-contrib; that package cannot share an environment with
  opencv-python, so run it from a second one:
  ``python3 -m venv .venv-csrt && .venv-csrt/bin/pip install opencv-contrib-python numpy tqdm``.

The repository's dataset readers give the frames, boxes and roots (settings / ``DCTRACK_<NAME>_DIR``), so both
trackers see exactly what the toolkit evaluates on. Frames go to OpenCV in BGR; boxes are passed as OpenCV's
integer rectangles (the first frame's box rounded) and read back as given.

    .venv/bin/python docs/study/opencv_trackers.py nano --dataset otb --out workspace/study/external
    .venv-csrt/bin/python docs/study/opencv_trackers.py csrt --dataset otb --out workspace/study/external

Output: ``<out>/<tracker>/<dataset>/<seq>.txt`` (``x,y,w,h`` 0-based, one line per frame, the first line the
initial box) and ``<seq>_time.txt`` (seconds per frame, update calls only after the first).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the CSRT environment does not have the project installed
    sys.path.insert(0, str(REPO))

from common.atomic import atomic_write_text  # noqa: E402
from common.datasets import evaluation_split, load_dataset  # noqa: E402

DEFAULT_WEIGHTS = REPO.parent / "shared" / "data" / "weights" / "nanotrack"


def make_tracker(name: str, weights: Path):
    """A fresh OpenCV tracker ``name`` (nano | csrt)."""
    if name == "csrt":
        if not hasattr(cv2, "TrackerCSRT_create"):
            raise SystemExit("this OpenCV has no TrackerCSRT (it is in opencv-contrib-python): run the csrt tracker "
                             "from a second environment, see this script's docstring")
        return cv2.TrackerCSRT_create()
    params = cv2.TrackerNano_Params()
    params.backbone = str(weights / "nanotrack_backbone_sim.onnx")
    params.neckhead = str(weights / "nanotrack_head_sim.onnx")
    for path in (params.backbone, params.neckhead):
        if not Path(path).is_file():
            raise SystemExit(f"{path} does not exist (give --weights FOLDER with the NanoTrack ONNX pair)")
    return cv2.TrackerNano_create(params)


def track_sequence(name: str, seq, weights: Path) -> tuple[np.ndarray, np.ndarray]:
    """One OpenCV tracker on one sequence: (N,4) 0-based xywh boxes (frame 0 = init box) and per-frame seconds."""
    n = len(seq.ground_truth) if seq.ground_truth is not None else len(seq)
    init = np.asarray(seq.init_box, dtype=np.float64)
    boxes, times = np.zeros((n, 4)), np.zeros(n)
    boxes[0] = init
    tracker = make_tracker(name, weights)
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
        boxes[i] = last  # a failed update reports no box: keep the last one
    return boxes, times


def write_results(folder: Path, seq_name: str, boxes: np.ndarray, times: np.ndarray) -> None:
    """``<seq>.txt`` and ``<seq>_time.txt`` in the toolkit's result layout (atomic writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / f"{seq_name}.txt", "".join(",".join(f"{v:.4f}" for v in b) + "\n" for b in boxes))
    atomic_write_text(folder / f"{seq_name}_time.txt", "".join(f"{t:.6f}\n" for t in times))


def main(argv=None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tracker", choices=("nano", "csrt"))
    ap.add_argument("--dataset", required=True, help="dataset registry name (otb, vot, uav123, dsst, ...)")
    ap.add_argument("--split", default=None)
    ap.add_argument("--sequences", nargs="*", default=None, help="only these sequence names (default: all)")
    ap.add_argument("--out", required=True, help="results root: <out>/<tracker>/<dataset>/<seq>.txt")
    ap.add_argument("--weights", default=str(DEFAULT_WEIGHTS), help="folder of the NanoTrack ONNX pair")
    ap.add_argument("--threads", type=int, default=2, help="cv2.setNumThreads (default 2)")
    args = ap.parse_args(argv)
    cv2.setNumThreads(args.threads)
    sequences = load_dataset(args.dataset, evaluation_split(args.dataset, args.split))
    if args.sequences:
        sequences = [s for s in sequences if s.name in set(args.sequences)]
    folder = Path(args.out) / args.tracker / args.dataset
    for seq in sequences:
        boxes, times = track_sequence(args.tracker, seq, Path(args.weights))
        write_results(folder, seq.name, boxes, times)
        print(f"{args.tracker} {args.dataset}/{seq.name}: {len(boxes)} frames, "
              f"{1.0 / max(float(np.median(times[1:])), 1e-9):.0f} FPS (median update)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
