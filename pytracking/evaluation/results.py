"""Result files of one tracker run: layout, safe names, atomic writing and reading.

Layout (docs/developing.md)::

    results_dir/<plugin>/<param>[_<runid:03d>]/manifest.json
    results_dir/<plugin>/<param>[_<runid:03d>]/<dataset>/<seq>.txt        x,y,w,h per frame (0-based)
    results_dir/<plugin>/<param>[_<runid:03d>]/<dataset>/<seq>_time.txt   seconds per frame
    results_dir/<plugin>/<param>[_<runid:03d>]/<dataset>/<seq>_score.txt  score,present per frame

Every file is written atomically; the box file is written last, so a sequence counts as done only when
all three files exist.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import numpy as np

from common.atomic import atomic_write_text

BOX_SUFFIX = ".txt"
TIME_SUFFIX = "_time.txt"
SCORE_SUFFIX = "_score.txt"
_BAD_CHARS = re.compile(r"[\x00-\x1f/\\:]")


class UnsafeNameError(ValueError):
    """A sequence, dataset or run name would make a result path leave the results directory."""


def check_name(name: str, what: str = "sequence name") -> str:
    """Return ``name`` when it is a safe single path component, else raise ``UnsafeNameError``."""
    if not isinstance(name, str) or not name.strip():
        raise UnsafeNameError(f"{what} {name!r} is empty")
    if name in (".", "..") or name.startswith("..") or _BAD_CHARS.search(name):
        raise UnsafeNameError(
            f"{what} {name!r} is not a safe file name (no '/', '\\', ':', control characters or leading '..')")
    return name


def run_dir_name(param: str, runid: Optional[int] = None) -> str:
    """``<param>`` or ``<param>_<runid:03d>``."""
    check_name(param, "parameter name")
    if runid is None:
        return param
    if int(runid) < 0:
        raise ValueError(f"run id must be >= 0, got {runid}")
    return f"{param}_{int(runid):03d}"


def run_dir(results_root: str | Path, plugin: str, param: str, runid: Optional[int] = None) -> Path:
    """The result directory of ``plugin``/``param`` (and run id) under ``results_root``."""
    check_name(plugin, "plugin name")
    return Path(results_root) / plugin / run_dir_name(param, runid)


def sequence_paths(run_directory: str | Path, dataset: str, seq_name: str) -> dict[str, Path]:
    """The three result files of one sequence, checked to lie inside ``run_directory``."""
    base = Path(run_directory)
    folder = base / check_name(dataset, "dataset name")
    stem = check_name(seq_name)
    paths = {"boxes": folder / f"{stem}{BOX_SUFFIX}", "times": folder / f"{stem}{TIME_SUFFIX}",
             "scores": folder / f"{stem}{SCORE_SUFFIX}"}
    root = base.resolve()
    for path in paths.values():
        if root not in path.resolve().parents:
            raise UnsafeNameError(f"result path {path} for sequence {seq_name!r} leaves {root}")
    return paths


def is_complete(run_directory: str | Path, dataset: str, seq_name: str) -> bool:
    """True when all three result files of the sequence exist."""
    return all(p.is_file() for p in sequence_paths(run_directory, dataset, seq_name).values())


def format_boxes(boxes: np.ndarray) -> str:
    """Boxes (N,4) as comma separated lines with 4 decimals (NaN written as ``nan``)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in boxes)


def write_sequence_results(run_directory: str | Path, dataset: str, seq_name: str, boxes: np.ndarray,
                           times: np.ndarray, scores: np.ndarray) -> Path:
    """Write the box, time and score files of one sequence atomically (box file last); returns the box file."""
    paths = sequence_paths(run_directory, dataset, seq_name)
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1, 2)
    if not len(boxes) == len(times) == len(scores):
        raise ValueError(f"{seq_name}: {len(boxes)} boxes, {len(times)} times and {len(scores)} scores differ")
    atomic_write_text(paths["times"], "".join(f"{t:.6f}\n" for t in times))
    atomic_write_text(paths["scores"], "".join(f"{s:.6f},{int(p)}\n" for s, p in scores))
    atomic_write_text(paths["boxes"], format_boxes(boxes))
    return paths["boxes"]


def _read_rows(path: Path, columns: int) -> np.ndarray:
    rows = []
    with open(path) as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            parts = line.replace("\t", ",").split(",")
            if len(parts) != columns:
                raise ValueError(f"{path}:{lineno}: expected {columns} comma separated values, got {len(parts)}")
            try:
                rows.append([float(p) for p in parts])
            except ValueError:
                raise ValueError(f"{path}:{lineno}: not a number in {line!r}") from None
    return np.asarray(rows, dtype=np.float64).reshape(-1, columns)


def read_boxes(path: str | Path) -> np.ndarray:
    """Read a ``<seq>.txt`` result file as an (N, 4) float array."""
    return _read_rows(Path(path), 4)


def read_sequence_results(run_directory: str | Path, dataset: str, seq_name: str) -> dict[str, np.ndarray]:
    """Read the boxes (N,4), times (N,) and scores (N,2) of one sequence."""
    paths = sequence_paths(run_directory, dataset, seq_name)
    return {"boxes": _read_rows(paths["boxes"], 4), "times": _read_rows(paths["times"], 1)[:, 0],
            "scores": _read_rows(paths["scores"], 2)}
