"""Replay tracking results (and the ground truth) over a sequence's frames: in visdom, or into a video file.

    python pytracking/playback.py dctrack/default --dataset otb --sequence Couple --out couple.mp4
    python pytracking/playback.py dctrack/default_002 --dataset otb --sequence Couple --visdom --fps 10
    python pytracking/playback.py --dataset otb --sequence Couple --external MDNet=path/to/MDNet --out c.avi

Ground truth is drawn in green, trackers in the legend's colours. ``<plugin>/<param>`` with several run ids
replays the first (name one with ``<param>_NNN``). External result folders are read as in analyze.py.
Exit status: 0 when done, 2 for a usage or data error.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from common.cli import run_main
from common.datasets import DatasetError, load_dataset
from common.visdom_client import client_from_settings
from pytracking.analysis.render import draw_frame
from pytracking.analysis.results import AnalysisError, parse_external, read_boxes, resolve_run, sequence_key
from pytracking.video_writer import AtomicVideoWriter
from settings import load_settings


def build_parser() -> argparse.ArgumentParser:
    """Command line of the playback."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("trackers", nargs="*", help="<plugin>/<param>[_<runid>] result sets")
    p.add_argument("--dataset", required=True)
    p.add_argument("--split", default=None)
    p.add_argument("--root", default=None, help="dataset root (default: the settings' <dataset>_dir)")
    p.add_argument("--sequence", required=True, help="sequence name (case-insensitive)")
    p.add_argument("--external", nargs="*", default=[], metavar="NAME=DIR[@one_based|@zero_based]")
    out = p.add_mutually_exclusive_group(required=True)
    out.add_argument("--visdom", action="store_true", help="show the frames in visdom (settings visdom_host/port)")
    out.add_argument("--out", default=None, help="write a video file (.mp4 or .avi)")
    p.add_argument("--fps", type=float, default=None, help="frames per second (video default 25; visdom: as fast as "
                                                           "possible)")
    p.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    p.add_argument("--results-dir", default=None, help="override the results_dir setting")
    return p


def _find_sequence(sequences: list, name: str):
    by_key = {sequence_key(s.name): s for s in sequences}
    if sequence_key(name) not in by_key:
        close = [s.name for s in sequences if sequence_key(name)[:3] in sequence_key(s.name)][:8]
        raise AnalysisError(f"sequence '{name}' is not in the dataset{' (similar: ' + ', '.join(close) + ')' if close else ''}")
    return by_key[sequence_key(name)]


def load_tracks(args, sequence, results_root: Path) -> dict:
    """``{tracker name: boxes (N,4)}`` of the sequence from every result set."""
    sets = [resolve_run(results_root, spec, args.dataset) for spec in args.trackers]
    sets += [parse_external(spec, args.dataset) for spec in args.external]
    tracks = {}
    for result in sets:
        if len(result.folders) > 1:
            print(f"{result.name}: {len(result.folders)} run ids, replaying {result.folders[0]}")
        path = result.files(result.folders[0]).get(sequence_key(sequence.name))
        if path is None:
            raise AnalysisError(f"{result.name}: no result file for sequence '{sequence.name}' in {result.folders[0]}")
        tracks[result.name] = read_boxes(path, result.one_based)
    return tracks


def frames(sequence, tracks: dict, max_frames=None):
    """Yield (index, drawn RGB frame)."""
    gt = sequence.ground_truth
    count = len(sequence) if max_frames is None else min(len(sequence), max_frames)
    for i in range(count):
        boxes = {name: b[i] for name, b in tracks.items() if i < len(b)}
        yield i, draw_frame(sequence.frame(i), i, gt[i] if gt is not None and i < len(gt) else None, boxes)


def to_video(path: Path, sequence, tracks: dict, fps, max_frames) -> int:
    """Write the replay to a video file atomically; returns the frame count."""
    writer = AtomicVideoWriter(path, fps=fps)
    try:
        for _, rgb in frames(sequence, tracks, max_frames):
            writer.write(rgb)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return writer.frames


def to_visdom(sequence, tracks: dict, fps, max_frames) -> int:
    """Show the replay in visdom; returns the frame count (raises when no server answers)."""
    viz = client_from_settings(env="dctrack_playback", events=False)
    if not viz.available:
        raise ConnectionError("no visdom server answers (start one with: python -m pytracking.debug.visdom_server)")
    shown = 0
    for i, rgb in frames(sequence, tracks, max_frames):
        viz.image("playback", rgb, f"{sequence.name} #{i}")
        shown += 1
        if fps:
            time.sleep(1.0 / fps)
    return shown


def run(args) -> int:
    """Replay as asked; returns the exit status."""
    results_root = Path(args.results_dir or load_settings().results_dir)
    sequence = _find_sequence(load_dataset(args.dataset, args.split, args.root), args.sequence)
    tracks = load_tracks(args, sequence, results_root)
    if args.out:
        n = to_video(Path(args.out), sequence, tracks, args.fps, args.max_frames)
        print(f"wrote {args.out}: {n} frames of {sequence.name} ({', '.join(tracks) or 'ground truth only'})")
    else:
        n = to_visdom(sequence, tracks, args.fps, args.max_frames)
        print(f"showed {n} frames of {sequence.name} in visdom")
    return 0


def main(argv=None) -> int:
    """Entry point."""
    return run_main(build_parser(), run, (AnalysisError, DatasetError, ConnectionError, OSError, ValueError), argv)


if __name__ == "__main__":
    sys.exit(main())
