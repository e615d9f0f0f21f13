"""Small hand-made training batches with the docs' batch keys (independent of ltr.data) for network tests."""
from __future__ import annotations

import numpy as np
import torch

from common.geometry import Geometry, Grid


def _inside(grid: Grid, box: np.ndarray) -> np.ndarray:
    c = grid.centers()
    x1, y1, w, h = box
    ix = (c >= x1) & (c <= x1 + w)
    iy = (c >= y1) & (c <= y1 + h)
    return (iy[:, None] & ix[None, :]).astype(np.float32)


def _gaussian(grid: Grid, box: np.ndarray) -> np.ndarray:
    c = grid.centers()
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    sx, sy = max(box[2] / 4, 1.0), max(box[3] / 4, 1.0)
    return np.exp(-((c[None, :] - cx) ** 2 / (2 * sx ** 2) + (c[:, None] - cy) ** 2 / (2 * sy ** 2))).astype(np.float32)


def _prior(kind: str, grid: Grid, box: np.ndarray) -> np.ndarray:
    if kind == "direction":
        c = grid.centers()
        cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
        dx = np.broadcast_to(cx - c[None, :], (grid.size, grid.size))
        dy = np.broadcast_to(cy - c[:, None], (grid.size, grid.size))
        norm = np.maximum(np.hypot(dx, dy), 1e-6)
        return np.stack([dx / norm, dy / norm]).astype(np.float32)
    if kind == "box":
        return _inside(grid, box)[None]
    return _gaussian(grid, box)[None]


def _ltrb(grid: Grid, box: np.ndarray) -> np.ndarray:
    c = grid.centers()
    x1, y1, w, h = box
    full = (grid.size, grid.size)
    return np.stack([np.broadcast_to(c[None, :] - x1, full), np.broadcast_to(c[:, None] - y1, full),
                     np.broadcast_to(x1 + w - c[None, :], full), np.broadcast_to(y1 + h - c[:, None], full)]).astype(np.float32)


def fake_batch(geometry: Geometry, prior_kind: str = "gaussian", batch: int = 2, seed: int = 0,
               negatives: bool = True) -> dict:
    """A random batch: images of noise with a bright square target, boxes, priors and SiamFC++ targets."""
    rng = np.random.default_rng(seed)
    t, s = geometry.template_size, geometry.search_size
    out: dict[str, list] = {k: [] for k in ("template", "search_prev", "search_cur", "template_box", "prev_box",
                                            "prior_box", "prior_valid", "prior", "cur_prior", "cur_box", "cls_target",
                                            "ctr_target", "box_target", "is_negative", "cur_visible")}
    for i in range(batch):
        side = s / 4
        prev_box = np.array([s / 2 - side / 2 + rng.uniform(-8, 8), s / 2 - side / 2 + rng.uniform(-8, 8), side, side])
        cur_box = prev_box + np.array([rng.uniform(-12, 12), rng.uniform(-12, 12), 0, 0])
        negative = negatives and i == batch - 1 and batch > 1
        images = []
        for size, box in ((t, np.array([t / 4, t / 4, t / 2, t / 2])), (s, prev_box), (s, cur_box)):
            img = rng.uniform(0, 255, (3, size, size)).astype(np.float32)
            x1, y1, w, h = box.astype(int)
            img[:, y1:y1 + h, x1:x1 + w] = 230.0
            images.append(img)
        out["template"].append(images[0])
        out["search_prev"].append(images[1])
        out["search_cur"].append(images[2])
        out["template_box"].append(np.array([t / 4, t / 4, t / 2, t / 2], np.float32))
        out["prev_box"].append(prev_box.astype(np.float32))
        out["prior_box"].append(prev_box.astype(np.float32))
        out["cur_box"].append(cur_box.astype(np.float32))
        valid = 0.0 if i == 0 and batch > 2 else 1.0
        out["prior_valid"].append(np.float32(valid))
        out["prior"].append(_prior(prior_kind, geometry.feature, prev_box) * valid)
        out["cur_prior"].append(_prior(prior_kind, geometry.feature, cur_box))
        cls = _inside(geometry.score, cur_box) * (0.0 if negative else 1.0)
        out["cls_target"].append(cls)
        ltrb = _ltrb(geometry.score, cur_box)
        lr = np.minimum(ltrb[0], ltrb[2]) / np.maximum(np.maximum(ltrb[0], ltrb[2]), 1e-6)
        tb = np.minimum(ltrb[1], ltrb[3]) / np.maximum(np.maximum(ltrb[1], ltrb[3]), 1e-6)
        out["ctr_target"].append((np.sqrt(np.clip(lr * tb, 0, 1)) * cls).astype(np.float32))
        out["box_target"].append(ltrb)
        out["is_negative"].append(np.float32(negative))
        out["cur_visible"].append(np.float32(1.0))
    return {k: torch.from_numpy(np.stack(v)) for k, v in out.items()}


def tiny_config(setting: str):
    """Train config of ``setting`` with the model shrunk to the quick (tiny backbone) size, every switch kept
    (settings on the pretrained nanotrack base keep its fixed sizes, without loading its weights)."""
    from common.plugins import load_train_config
    from plugins.dctrack.train_settings.quick import quick_model

    cfg = load_train_config("dctrack", setting)
    if cfg.model.base == "nanotrack":
        cfg.model.base_weights = None
        return cfg
    return quick_model(cfg)
