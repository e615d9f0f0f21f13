"""Run a tracker on a video file, a folder of frames or a webcam.

    python pytracking/run_video.py dctrack default video.mp4 --box 120,80,40,60 --save-video out.mp4
    python pytracking/run_video.py dctrack frames/ --select --show          # draw the first box by hand
    python pytracking/run_video.py dctrack webcam:0 --select --show

The box is x,y,w,h in 0-based pixel coordinates (x = 0 is the left edge of the first column).
--save-txt writes one comma separated box per frame; both outputs are written atomically.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Optional

import cv2
import numpy as np

from common.atomic import atomic_write_text
from pytracking.api import load_tracker
from pytracking.debug.visdom_view import draw_boxes
from pytracking.evaluation.results import format_boxes
from pytracking.tracker import check_output
from pytracking.video_source import FrameSource, VideoSourceError
from pytracking.video_writer import AtomicVideoWriter


def parse_box(text: str) -> np.ndarray:
    """``x,y,w,h`` (positive width and height) as a float array."""
    try:
        values = [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--box must be x,y,w,h numbers, got '{text}'") from None
    if len(values) != 4 or values[2] <= 0 or values[3] <= 0 or not np.all(np.isfinite(values)):
        raise argparse.ArgumentTypeError(f"--box must be x,y,w,h with w, h > 0, got '{text}'")
    return np.asarray(values, dtype=np.float64)


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plugin", help="tracker plugin")
    p.add_argument("args", nargs="+", metavar="[param] source", help="optional parameter file, then a video file, "
                   "an image folder or webcam:N")
    first = p.add_mutually_exclusive_group(required=True)
    first.add_argument("--box", type=parse_box, help="initial box x,y,w,h (0-based)")
    first.add_argument("--select", action="store_true", help="draw the initial box on the first frame (needs a display)")
    p.add_argument("--save-txt", default=None, help="write the boxes (x,y,w,h per frame) to this file")
    p.add_argument("--save-video", default=None,
                   help="write the frames with boxes to this .mp4/.webm/.mkv/.avi file (.mp4: H.264, else VP9, when "
                        "OpenCV can write them, so browsers play it; the codec written is printed)")
    p.add_argument("--show", action="store_true", help="show the tracking live in a window (needs a display)")
    p.add_argument("--checkpoint", default=None, help="network checkpoint (default: the one the parameters name)")
    p.add_argument("--device", default=None, help="cpu or cuda")
    p.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    return p


def has_display() -> bool:
    """True when a GUI window can be opened (X11/Wayland on Linux; assumed elsewhere)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def select_box(frame: np.ndarray) -> np.ndarray:
    """Let the user drag the initial box on ``frame`` with cv2.selectROI."""
    if not has_display():
        raise RuntimeError("--select needs a display (no DISPLAY/WAYLAND_DISPLAY); pass --box x,y,w,h instead")
    x, y, w, h = cv2.selectROI("select the target, then ENTER", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), False)
    cv2.destroyAllWindows()
    if w <= 0 or h <= 0:
        raise RuntimeError("no box selected")
    return np.array([x, y, w, h], dtype=np.float64)


def track_video(tracker, source, init_box: Optional[np.ndarray], writer=None, show: bool = False) -> tuple:
    """Track every frame of ``source``: (boxes (N,4), seconds spent in the tracker)."""
    boxes, spent = [], 0.0
    for i, frame in enumerate(source):
        start = time.perf_counter()
        if i == 0:
            box = init_box if init_box is not None else select_box(frame)
            tracker.initialize(frame, box.copy())
            out = {"box": [float(v) for v in box]}
        else:
            out = check_output(tracker.track(frame), tracker.name)
        spent += time.perf_counter() - start
        boxes.append(out["box"])
        if writer is not None or show:
            canvas = draw_boxes(frame, out["box"], None)
            if writer is not None:
                writer.write(canvas)
            if show and _show(canvas):
                break
    return np.asarray(boxes, dtype=np.float64).reshape(-1, 4), spent


def _show(canvas: np.ndarray) -> bool:
    cv2.imshow("dctrack", cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
    return (cv2.waitKey(1) & 0xFF) in (ord("q"), 27)


def main(argv: Optional[list] = None) -> int:
    """Entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if len(args.args) > 2:
        parser.error("expected [param] source")
    param, source_spec = (args.args if len(args.args) == 2 else ["default", args.args[0]])
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if (args.show or args.select) and not has_display():
        print("error: --show/--select need a display (no DISPLAY/WAYLAND_DISPLAY); pass --box x,y,w,h", file=sys.stderr)
        return 2
    try:
        source = FrameSource(source_spec, args.max_frames)
        tracker = load_tracker(args.plugin, param, args.checkpoint, args.device)
        writer = AtomicVideoWriter(args.save_video, source.fps) if args.save_video else None
    except (VideoSourceError, FileNotFoundError, LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        boxes, spent = track_video(tracker, source, args.box, writer, args.show)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
        print(f"video with boxes: {args.save_video}: {writer.describe()}")
    if args.save_txt:
        atomic_write_text(args.save_txt, format_boxes(boxes))
        print(f"boxes: {args.save_txt}")
    print(f"{len(boxes)} frames of {source.name}, {len(boxes) / spent if spent > 0 else 0:.1f} fps (tracker only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
