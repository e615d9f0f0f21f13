"""Which frames make one training sample: a template frame and a (previous, current) pair, as the tracker sees them.

``TripletSampler.sample(rng)`` picks a dataset by weight, a sequence with enough visible frames, a previous frame
(visible) and a current frame ``gap`` later (gap uniform in [gap_min, gap_max]; the current frame may be absent),
and a template frame (the first visible frame with probability ``template_first_prob``, else a visible frame within
``template_max_gap`` of the previous one). With probability ``neg_ratio`` the template comes from another sequence.
Image datasets (``Sequence.is_video`` False) give one image for all three crops; the two search crops then differ
by their crop noise only. With probability ``first_frame_prob`` the previous frame is the template frame itself
(the tracker's first step, from the exact initial box).

Sequences without ground truth (the ``unlabeled`` dataset: DAVIS / YouTube-VOS frames) give ``labeled=False``
triplets for a plugin's self-supervised terms: a (previous, current) pair ``gap`` frames apart, the
template from the previous frame, and the same pseudo box (a random square of ``unlabeled_box_min..max`` of the
frame's shorter side) in all three frames to place the crops. They are never negatives nor negative templates.

All randomness comes from the ``np.random.Generator`` passed in, so (seed, epoch, index) fixes the sample.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Optional

import numpy as np

from common.datasets.base import Sequence
from common.image_io import image_size
from ltr.data.config import SamplerConfig

log = logging.getLogger(__name__)


class SamplingError(RuntimeError):
    """No valid sample could be drawn (the message names the dataset)."""


@dataclasses.dataclass
class Triplet:
    """Frame indices and image-coordinate boxes of one sample (``before_prev_box``: what the tracker had estimated
    one step before the previous frame, where it centred the previous search crop)."""

    dataset: str
    template_seq: Sequence
    template_frame: int
    template_box: np.ndarray
    seq: Sequence
    prev_frame: int
    prev_box: np.ndarray
    before_prev_box: np.ndarray
    cur_frame: int
    cur_box: np.ndarray
    cur_visible: bool
    gap: int
    is_negative: bool = False
    first_frame: bool = False
    image_pair: bool = False
    labeled: bool = True


@dataclasses.dataclass
class _Source:
    name: str
    sequences: list
    weight: float
    usable: np.ndarray  # indices of sequences that can be sampled


def is_labeled(seq: Sequence) -> bool:
    """True when ``seq`` has ground truth (else it can only feed the self-supervised terms)."""
    return seq.ground_truth is not None


def _visible(seq: Sequence) -> np.ndarray:
    n = len(seq)
    if seq.visible is None or seq.ground_truth is None:
        return np.zeros(n, bool)
    vis = np.asarray(seq.visible, bool)[:n].copy()
    gt = seq.ground_truth[:n]
    vis &= np.isfinite(gt).all(axis=1) & (gt[:, 2] > 0) & (gt[:, 3] > 0)
    return vis


class TripletSampler:
    """Draws ``Triplet``s from weighted datasets; see the module docstring for the rules."""

    def __init__(self, datasets: list[tuple[str, list, float]], cfg: SamplerConfig) -> None:
        cfg.validate()
        self.cfg = cfg
        self.sources: list[_Source] = []
        self._visible: dict[int, np.ndarray] = {}
        self._sizes: dict[int, tuple[int, int]] = {}
        for name, sequences, weight in datasets:
            usable = [i for i, s in enumerate(sequences) if self._usable(s)]
            if not usable:
                raise SamplingError(f"dataset '{name}': none of its {len(sequences)} sequences has "
                                    f"{cfg.min_visible} visible frames (or a visible image), or more than "
                                    f"gap_min={cfg.gap_min} frames when it has no ground truth")
            if len(usable) < len(sequences):
                log.info("dataset '%s': %d of %d sequences have too few visible frames and are not sampled",
                         name, len(sequences) - len(usable), len(sequences))
            self.sources.append(_Source(name, list(sequences), float(weight), np.asarray(usable)))
        if not self.sources:
            raise SamplingError("no training dataset given")
        w = np.array([s.weight for s in self.sources])
        self.weights = w / w.sum()
        self.labeled_count = sum(1 for s in self.sources for i in s.usable if is_labeled(s.sequences[i]))

    def visible(self, seq: Sequence) -> np.ndarray:
        """Cached visibility of ``seq`` (visible flag and a finite positive box)."""
        key = id(seq)
        if key not in self._visible:
            self._visible[key] = _visible(seq)
        return self._visible[key]

    def _usable(self, seq: Sequence) -> bool:
        if not is_labeled(seq):
            return seq.is_video and len(seq) > self.cfg.gap_min
        vis = self.visible(seq)
        if not seq.is_video:
            return bool(vis[:1].any())
        return int(vis.sum()) >= self.cfg.min_visible and len(seq) > self.cfg.gap_min

    def sample(self, rng: np.random.Generator) -> Triplet:
        """One triplet; raises ``SamplingError`` naming the dataset after ``max_tries`` failed draws."""
        src = self.sources[int(rng.choice(len(self.sources), p=self.weights))]
        for _ in range(self.cfg.max_tries):
            seq = src.sequences[int(rng.choice(src.usable))]
            if not is_labeled(seq):
                return self._unlabeled_triplet(src.name, seq, rng)
            triplet = self._image_pair(src.name, seq) if not seq.is_video else self._video_triplet(src.name, seq, rng)
            if triplet is None:
                continue
            if rng.random() < self.cfg.neg_ratio:
                self._make_negative(triplet, rng)
            return triplet
        raise SamplingError(f"dataset '{src.name}': no valid (template, previous, current) frames after "
                            f"{self.cfg.max_tries} tries (gap_min={self.cfg.gap_min}, gap_max={self.cfg.gap_max})")

    def _image_pair(self, name: str, seq: Sequence) -> Triplet:
        box = seq.ground_truth[0].copy()
        return Triplet(name, seq, 0, box, seq, 0, box, box, 0, box, True, 0, image_pair=True)

    def _video_triplet(self, name: str, seq: Sequence, rng: np.random.Generator) -> Optional[Triplet]:
        cfg, vis, n = self.cfg, self.visible(seq), len(seq)
        gap = int(rng.integers(cfg.gap_min, cfg.gap_max + 1))
        vis_idx = np.flatnonzero(vis)
        candidates = vis_idx[vis_idx + gap < n]
        if rng.random() < cfg.first_frame_prob:
            first_frame, template = True, int(vis_idx[0])
            prev = template if template + gap < n else None
        elif not len(candidates):
            return None
        elif rng.random() < cfg.template_first_prob:
            first_frame, template = False, int(vis_idx[0])
            prev = int(rng.choice(candidates))
        else:
            first_frame, prev = False, int(rng.choice(candidates))
            template = int(rng.choice(vis_idx[np.abs(vis_idx - prev) <= cfg.template_max_gap]))
        if prev is None or prev + gap >= n:
            return None
        cur = prev + gap
        gt = seq.ground_truth
        before = self._before_prev(seq, prev, gap)
        return Triplet(name, seq, template, gt[template].copy(), seq, prev, gt[prev].copy(), before, cur,
                       gt[cur].copy(), bool(vis[cur]), gap, first_frame=first_frame)

    def _unlabeled_triplet(self, name: str, seq: Sequence, rng: np.random.Generator) -> Triplet:
        """A (previous, current) pair of an unannotated video around one random pseudo box (see the module doc)."""
        cfg, n = self.cfg, len(seq)
        gap = int(rng.integers(cfg.gap_min, min(cfg.gap_max, n - 1) + 1))
        prev = int(rng.integers(0, n - gap))
        width, height = self.frame_size(seq)
        side = float(rng.uniform(cfg.unlabeled_box_min, cfg.unlabeled_box_max)) * min(width, height)
        x, y = float(rng.uniform(0, width - side)), float(rng.uniform(0, height - side))
        box = np.array([x, y, side, side])
        return Triplet(name, seq, prev, box.copy(), seq, prev, box.copy(), box.copy(), prev + gap, box.copy(),
                       False, gap, labeled=False)

    def frame_size(self, seq: Sequence) -> tuple[int, int]:
        """Cached ``(width, height)`` of the sequence's first frame (header only for JPEG files)."""
        key = id(seq)
        if key not in self._sizes:
            path = seq.frame_path(0) if seq.frame_reader is None else None
            if path is not None:
                self._sizes[key] = image_size(path)
            else:
                frame = seq.frame(0)
                self._sizes[key] = (int(frame.shape[1]), int(frame.shape[0]))
        return self._sizes[key]

    def _before_prev(self, seq: Sequence, prev: int, gap: int) -> np.ndarray:
        """Box of the nearest visible frame at or before ``prev - gap`` (the previous box when there is none)."""
        vis = self.visible(seq)
        earlier = np.flatnonzero(vis[: max(prev - gap, 0) + 1])
        index = int(earlier[-1]) if len(earlier) and prev - gap >= 0 else prev
        return seq.ground_truth[index].copy()

    def _make_negative(self, triplet: Triplet, rng: np.random.Generator) -> None:
        """Replace the template by a visible frame of another sequence (any dataset, by weight)."""
        if self.labeled_count < 2:
            return
        for _ in range(self.cfg.max_tries):
            src = self.sources[int(rng.choice(len(self.sources), p=self.weights))]
            seq = src.sequences[int(rng.choice(src.usable))]
            if seq is triplet.seq or not is_labeled(seq):
                continue
            vis_idx = np.flatnonzero(self.visible(seq))
            frame = int(rng.choice(vis_idx)) if seq.is_video else 0
            triplet.template_seq, triplet.template_frame = seq, frame
            triplet.template_box = seq.ground_truth[frame].copy()
            triplet.is_negative = True
            return
        log.debug("no other sequence for a negative template; keeping a positive sample")
