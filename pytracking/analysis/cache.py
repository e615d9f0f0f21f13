"""Per-sequence scores cached as JSON under ``<workspace>/cache/analysis``.

The key is the sha256 of everything the scores depend on: the result file's bytes, the ground truth and
visibility arrays, the preset (all fields), the image size, the missing-frames policy, the box convention
and ``CACHE_VERSION`` (bumped when the metric code changes). A changed input gives a new key, so a cache
entry is never stale; deleting the folder only costs recomputation.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from common.atomic import atomic_write_text
from common.metrics import Preset, SequenceScores
from settings import load_settings

log = logging.getLogger(__name__)

CACHE_VERSION = "1"


def cache_dir() -> Path:
    """``<workspace_dir>/cache/analysis`` from the settings."""
    return Path(load_settings().workspace_dir) / "cache" / "analysis"


def score_key(result_bytes: bytes, gt: np.ndarray, visible: Optional[np.ndarray], preset: Preset,
              **extra) -> str:
    """sha256 over the result file, ground truth, visibility, preset and any extra options."""
    h = hashlib.sha256()
    h.update(CACHE_VERSION.encode())
    h.update(result_bytes)
    h.update(np.ascontiguousarray(gt, dtype=np.float64).tobytes())
    h.update(b"-" if visible is None else np.ascontiguousarray(visible, dtype=bool).tobytes())
    h.update(json.dumps(dataclasses.asdict(preset), sort_keys=True, default=str).encode())
    h.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return h.hexdigest()


class ScoreCache:
    """Get-or-compute of ``SequenceScores`` by key; ``enabled=False`` always computes."""

    def __init__(self, folder: Optional[Path] = None, enabled: bool = True) -> None:
        self.folder = Path(folder) if folder is not None else cache_dir()
        self.enabled = enabled
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, compute: Callable[[], SequenceScores]) -> SequenceScores:
        """The cached scores of ``key``, else ``compute()`` stored under it."""
        path = self._path(key)
        if self.enabled and path.is_file():
            try:
                scores = SequenceScores.from_dict(json.loads(path.read_text(encoding="utf-8")))
                self.hits += 1
                return scores
            except (json.JSONDecodeError, TypeError, KeyError, ValueError) as exc:
                log.warning("%s: unreadable cache entry (%s); recomputing", path, exc)
        scores = compute()
        self.misses += 1
        if self.enabled:
            atomic_write_text(path, json.dumps(scores.to_dict()))
        return scores


__all__ = ["CACHE_VERSION", "cache_dir", "score_key", "ScoreCache"]
