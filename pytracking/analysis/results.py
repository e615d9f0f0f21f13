"""Result sets to analyse: our own runs (``<plugin>/<param>[_<runid>]``) and external raw result folders.

Own runs live in ``results_dir/<plugin>/<param>[_<runid:03d>]/<dataset>/<seq>.txt`` (0-based boxes). A spec
``plugin/param`` selects every ``param_NNN`` run folder (and ``param`` itself) holding the dataset;
``plugin/param_007`` selects that run only.

External results (``--external NAME=DIR``) are folders of ``<seq>.txt`` files as other toolkits publish them:
delimiters (comma, tab, spaces) are detected, names are matched case-insensitively with ``-``, ``_`` and
``.`` treated alike, and boxes are read in the dataset's native convention (1-based for OTB, UAV123,
LaSOT, VOT, DSST and generic folders; 0-based for GOT-10k, TrackingNet and NfS) unless the spec says
otherwise: ``NAME=DIR@one_based`` or ``NAME=DIR@zero_based``.
"""
from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path
from typing import Optional

import numpy as np

from common.annotations import AnnotationError, load_boxes

log = logging.getLogger(__name__)

ONE_BASED_DATASETS = frozenset({"otb", "uav123", "uav20l", "lasot", "vot", "dsst", "generic"})
_RUN_SUFFIX = re.compile(r"^(?P<param>.+)_(?P<runid>\d{3,})$")
CONVENTIONS = {"one_based": True, "zero_based": False}


class AnalysisError(ValueError):
    """A result set that cannot be analysed; the message names the folder, file and counts."""


def sequence_key(name: str) -> str:
    """Case- and separator-insensitive key of a sequence or file name (``Human4-2`` == ``human4_2``)."""
    return re.sub(r"[-_.\s]", "_", name.strip().lower())


@dataclasses.dataclass
class ResultSet:
    """One tracker's results on one dataset: one folder per run id, files ``<seq>.txt`` (+ ``_time.txt``)."""

    name: str
    folders: list
    one_based: bool = False
    external: bool = False

    def files(self, folder: Path) -> dict:
        """``{sequence key: box file}`` of one run folder (time and score files excluded)."""
        out = {}
        for path in sorted(Path(folder).glob("*.txt")):
            if path.stem.endswith(("_time", "_score")):
                continue
            out[sequence_key(path.stem)] = path
        return out


def _run_folders(plugin_dir: Path, param: str, dataset: str) -> list[Path]:
    exact = plugin_dir / param
    if _RUN_SUFFIX.match(param) and (exact / dataset).is_dir():
        return [exact / dataset]
    found = [exact / dataset] if (exact / dataset).is_dir() else []
    for folder in sorted(plugin_dir.glob(f"{param}_*")):
        match = _RUN_SUFFIX.match(folder.name)
        if match and match.group("param") == param and (folder / dataset).is_dir():
            found.append(folder / dataset)
    return found


def resolve_run(results_root: str | Path, spec: str, dataset: str) -> ResultSet:
    """The result set of ``plugin/param[_runid]`` on ``dataset`` (all run ids of ``param`` unless one is named)."""
    parts = spec.strip("/").split("/")
    if len(parts) != 2 or not all(parts):
        raise AnalysisError(f"tracker '{spec}': expected <plugin>/<param> or <plugin>/<param>_<runid>")
    plugin, param = parts
    plugin_dir = Path(results_root) / plugin
    folders = _run_folders(plugin_dir, param, dataset)
    if not folders:
        have = sorted(p.name for p in plugin_dir.iterdir()) if plugin_dir.is_dir() else []
        raise AnalysisError(f"tracker '{spec}': no results for dataset '{dataset}' under {plugin_dir} "
                            f"(run folders there: {', '.join(have) or 'none'})")
    return ResultSet(name=spec, folders=folders)


def parse_external(text: str, dataset: str) -> ResultSet:
    """``NAME=DIR[@one_based|@zero_based]`` -> a ResultSet (convention default: the dataset's native one)."""
    if "=" not in text:
        raise AnalysisError(f"--external '{text}': expected NAME=DIR[@one_based|@zero_based]")
    name, location = text.split("=", 1)
    one_based = dataset in ONE_BASED_DATASETS
    if "@" in location:
        location, convention = location.rsplit("@", 1)
        if convention not in CONVENTIONS:
            raise AnalysisError(f"--external '{text}': convention must be one_based or zero_based, got '{convention}'")
        one_based = CONVENTIONS[convention]
    folder = Path(location).expanduser()
    if not name.strip():
        raise AnalysisError(f"--external '{text}': empty name")
    if not folder.is_dir():
        raise AnalysisError(f"--external {name}: {folder} is not a folder")
    if (folder / dataset).is_dir() and not any(folder.glob("*.txt")):
        folder = folder / dataset
    return ResultSet(name=name.strip(), folders=[folder], one_based=one_based, external=True)


def read_boxes(path: Path, one_based: bool) -> np.ndarray:
    """Boxes of a result file in the toolkit convention (delimiters detected; NaN rows kept)."""
    try:
        return load_boxes(path, one_based=one_based)
    except AnnotationError as exc:
        raise AnalysisError(str(exc)) from None


def read_times(box_file: Path) -> Optional[np.ndarray]:
    """Seconds per frame from ``<seq>_time.txt`` beside a box file, or None when there is none."""
    path = box_file.with_name(f"{box_file.stem}_time.txt")
    if not path.is_file():
        return None
    values = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for token in re.split(r"[\s,;]+", line.strip()):
            if not token:
                continue
            try:
                values.append(float(token))
            except ValueError:
                raise AnalysisError(f"{path}:{lineno}: '{token}' is not a number") from None
    return np.asarray(values, dtype=np.float64)


def check_length(path: Path, boxes: np.ndarray, num_frames: int, sequence: str, missing: str) -> None:
    """Raise a clear error when a result file has fewer boxes than the sequence has frames."""
    if len(boxes) < num_frames and missing == "error":
        raise AnalysisError(f"{path}: {len(boxes)} boxes for the {num_frames} frames of sequence '{sequence}' "
                            "(re-run the sequence, or score it with --missing repeat|fail)")
    if len(boxes) > num_frames:
        log.warning("%s: %d boxes for %d frames of '%s': the extra boxes are ignored", path, len(boxes), num_frames,
                    sequence)


__all__ = ["AnalysisError", "ResultSet", "ONE_BASED_DATASETS", "sequence_key", "resolve_run", "parse_external",
           "read_boxes", "read_times", "check_length"]
