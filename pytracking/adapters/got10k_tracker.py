"""Run a dctrack tracker inside the GOT-10k toolkit (``pip install got10k``).

    from got10k.experiments import ExperimentGOT10k
    from pytracking.adapters.got10k_tracker import Got10kTracker
    tracker = Got10kTracker.from_plugin("dctrack", "default")
    ExperimentGOT10k("/data/GOT-10k", subset="test").run(tracker)

The toolkit passes PIL images and boxes ``[x, y, w, h]`` straight from the dataset files, whose pixel
origin is 1 (its authors: "All coordinate values are 1-based"); the adapter converts to the toolkit's
internal 0-based convention on ``init`` and back on ``update`` (``one_based=False`` turns that off).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from common.boxes import from_one_based, to_one_based
from pytracking.tracker import check_output

try:  # subclass the toolkit's Tracker when it is installed, so isinstance checks and .track() work
    from got10k.trackers import Tracker as _Got10kBase
except ImportError:  # duck-typed otherwise: init(image, box) / update(image) -> box
    _Got10kBase = object


def to_rgb_array(image: Any) -> np.ndarray:
    """A PIL image (any mode) or an array as RGB uint8 HxWx3."""
    if hasattr(image, "convert"):
        image = image.convert("RGB")
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an RGB uint8 image, got dtype {arr.dtype} shape {arr.shape}")
    return np.ascontiguousarray(arr)


class Got10kTracker(_Got10kBase):
    """A ``got10k.trackers.Tracker`` wrapping a ``pytracking.tracker.Tracker``."""

    def __init__(self, tracker: Any, name: Optional[str] = None, one_based: bool = True,
                 is_deterministic: bool = True) -> None:
        name = name or getattr(tracker, "name", type(tracker).__name__)
        if _Got10kBase is object:
            self.name, self.is_deterministic = name, is_deterministic
        else:
            super().__init__(name=name, is_deterministic=is_deterministic)
        self.tracker = tracker
        self.one_based = one_based

    @classmethod
    def from_plugin(cls, plugin: str, param: str = "default", checkpoint: Optional[str] = None,
                    device: Optional[str] = None, name: Optional[str] = None, one_based: bool = True) -> "Got10kTracker":
        """Load ``plugin``/``param`` with ``pytracking.api.load_tracker`` and wrap it."""
        from pytracking.api import load_tracker

        return cls(load_tracker(plugin, param, checkpoint, device), name or f"{plugin}_{param}", one_based)

    def init(self, image: Any, box) -> None:
        """Start tracking ``box`` (toolkit convention) in the first frame."""
        box = np.asarray(box, dtype=np.float64).reshape(4)
        self.tracker.initialize(to_rgb_array(image), from_one_based(box) if self.one_based else box)

    def update(self, image: Any) -> np.ndarray:
        """The box (toolkit convention) in the next frame."""
        out = check_output(self.tracker.track(to_rgb_array(image)), self.name)
        box = np.asarray(out["box"], dtype=np.float64)
        return to_one_based(box) if self.one_based else box
