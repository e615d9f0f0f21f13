"""Visdom pictures of one training sample (``--debug 2``): template, previous crop with its prior, current crop
with ground truth and predicted box, warped prior, appearance-only and fused scores.

Only keys present in the batch / network output (docs/developing.md) are drawn; others are skipped.
"""
from __future__ import annotations

from typing import Any, Optional

import cv2
import numpy as np
import torch


def _image(t: torch.Tensor) -> np.ndarray:
    """3xHxW float 0-255 RGB tensor to HxWx3 uint8."""
    return np.ascontiguousarray(t.detach().float().clamp(0, 255).byte().permute(1, 2, 0).cpu().numpy())


def _map(t: torch.Tensor) -> np.ndarray:
    """A CxHxW or HxW map to one 2-D array (channel norm when several)."""
    a = t.detach().float().cpu()
    if a.ndim == 3:
        a = a[0] if a.shape[0] == 1 else a.norm(dim=0)
    return a.numpy()


def _draw(img: np.ndarray, box: Any, color: tuple[int, int, int]) -> np.ndarray:
    """Draw an ``[x, y, w, h]`` box (0-based continuous) on an RGB image."""
    x, y, w, h = [float(v) for v in box]
    if not np.all(np.isfinite([x, y, w, h])):
        return img
    cv2.rectangle(img, (int(round(x)), int(round(y))), (int(round(x + w)), int(round(y + h))), color, 1)
    return img


def predicted_box(cls: torch.Tensor, ltrb: torch.Tensor, geometry: Any) -> Optional[list[float]]:
    """Box at the highest-scoring cell of one sample's 1xSxS score and 4xSxS ltrb maps, in crop pixels."""
    if geometry is None:
        return None
    score = cls.detach().float().reshape(cls.shape[-2:])
    idx = int(torch.argmax(score))
    i, j = divmod(idx, score.shape[-1])
    l, t, r, b = [float(v) for v in ltrb.detach().float().reshape(4, *score.shape)[:, i, j]]
    cx, cy = float(geometry.score.cell_to_pixel(j)), float(geometry.score.cell_to_pixel(i))
    return [cx - l, cy - t, l + r, t + b]


def show_sample(viz: Any, batch: dict, output: dict, geometry: Any = None, index: int = 0) -> int:
    """Draw sample ``index`` of ``batch``/``output`` into visdom windows; returns how many windows were drawn."""
    drawn = 0

    def has(d: dict, key: str) -> bool:
        return isinstance(d.get(key), torch.Tensor) and d[key].shape[0] > index

    if has(batch, "template"):
        img = _image(batch["template"][index])
        if has(batch, "template_box"):
            _draw(img, batch["template_box"][index], (0, 255, 0))
        viz.image("debug/template", img, "template")
        drawn += 1
    if has(batch, "search_prev"):
        img = _image(batch["search_prev"][index])
        if has(batch, "prior_box"):
            _draw(img, batch["prior_box"][index], (255, 0, 0))
        viz.image("debug/search_prev", img, "previous crop (red: prior box)")
        drawn += 1
    if has(batch, "prior"):
        viz.heatmap("debug/prior", _map(batch["prior"][index]), "prior (previous crop)")
        drawn += 1
    if has(batch, "search_cur"):
        img = _image(batch["search_cur"][index])
        if has(batch, "cur_box"):
            _draw(img, batch["cur_box"][index], (0, 255, 0))
        if has(output, "cls") and has(output, "box"):
            box = predicted_box(output["cls"][index], output["box"][index], geometry)
            if box is not None:
                _draw(img, box, (255, 255, 0))
        viz.image("debug/search_cur", img, "current crop (green: ground truth, yellow: prediction)")
        drawn += 1
    for key, title in (("warped_prior", "warped prior"), ("cls_appearance", "appearance-only score"),
                       ("cls", "fused score")):
        if has(output, key):
            m = _map(output[key][index])
            if key.startswith("cls"):
                m = 1.0 / (1.0 + np.exp(-m))
            viz.heatmap(f"debug/{key}", m, title)
            drawn += 1
    return drawn
