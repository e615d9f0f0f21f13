"""Render sampled training samples as an image grid: one row per sample, one column per crop the plugin's
``debug_maps`` declare (with its boxes and batch map)."""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np
import torch

from common.geometry import Grid
from common.plugins import DebugPanel

GREEN, YELLOW, RED = (0, 220, 0), (255, 220, 0), (255, 40, 40)


def _image(t: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(t.clamp(0, 255).byte().permute(1, 2, 0).numpy())


def _draw_box(img: np.ndarray, box, color, thickness: int = 2) -> None:
    b = np.asarray(box, dtype=np.float64)
    if not np.isfinite(b).all() or b[2] <= 0 or b[3] <= 0:
        return
    cv2.rectangle(img, (int(round(b[0])), int(round(b[1]))), (int(round(b[0] + b[2])), int(round(b[1] + b[3]))),
                  color, thickness)


def map_to_crop(values: np.ndarray, grid: Grid, size: int) -> np.ndarray:
    """Upsample a grid map (S, S) to crop pixels (size, size), each cell placed at its centre (bilinear)."""
    s = grid.stride
    # crop pixel centre p + 0.5 = offset + stride * i  ->  i = (p + 0.5 - offset) / stride
    matrix = np.array([[1 / s, 0, (0.5 - grid.offset) / s], [0, 1 / s, (0.5 - grid.offset) / s]])
    return cv2.warpAffine(values.astype(np.float32), matrix, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _overlay(img: np.ndarray, heat: np.ndarray, color) -> np.ndarray:
    heat = np.clip(heat, 0, 1)[..., None]
    return (img * (1 - 0.5 * heat) + np.asarray(color, np.float64) * 0.5 * heat).astype(np.uint8)


def _panel_image(sample: dict, panel: DebugPanel, geometry, size: int) -> np.ndarray:
    """The panel's crop resized to ``size`` with its map overlaid (batch maps only) and its boxes drawn."""
    crop = _image(sample[panel.image])
    scale = size / crop.shape[0]
    img = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR) if crop.shape[0] != size else crop
    value = panel.map_value(sample, {}) if panel.map and panel.map.startswith("batch.") else None
    if isinstance(value, torch.Tensor):
        heat = value.float().numpy()
        heat = heat if heat.ndim == 2 else (np.abs(heat).max(axis=0) if heat.shape[0] > 1 else heat[0])
        heat = 1.0 / (1.0 + np.exp(-heat)) if panel.logits else heat
        img = _overlay(img, map_to_crop(heat, getattr(geometry, panel.grid), crop.shape[0]), RED)
        if crop.shape[0] != size:
            img = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)
    for key, color in zip(panel.boxes, (GREEN, YELLOW, RED)):
        if isinstance(sample.get(key), torch.Tensor) and sample[key].abs().sum() > 0:
            _draw_box(img, sample[key].numpy() * scale, color, 2 if color == GREEN else 1)
    return img


def render_sample(sample: dict, geometry, panels: Sequence[DebugPanel]) -> np.ndarray:
    """One row (RGB uint8): the declared panels that show a crop of the sample, side by side at the search size."""
    size = geometry.search_size
    columns = [_panel_image(sample, p, geometry, size) for p in panels if p.image and p.image in sample]
    if not columns:
        raise ValueError("the plugin's debug_maps name no crop of the sample: nothing to render")
    row = np.concatenate(columns, axis=1)
    label = "neg" if float(sample.get("is_negative", 0)) else "pos"
    label += "" if float(sample.get("cur_visible", 1)) else " absent"
    cv2.putText(row, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return row


def render_grid(samples: list[dict], geometry, panels: Sequence[DebugPanel], columns: int = 2) -> np.ndarray:
    """Rows of ``render_sample`` tiled ``columns`` wide (RGB uint8)."""
    rows = [render_sample(s, geometry, panels) for s in samples]
    if not rows:
        raise ValueError("no samples to render")
    blank = np.zeros_like(rows[0])
    while len(rows) % columns:
        rows.append(blank)
    lines = [np.concatenate(rows[i:i + columns], axis=1) for i in range(0, len(rows), columns)]
    return np.concatenate(lines, axis=0)
