"""Geometry that a network declares: crop sizes, stride, and where each score / feature cell sits.

Processing (training targets and maps) and the online tracker read every size and offset from
here; nothing is hard-coded elsewhere. A cell ``i`` of a grid with ``offset`` o and ``stride`` s is
centred at crop pixel coordinate ``o + s * i`` in the 0-based continuous convention (pixel column
0 spans [0, 1)), so ``o`` already includes the half-pixel of the pixel-centre convention.
"""
from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Grid:
    """A square grid of cells over a crop: ``size`` cells, cell i centred at ``offset + stride * i``."""

    size: int
    stride: float
    offset: float

    def centers(self) -> np.ndarray:
        """Crop-pixel coordinate of each cell centre along one axis, shape (size,)."""
        return self.offset + self.stride * np.arange(self.size, dtype=np.float64)

    def cell_to_pixel(self, index):
        """Crop-pixel coordinate of (possibly fractional) cell ``index``."""
        return self.offset + self.stride * np.asarray(index, dtype=np.float64)

    def pixel_to_cell(self, pixel):
        """Fractional cell index of crop-pixel coordinate ``pixel``."""
        return (np.asarray(pixel, dtype=np.float64) - self.offset) / self.stride


@dataclasses.dataclass(frozen=True)
class Geometry:
    """Template and search crop sizes, the score / search-feature grids and the crop context of a network.

    ``context``: a ``w x h`` target's template crop has side ``common.crop.context_side(w, h, context)`` and the
    search crop that side times ``search_size / template_size``; training and tracking both read it from here.
    """

    template_size: int
    search_size: int
    score: Grid
    feature: Grid
    template_feature_size: int
    context: float = 0.5

    @property
    def stride(self) -> float:
        return self.score.stride
