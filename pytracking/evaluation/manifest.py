"""The manifest of a result directory: what produced the results (plugin, parameters, checkpoint, code).

A run whose manifest differs from the one already in the directory (a changed checkpoint, changed
parameters) must not mix its results with the old ones: ``choose_run_dir`` refuses with the difference,
or picks another run id when asked.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any, Optional

from common.atomic import atomic_write_text
from common.config import is_config, to_dict
from pytracking.evaluation.results import run_dir, run_dir_name

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
DEBUG_DIR = "_debug"  # <results_root>/_debug/<plugin>/<param>: the scratch run of --debug
BOX_CONVENTION = "x,y,w,h float, 0-based continuous pixel coordinates (pixel column 0 spans [0,1))"
FORMAT_VERSION = 1
# Keys that must agree for results to be reused; git commit and date are recorded but only warned about.
IDENTITY_KEYS = ("format_version", "plugin", "param", "parameters", "checkpoint_sha256", "box_convention")
# Parameters that do not change the boxes: where the tracker runs and how much it shows.
NEUTRAL_PARAMETERS = ("parameters.device", "parameters.debug")
REPO_ROOT = Path(__file__).resolve().parents[2]


class ManifestMismatch(RuntimeError):
    """Results already in a directory were produced by something else than this run."""


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit(repo: Path = REPO_ROOT) -> Optional[str]:
    """The current git commit of the repository, or None when git is unavailable."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def params_to_dict(params: Any) -> Any:
    """Tracker parameters as JSON-able data (dataclass, plain object or dict)."""
    if is_config(params):
        return to_dict(params)
    if isinstance(params, dict):
        return to_dict(params)
    if hasattr(params, "__dict__"):
        return {k: to_dict(v) for k, v in sorted(vars(params).items()) if not k.startswith("_")}
    return repr(params)


def build_manifest(plugin: str, param: str, params: Any, checkpoint: Optional[str | Path]) -> dict:
    """The manifest of a run of ``plugin``/``param`` with ``checkpoint`` (None for parameter-free trackers)."""
    ckpt = Path(checkpoint).resolve() if checkpoint else None
    return {
        "format_version": FORMAT_VERSION,
        "plugin": plugin,
        "param": param,
        "parameters": json.loads(json.dumps(params_to_dict(params), default=repr)),
        "checkpoint": str(ckpt) if ckpt else None,
        "checkpoint_sha256": file_sha256(ckpt) if ckpt else None,
        "git_commit": git_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "box_convention": BOX_CONVENTION,
    }


def read_manifest(directory: str | Path) -> Optional[dict]:
    """The manifest of a result directory, or None when it has none."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ManifestMismatch(f"{path}: unreadable manifest ({exc}); move the directory away or pick another --runid") from None


def _flatten(data: Any, prefix: str = "") -> dict:
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def manifest_differences(old: dict, new: dict) -> list[str]:
    """Human-readable differences of the identity keys of two manifests (empty when they agree)."""
    a = {k: v for k, v in _flatten({k: old.get(k) for k in IDENTITY_KEYS}).items() if k not in NEUTRAL_PARAMETERS}
    b = {k: v for k, v in _flatten({k: new.get(k) for k in IDENTITY_KEYS}).items() if k not in NEUTRAL_PARAMETERS}
    return [f"  {key}: {a.get(key, '<absent>')!r} (existing) -> {b.get(key, '<absent>')!r} (this run)"
            for key in sorted(set(a) | set(b)) if a.get(key, "<absent>") != b.get(key, "<absent>")]


def _has_results(directory: Path) -> bool:
    return directory.is_dir() and any(p.suffix == ".txt" for p in directory.rglob("*.txt"))


def _accept(directory: Path, manifest: dict) -> Optional[list[str]]:
    """None when ``directory`` can hold this run (manifest written if absent), else the differences."""
    existing = read_manifest(directory)
    if existing is None:
        if _has_results(directory):
            return ["  the directory holds results but no manifest (made by an unknown run)"]
        try:
            atomic_write_text(directory / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                              overwrite=False)
            return None
        except FileExistsError:  # another rank or process wrote it meanwhile
            existing = read_manifest(directory)
    diffs = manifest_differences(existing, manifest)
    if not diffs and existing.get("git_commit") != manifest.get("git_commit"):
        log.warning("%s was produced at git commit %s, this run is at %s; reusing its finished sequences",
                    directory, existing.get("git_commit"), manifest.get("git_commit"))
    return diffs or None


def _run_ids(results_root: Path, plugin: str, param: str) -> list[int]:
    folder = results_root / plugin
    ids = []
    if folder.is_dir():
        for child in folder.iterdir():
            stem, _, tail = child.name.rpartition("_")
            if stem == param and tail.isdigit():
                ids.append(int(tail))
    return sorted(ids)


def choose_run_dir(results_root: str | Path, manifest: dict, runid: Optional[int | str] = None,
                   new_runid: bool = False) -> tuple[Path, Optional[int]]:
    """The result directory for this run: ``runid`` as given, ``'auto'`` (a matching one or a new id) or a new id.

    Raises ``ManifestMismatch`` showing the differences when the chosen directory holds another run.
    """
    root = Path(results_root)
    plugin, param = manifest["plugin"], manifest["param"]
    if new_runid or runid == "auto":
        candidates: list[Optional[int]] = [] if new_runid else [None, *_run_ids(root, plugin, param)]
        for cand in candidates:
            directory = run_dir(root, plugin, param, cand)
            if directory.exists() and _accept(directory, manifest) is None:
                return directory, cand
        ids = _run_ids(root, plugin, param)
        cand = (ids[-1] + 1) if ids else 1
        while True:
            directory = run_dir(root, plugin, param, cand)
            if not directory.exists() and _accept(directory, manifest) is None:
                return directory, cand
            cand += 1
    runid = None if runid is None else int(runid)
    directory = run_dir(root, plugin, param, runid)
    diffs = _accept(directory, manifest)
    if diffs:
        raise ManifestMismatch(
            f"{directory} holds results of a different run:\n" + "\n".join(diffs) +
            f"\nUse --runid auto (or --new-runid) to write to a new run directory, or move {directory} away."
            f" Old results are never mixed with new ones.")
    return directory, runid


def scratch_run_dir(results_root: str | Path, manifest: dict) -> Path:
    """``<results_root>/_debug/<plugin>/<param>``, emptied and holding this run's manifest: where a ``--debug``
    run writes, so it tracks every selected sequence and leaves the stored results alone."""
    directory = run_dir(Path(results_root) / DEBUG_DIR, manifest["plugin"], manifest["param"])
    if directory.is_dir():
        shutil.rmtree(directory)  # the previous debug run's scratch files, nothing else
    directory.mkdir(parents=True)
    atomic_write_text(directory / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    log.info("debug run: results go to the scratch folder %s (stored results are left untouched)", directory)
    return directory


__all__ = ["ManifestMismatch", "build_manifest", "choose_run_dir", "scratch_run_dir", "read_manifest",
           "manifest_differences", "file_sha256", "run_dir_name", "MANIFEST_NAME", "DEBUG_DIR", "BOX_CONVENTION"]
