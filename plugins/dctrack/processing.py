"""Turn a ``Triplet`` into one training sample: three crops placed as the tracker would place them, a corrupted
previous-frame prior, and SiamFC++ targets. All sizes come from the network's ``Geometry``.

- template: ``context_side(w, h, geometry.context)`` around the (slightly jittered) template box, resized to
  ``geometry.template_size``;
- previous search crop: centred on a noisy estimate of the box one step before the previous frame (where the
  tracker centred it), side ``context_side * search_size / template_size`` with log-normal scale jitter;
- current search crop: centred on a noisy estimate of the previous box (never on the current ground truth);
- prior: the previous ground truth with centre/scale noise, sometimes on a wrong location of similar size,
  sometimes dropped (``prior_valid`` 0), rendered by ``priors.render_prior(model.prior_kind, ...)`` on
  ``geometry.feature``; ``cur_prior`` is the current ground truth rendered the same way;
- targets: ``targets.siamfc_targets`` of the current box on ``geometry.score`` (zeros for negatives / absent);
- unlabeled triplets (``labeled`` 0): crops around the sampler's pseudo box, no prior, zero targets.

``PriorNoiseConfig.exact()`` switches every noise off (crops centred on the ground truth, exact prior): the seed's
original setting. The output dict holds exactly the keys of docs/developing.md ("Training batch"), plus
``search_prev_clean`` / ``search_cur_clean`` when ``augment.simclr.enabled``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from common.boxes import box_center
from common.crop import context_side
from common.geometry import Geometry
from ltr.data import augment as aug
from ltr.data.frames import FrameCropper
from ltr.data.processing import Jitter, box_tensor, check_box, image_tensor
from ltr.data.sampler import Triplet
from ltr.data.targets import siamfc_targets
from plugins.dctrack.data_config import DCTrackDataConfig
from plugins.dctrack.priors import PRIOR_KINDS, render_prior

BATCH_KEYS = ("template", "search_prev", "search_cur", "template_box", "prev_box", "prior_box", "prior_valid",
              "prior", "cur_prior", "cur_box", "cls_target", "ctr_target", "box_target", "is_negative", "cur_visible",
              "labeled")


class TrackingProcessing:
    """``processing(triplet, rng) -> dict`` of tensors (see the module docstring)."""

    def __init__(self, data: DCTrackDataConfig, geometry: Geometry, prior_kind: str) -> None:
        if prior_kind not in PRIOR_KINDS:
            raise ValueError(f"prior kind must be one of {PRIOR_KINDS}, got '{prior_kind}'")
        self.cfg, self.prior_kind = data, prior_kind
        self.noise = data.noise
        self.augment = data.augment
        self.geometry = geometry

    @property
    def search_factor(self) -> float:
        return self.geometry.search_size / self.geometry.template_size

    def __call__(self, triplet: Triplet, rng: np.random.Generator,
                 cropper: Optional[FrameCropper] = None) -> dict[str, torch.Tensor]:
        """Process one triplet into the batch dict of docs/developing.md."""
        cropper = cropper or FrameCropper()
        g, nz = self.geometry, self.noise
        check_box(triplet.template_box, "template", triplet)
        check_box(triplet.prev_box, "previous", triplet)
        if triplet.cur_visible:
            check_box(triplet.cur_box, "current", triplet)
        exact = triplet.first_frame

        # template crop
        t_est = Jitter.draw(rng, nz.template_center_sigma, nz.template_scale_sigma).apply(triplet.template_box)
        template, t_tf = cropper.crop(triplet.template_seq, triplet.template_frame, box_center(t_est),
                                      context_side(t_est[2], t_est[3], g.context), g.template_size)

        # search crops: where the tracker would centre them
        j_prev = Jitter() if exact else Jitter.draw(rng, nz.search_center_sigma, nz.search_scale_sigma)
        j_cur = j_prev if (self.augment.same_transform and not exact) else \
            Jitter.draw(rng, nz.search_center_sigma, nz.search_scale_sigma)
        prev_anchor = triplet.prev_box if exact else triplet.before_prev_box
        prev_center, prev_side = self._search_window(j_prev.apply(prev_anchor))
        cur_center, cur_side = self._search_window(j_cur.apply(triplet.prev_box))
        simclr = self.augment.simclr
        if simclr.enabled:
            prev_center, prev_side = self._resized_crop(rng, prev_center, prev_side, triplet.prev_box)
            cur_center, cur_side = self._resized_crop(rng, cur_center, cur_side,
                                                      triplet.cur_box if triplet.cur_visible else None)
        search_prev, p_tf = cropper.crop(triplet.seq, triplet.prev_frame, prev_center, prev_side, g.search_size)
        search_cur, c_tf = cropper.crop(triplet.seq, triplet.cur_frame, cur_center, cur_side, g.search_size)

        # boxes in crop coordinates
        template_box = t_tf.box_to_crop(triplet.template_box)
        prev_box = p_tf.box_to_crop(triplet.prev_box)
        cur_box = c_tf.box_to_crop(triplet.cur_box) if triplet.cur_visible else np.zeros(4)
        prior_box, prior_valid = self._prior(rng, prev_box, exact)
        if not triplet.labeled:  # a pseudo box: no prior, no targets; only the self-supervised terms use the sample
            prior_box, prior_valid = np.zeros(4), False

        if self.augment.flip_prob > 0 and rng.random() < self.augment.flip_prob:
            template, search_prev, search_cur = (aug.flip_image(i) for i in (template, search_prev, search_cur))
            template_box = aug.flip_box(template_box, g.template_size)
            prev_box = aug.flip_box(prev_box, g.search_size)
            prior_box = aug.flip_box(prior_box, g.search_size) if prior_valid else prior_box
            cur_box = aug.flip_box(cur_box, g.search_size) if triplet.cur_visible else cur_box

        images = {"template": template, "search_prev": search_prev, "search_cur": search_cur}
        if simclr.enabled:
            images["search_prev_clean"], images["search_cur_clean"] = search_prev, search_cur
        self._photometric(rng, images)

        return self._pack(images, triplet, template_box, prev_box, prior_box, prior_valid, cur_box)

    def _search_window(self, estimate: np.ndarray) -> tuple[np.ndarray, float]:
        side = context_side(estimate[2], estimate[3], self.geometry.context) * self.search_factor
        return box_center(estimate), side

    def _resized_crop(self, rng: np.random.Generator, center, side: float, box) -> tuple[np.ndarray, float]:
        """SimCLR random resized crop inside the search window, keeping ``box`` (image coords) inside when given."""
        u = rng.uniform(self.augment.simclr.crop_scale_min, 1.0)
        new_side = side * u
        center = np.asarray(center, dtype=np.float64)
        if box is None:
            lo, hi = center - (side - new_side) / 2, center + (side - new_side) / 2
            return rng.uniform(lo, hi), new_side
        b = np.asarray(box, dtype=np.float64)
        new_side = min(side, max(new_side, b[2] * 1.05, b[3] * 1.05))
        lo = np.maximum(center - (side - new_side) / 2, b[:2] + b[2:] - new_side / 2)
        hi = np.minimum(center + (side - new_side) / 2, b[:2] + new_side / 2)
        if np.any(lo > hi):
            return center, side
        return rng.uniform(lo, hi), new_side

    def _prior(self, rng: np.random.Generator, prev_box: np.ndarray, exact: bool) -> tuple[np.ndarray, bool]:
        """The tracker's belief about the previous box, in previous-crop coordinates, and whether it exists."""
        nz = self.noise
        if exact:
            return prev_box.copy(), True
        if nz.prior_drop_prob > 0 and rng.random() < nz.prior_drop_prob:
            return np.zeros(4), False
        box = Jitter.draw(rng, nz.prior_center_sigma, nz.prior_scale_sigma).apply(prev_box)
        if nz.prior_wrong_object_prob > 0 and rng.random() < nz.prior_wrong_object_prob:
            box = self._wrong_location(rng, box, prev_box)
        return box, True

    def _wrong_location(self, rng: np.random.Generator, box: np.ndarray, prev_box: np.ndarray) -> np.ndarray:
        """A box of the same size centred elsewhere in the crop, at least one target size away from the target."""
        size = self.geometry.search_size
        gt_center = box_center(prev_box)
        away = max(prev_box[2], prev_box[3])
        center = gt_center
        for _ in range(10):
            center = rng.uniform(0.1 * size, 0.9 * size, 2)
            if np.hypot(*(center - gt_center)) >= away:
                break
        return np.array([center[0] - box[2] / 2, center[1] - box[3] / 2, box[2], box[3]])

    def _photometric(self, rng: np.random.Generator, images: dict) -> None:
        """Joint colour jitter and grayscale, independent blur; with SimCLR, strong independent distortions of the
        two search crops (the ``*_clean`` crops stay undistorted)."""
        a = self.augment
        jitter = aug.draw_color_jitter(rng, a.brightness, a.contrast, a.saturation, a.hue, a.gray_prob)
        for key in ("template", "search_prev", "search_cur"):
            img = jitter.apply(images[key])
            if a.blur_prob > 0 and rng.random() < a.blur_prob:
                img = aug.gaussian_blur(img, rng.uniform(0.5, 1.5))
            images[key] = img
        s = a.simclr
        if not s.enabled:
            return
        for key in ("search_prev", "search_cur"):
            img = images[key]
            if rng.random() < s.color_prob:
                k = 0.8 * s.color_strength
                img = aug.draw_color_jitter(rng, k, k, k, 0.2 * s.color_strength, 0.0).apply(img)
            if rng.random() < s.gray_prob:
                img = aug.ColorJitter(aug.gray_matrix()).apply(img)
            if rng.random() < s.blur_prob:
                img = aug.gaussian_blur(img, rng.uniform(s.blur_sigma_min, s.blur_sigma_max))
            images[key] = img

    def _pack(self, images: dict, triplet: Triplet, template_box, prev_box, prior_box, prior_valid: bool,
              cur_box) -> dict[str, torch.Tensor]:
        g, kind = self.geometry, self.prior_kind
        visible = bool(triplet.cur_visible)
        positive = visible and not triplet.is_negative
        cls, ctr, ltrb = siamfc_targets(cur_box if positive else None, g.score, self.cfg.positive_shrink)
        out = {key: image_tensor(img) for key, img in images.items()}
        out.update({
            "template_box": box_tensor(template_box),
            "prev_box": box_tensor(prev_box),
            "prior_box": box_tensor(prior_box),
            "prior_valid": torch.tensor(float(prior_valid)),
            "prior": torch.from_numpy(render_prior(kind, prior_box, g.feature, prior_valid)),
            "cur_prior": torch.from_numpy(render_prior(kind, cur_box, g.feature, visible)),
            "cur_box": box_tensor(cur_box),
            "cls_target": torch.from_numpy(cls),
            "ctr_target": torch.from_numpy(ctr),
            "box_target": torch.from_numpy(ltrb),
            "is_negative": torch.tensor(float(triplet.is_negative)),
            "cur_visible": torch.tensor(float(visible)),
            "labeled": torch.tensor(float(triplet.labeled)),
        })
        return out


def build_processing(train_cfg, geometry: Geometry) -> TrackingProcessing:
    """dctrack's processing of a train config (``PluginSpec.build_processing``): the data section, rendering the
    model's prior kind on the network's geometry."""
    train_cfg.data.validate()
    return TrackingProcessing(train_cfg.data, geometry, train_cfg.model.prior_kind)
