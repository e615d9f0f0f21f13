"""Turn a sampled ``Triplet`` into one NanoTrack training sample: a template crop and a search crop with targets.

- template: ``context_side(w, h, geometry.context)`` around the (slightly jittered) template box, resized to 127;
- search: the current frame, centred where the tracker would centre it (a jittered previous box), side
  ``context_side * 255 / 127`` with log-normal scale jitter, resized to 255;
- targets on ``geometry.score`` (NanoTrack's ellipse labels): ``cls_target`` 1 at cells inside the ellipse of
  semi-axes (w/4, h/4) around the box centre, 0 outside the ellipse of semi-axes (w/2, h/2), -1 (ignored) between;
  for a negative pair 0 inside the small ellipse and -1 elsewhere (all 0 when the target is absent);
  ``box_target`` the l, t, r, b distances from every cell centre to the box sides (crop pixels).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from common.boxes import box_center
from common.crop import context_side
from common.geometry import Geometry, Grid
from ltr.data.config import DataConfig
from ltr.data.frames import FrameCropper
from ltr.data.processing import Jitter, box_tensor, check_triplet, image_tensor
from ltr.data.sampler import Triplet
from ltr.data.targets import siamfc_targets

BATCH_KEYS = ("template", "search", "cur_box", "cls_target", "box_target", "is_negative", "cur_visible")


IGNORE = -1.0


def ellipse_labels(box, grid: Grid, negative: bool) -> np.ndarray:
    """NanoTrack's (S,S) labels of a crop box: 1 inside the (w/4, h/4) ellipse, 0 outside the (w/2, h/2) one, -1
    between; a negative pair: 0 inside the small ellipse, -1 elsewhere; no box: all 0."""
    if box is None:
        return np.zeros((grid.size, grid.size), np.float32)
    c = grid.centers()
    x, y, w, h = (float(v) for v in box)
    dx, dy = (c[None, :] - (x + w / 2)) ** 2, (c[:, None] - (y + h / 2)) ** 2
    inner = dx / max(w / 4, 1e-6) ** 2 + dy / max(h / 4, 1e-6) ** 2 < 1
    if negative:
        return np.where(inner, 0.0, IGNORE).astype(np.float32)
    outer = dx / max(w / 2, 1e-6) ** 2 + dy / max(h / 2, 1e-6) ** 2 > 1
    return np.where(inner, 1.0, np.where(outer, 0.0, IGNORE)).astype(np.float32)


class NanoTrackProcessing:
    """``processing(triplet, rng, cropper) -> dict`` of tensors (``BATCH_KEYS``)."""

    def __init__(self, data: DataConfig, geometry: Geometry) -> None:
        self.data, self.noise, self.geometry = data, data.noise, geometry

    def __call__(self, triplet: Triplet, rng: np.random.Generator,
                 cropper: Optional[FrameCropper] = None) -> dict[str, torch.Tensor]:
        """One sample (see the module docstring)."""
        cropper = cropper or FrameCropper()
        g, nz = self.geometry, self.noise
        check_triplet(triplet)
        visible = bool(triplet.cur_visible)
        t_est = Jitter.draw(rng, nz.template_center_sigma, nz.template_scale_sigma).apply(triplet.template_box)
        template, _ = cropper.crop(triplet.template_seq, triplet.template_frame, box_center(t_est),
                                   context_side(t_est[2], t_est[3], g.context), g.template_size)
        s_est = Jitter.draw(rng, nz.search_center_sigma, nz.search_scale_sigma).apply(triplet.prev_box)
        side = context_side(s_est[2], s_est[3], g.context) * g.search_size / g.template_size
        search, transform = cropper.crop(triplet.seq, triplet.cur_frame, box_center(s_est), side, g.search_size)
        cur_box = transform.box_to_crop(triplet.cur_box) if visible else np.zeros(4)
        cls = ellipse_labels(cur_box if visible else None, g.score, bool(triplet.is_negative))
        _, _, ltrb = siamfc_targets(cur_box if visible else None, g.score)
        return {"template": image_tensor(template), "search": image_tensor(search), "cur_box": box_tensor(cur_box),
                "cls_target": torch.from_numpy(cls), "box_target": torch.from_numpy(ltrb),
                "is_negative": torch.tensor(float(triplet.is_negative)), "cur_visible": torch.tensor(float(visible))}


def build_processing(train_cfg, geometry: Geometry) -> NanoTrackProcessing:
    """``PluginSpec.build_processing``: the processing of a train config for a network geometry."""
    return NanoTrackProcessing(train_cfg.data, geometry)
