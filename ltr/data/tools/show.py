"""Render sampled training triplets as an image grid: template | previous crop (+prior) | current crop (+cls target)."""
from __future__ import annotations

import cv2
import numpy as np
import torch

from common.geometry import Grid

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


def render_sample(sample: dict, geometry) -> np.ndarray:
    """One row (RGB uint8): template, previous crop with prev box / prior box / prior map, current crop with its box
    and the cls target."""
    size = geometry.search_size
    template = cv2.resize(_image(sample["template"]), (size, size), interpolation=cv2.INTER_LINEAR)
    _draw_box(template, np.asarray(sample["template_box"]) * size / geometry.template_size, GREEN)
    prev = _image(sample["search_prev"])
    prior = sample["prior"].numpy()
    prior_heat = np.abs(prior).max(axis=0) if prior.shape[0] > 1 else prior[0]
    prev = _overlay(prev, map_to_crop(prior_heat, geometry.feature, size), YELLOW)
    _draw_box(prev, sample["prev_box"].numpy(), GREEN)
    if float(sample["prior_valid"]) > 0:
        _draw_box(prev, sample["prior_box"].numpy(), YELLOW, 1)
    cur = _image(sample["search_cur"])
    cur = _overlay(cur, map_to_crop(sample["cls_target"].numpy(), geometry.score, size), RED)
    if float(sample["cur_visible"]) > 0:
        _draw_box(cur, sample["cur_box"].numpy(), GREEN)
    row = np.concatenate([template, prev, cur], axis=1)
    label = "neg" if float(sample["is_negative"]) else "pos"
    label += "" if float(sample["prior_valid"]) else " no-prior"
    label += "" if float(sample["cur_visible"]) else " absent"
    cv2.putText(row, label, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return row


def render_grid(samples: list[dict], geometry, columns: int = 2) -> np.ndarray:
    """Rows of ``render_sample`` tiled ``columns`` wide (RGB uint8)."""
    rows = [render_sample(s, geometry) for s in samples]
    if not rows:
        raise ValueError("no samples to render")
    blank = np.zeros_like(rows[0])
    while len(rows) % columns:
        rows.append(blank)
    lines = [np.concatenate(rows[i:i + columns], axis=1) for i in range(0, len(rows), columns)]
    return np.concatenate(lines, axis=0)
