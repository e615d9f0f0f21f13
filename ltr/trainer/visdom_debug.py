"""Visdom pictures of one training sample (``--debug 2``): the panels the plugin declares
(``PluginSpec.debug_maps``): crops with their boxes (and the predicted box), maps from the batch or the network's
output. Only keys present in the batch / output are drawn; others are skipped.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import cv2
import numpy as np
import torch

from common.plugins import DebugPanel

BOX_COLORS = ((0, 255, 0), (255, 220, 0), (255, 0, 0))  # a panel's boxes in order: green, yellow, red
PREDICTION_COLOR = (0, 255, 255)


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


def _sigmoid(m: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-m))


def show_sample(viz: Any, batch: dict, output: dict, geometry: Any = None, index: int = 0,
                panels: Sequence[DebugPanel] = ()) -> int:
    """Draw sample ``index`` of ``batch``/``output`` as the ``panels`` say into visdom windows; returns how many
    windows were drawn."""
    drawn = 0

    def has(d: dict, key: Optional[str]) -> bool:
        return key is not None and isinstance(d.get(key), torch.Tensor) and d[key].shape[0] > index

    for panel in panels:
        title = panel.title or panel.name
        if has(batch, panel.image):
            img = _image(batch[panel.image][index])
            for key, color in zip(panel.boxes, BOX_COLORS):
                if has(batch, key):
                    _draw(img, batch[key][index], color)
            if panel.prediction and has(output, "cls") and has(output, "box"):
                box = predicted_box(output["cls"][index], output["box"][index], geometry)
                if box is not None:
                    _draw(img, box, PREDICTION_COLOR)
            viz.image(f"debug/{panel.image}", img, title)
            drawn += 1
        value = panel.map_value(batch, output)
        if isinstance(value, torch.Tensor) and value.shape[0] > index:
            m = _map(value[index])
            viz.heatmap(f"debug/{panel.map.split('.', 1)[1]}", _sigmoid(m) if panel.logits else m,
                        f"{title}: {panel.map}")
            drawn += 1
    return drawn
