"""The online tracker seam: every plugin's tracker subclasses ``Tracker``.

Conventions (see docs/developing.md):

- ``image`` is an RGB uint8 ``HxWx3`` numpy array (``common.image_io.read_image`` gives one).
- ``box`` is float ``[x, y, w, h]`` in 0-based continuous pixel coordinates: ``x = 0`` is the left edge
  of the first pixel column and the centre is ``x + w / 2``.

``initialize(image, box)`` is called once on the first frame; ``track(image)`` once per later frame and
returns a dict with at least ``box`` (list of 4 floats), ``score`` (float) and ``present`` (bool). Any
other keys are debug maps (2-D or CxHxW arrays, named by the tracker) and ``crops``, shown by the visdom debug
view when present.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

REQUIRED_KEYS = ("box", "score", "present")


class TrackerOutputError(ValueError):
    """A tracker's ``track`` returned a malformed dict."""


class Tracker:
    """Base class of online trackers: holds ``params`` and ``network`` and its own per-sequence state."""

    def __init__(self, params: Any, network: Optional[Any] = None) -> None:
        self.params = params
        self.network = network

    @property
    def name(self) -> str:
        """Short name of the tracker (the class name unless a subclass overrides it)."""
        return type(self).__name__

    def initialize(self, image: np.ndarray, box) -> None:
        """Start tracking the object in ``box`` ([x, y, w, h] 0-based) of the RGB uint8 ``image``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement initialize(image, box)")

    def track(self, image: np.ndarray) -> dict:
        """Locate the object in the next RGB uint8 ``image``: ``{'box', 'score', 'present', ...debug}``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement track(image)")


def check_output(out: Any, tracker_name: str = "tracker") -> dict:
    """Validate and normalise a ``track`` result (box 4 floats, score float, present bool)."""
    if not isinstance(out, dict):
        raise TrackerOutputError(f"{tracker_name}.track returned {type(out).__name__}, expected a dict")
    missing = [k for k in REQUIRED_KEYS if k not in out]
    if missing:
        raise TrackerOutputError(f"{tracker_name}.track result lacks key(s) {missing}")
    box = np.asarray(out["box"], dtype=np.float64).reshape(-1)
    if box.shape != (4,):
        raise TrackerOutputError(f"{tracker_name}.track returned box of shape {box.shape}, expected 4 values")
    out = dict(out)
    out["box"] = [float(v) for v in box]
    out["score"] = float(out["score"])
    out["present"] = bool(out["present"])
    return out
