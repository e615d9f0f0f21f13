"""The built-in synthetic dataset: deterministic, download-free sequences of what trackers fail on.

Each sequence is a textured target moving on a smooth random path over a textured background that
shifts (camera motion), with optional scale/aspect change, look-alike distractors (copies of the target
texture orbiting it), an occluder crossing the target, an out-of-view episode (the target leaves the
image), motion blur and illumination change. Everything is a closed-form function of
``(seed, split, sequence index, t)``, so frame ``t`` is rendered directly (random access) in about a
millisecond at 320x240; only small per-sequence textures are built (lazily, LRU-cached).

Ground truth is exact: the target covers precisely its float box (anti-aliased edges). A box partly
outside the image is clipped to it; when less than ``MIN_VISIBLE_FRACTION`` of the target is inside,
the row is NaN and ``visible`` is False. ``occlusion[t]`` is True when the occluder covers at least
30 % of the target; a target covered by 90 % or more is also marked not visible (its box is kept).

Splits: ``train`` (400 x 100 frames), ``val`` (20 x 100), ``test`` (8 fixed sequences of 60 frames, one
per challenge: plain, distractor, occlusion, out_of_view, scale_change, blur, illumination, all).
Options: ``seed`` (default 0), ``num_sequences``, ``length``, ``size`` ``(width, height)``.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from typing import Optional

import cv2
import numpy as np

from common.boxes import clip_to_image
from common.datasets import DatasetError, register_dataset
from common.datasets.base import Sequence

ATTRIBUTES = ("distractor", "occlusion", "out_of_view", "scale_change", "blur", "illumination", "camera_motion")
_SPLIT_CODE = {"train": 0, "val": 1, "test": 2}
_DEFAULTS = {"train": (400, 100), "val": (20, 100), "test": (8, 60)}
_TRAIN_PROB = {"distractor": 0.4, "occlusion": 0.4, "out_of_view": 0.2, "scale_change": 0.5, "blur": 0.3,
               "illumination": 0.3, "camera_motion": 0.7}
_TEST_FOCUS = ("plain", "distractor", "occlusion", "out_of_view", "scale_change", "blur", "illumination", "all")
MIN_VISIBLE_FRACTION = 0.25
OCCLUDED_FRACTION = 0.3
HIDDEN_FRACTION = 0.9
_MARGIN = 32          # background canvas margin (maximum camera shift, pixels)
_TEX = 64             # side of the target texture before it is warped to the box


@dataclasses.dataclass(frozen=True)
class _Params:
    """Closed-form description of one synthetic sequence (all motion is a function of t)."""

    width: int
    height: int
    length: int
    attributes: tuple
    center0: tuple
    path_amp: np.ndarray      # (2, K) amplitudes
    path_freq: np.ndarray     # (2, K) radians per frame
    path_phase: np.ndarray    # (2, K)
    size0: tuple              # target (w, h) at t = 0
    scale_amp: float
    scale_freq: float
    scale_phase: float
    aspect_amp: float
    aspect_freq: float
    aspect_phase: float
    oov: Optional[tuple]      # (start, end, ramp, direction(2,), distance)
    occluder: Optional[tuple] # (t_mid, velocity(2,), center_at_mid(2,), size(2,))
    distractors: tuple        # each (radius, angular speed, phase, size factor)
    camera: tuple             # (amp_x, amp_y, freq_x, freq_y, phase_x, phase_y)
    blur: Optional[tuple]     # (start, end, max kernel, horizontal)
    illumination: Optional[tuple]  # (gain amplitude, freq, phase, bias)


def _smooth_bump(t: np.ndarray, start: float, end: float, ramp: float) -> np.ndarray:
    """0 outside [start, end], 1 inside with smooth (cosine) ramps of ``ramp`` frames at both ends."""
    t = np.asarray(t, dtype=np.float64)
    up = np.clip((t - start) / ramp, 0, 1)
    down = np.clip((end - t) / ramp, 0, 1)
    r = np.minimum(up, down)
    return 0.5 - 0.5 * np.cos(np.pi * r)


def _choose_attributes(rng: np.random.Generator, split: str, index: int) -> dict:
    if split == "test":
        focus = _TEST_FOCUS[index % len(_TEST_FOCUS)]
        attrs = {a: focus == "all" for a in ATTRIBUTES}
        if focus in attrs:
            attrs[focus] = True
        attrs["camera_motion"] = True
        return attrs
    return {a: bool(rng.random() < p) for a, p in _TRAIN_PROB.items()}


def _make_params(seed: int, split: str, index: int, length: int, width: int, height: int) -> _Params:
    rng = np.random.default_rng([seed, _SPLIT_CODE[split], index, 0])
    attrs = _choose_attributes(rng, split, index)
    L = length
    side = min(width, height)
    w0 = side * rng.uniform(0.15, 0.3)
    h0 = w0 * math.exp(rng.uniform(-0.5, 0.5))
    c0 = (width * rng.uniform(0.35, 0.65), height * rng.uniform(0.35, 0.65))
    K = 3
    amp = rng.uniform(0.03, 0.12, (2, K)) * np.array([[width], [height]])
    freq = 2 * np.pi * rng.uniform(0.3, 2.0, (2, K)) / max(L, 1)
    phase = rng.uniform(0, 2 * np.pi, (2, K))
    scale_amp = rng.uniform(0.3, 0.6) if attrs["scale_change"] else rng.uniform(0.0, 0.05)
    aspect_amp = rng.uniform(0.15, 0.35) if attrs["scale_change"] else 0.0
    oov = None
    if attrs["out_of_view"]:
        start = rng.uniform(0.3, 0.55) * L
        dur = max(4.0, rng.uniform(0.12, 0.22) * L)
        angle = rng.uniform(0, 2 * np.pi)
        oov = (start, start + dur, max(2.0, dur / 4), (math.cos(angle), math.sin(angle)), 1.3 * max(width, height))
    occ = None
    if attrs["occlusion"]:
        t_mid = rng.uniform(0.3, 0.75) * L
        size = (w0 * rng.uniform(1.2, 1.6), h0 * rng.uniform(1.2, 1.6))
        dur = max(6.0, rng.uniform(0.15, 0.25) * L)
        angle = rng.uniform(0, 2 * np.pi)
        speed = (max(size) + max(w0, h0)) * 1.5 / dur
        occ = (t_mid, (speed * math.cos(angle), speed * math.sin(angle)), None, size)
    distractors = ()
    if attrs["distractor"]:
        n = int(rng.integers(1, 3))
        distractors = tuple((float((w0 + h0) * rng.uniform(0.9, 1.5)), float(rng.choice([-1, 1]) * rng.uniform(1, 3) * 2 * np.pi / L),
                             float(rng.uniform(0, 2 * np.pi)), float(rng.uniform(0.85, 1.15))) for _ in range(n))
    cam_amp = _MARGIN * rng.uniform(0.4, 1.0, 2) if attrs["camera_motion"] else np.zeros(2)
    camera = (float(cam_amp[0]), float(cam_amp[1]), *(2 * np.pi * rng.uniform(0.3, 1.5, 2) / L), *rng.uniform(0, 2 * np.pi, 2))
    blur = None
    if attrs["blur"]:
        start = rng.uniform(0.15, 0.7) * L
        blur = (start, start + max(4.0, 0.2 * L), int(rng.integers(5, 12)), bool(rng.random() < 0.5))
    illum = None
    if attrs["illumination"]:
        illum = (rng.uniform(0.2, 0.35), 2 * np.pi * rng.uniform(0.5, 1.5) / L, rng.uniform(0, 2 * np.pi), rng.uniform(-15, 15))
    params = _Params(width, height, L, tuple(sorted(attrs.items())), c0, amp, freq, phase, (w0, h0),
                     scale_amp, 2 * np.pi * rng.uniform(0.5, 1.5) / L, rng.uniform(0, 2 * np.pi),
                     aspect_amp, 2 * np.pi * rng.uniform(0.5, 1.5) / L, rng.uniform(0, 2 * np.pi),
                     oov, None, distractors, camera, blur, illum)
    if occ is not None:
        center_mid = _target_boxes(params, np.array([occ[0]]))[0]
        occ = (occ[0], occ[1], (center_mid[0] + center_mid[2] / 2, center_mid[1] + center_mid[3] / 2), occ[3])
        params = dataclasses.replace(params, occluder=occ)
    return params


def _target_boxes(p: _Params, t: np.ndarray) -> np.ndarray:
    """Unclipped target boxes (N, 4) xywh at frames ``t``."""
    t = np.asarray(t, dtype=np.float64)
    arg = p.path_freq[:, :, None] * t[None, None] + p.path_phase[:, :, None]
    offset = (p.path_amp[:, :, None] * (np.sin(arg) - np.sin(p.path_phase)[:, :, None])).sum(axis=1)
    cx, cy = p.center0[0] + offset[0], p.center0[1] + offset[1]
    if p.oov is not None:
        start, end, ramp, direction, distance = p.oov
        bump = _smooth_bump(t, start, end, ramp) * distance
        cx, cy = cx + bump * direction[0], cy + bump * direction[1]
    s = np.exp(p.scale_amp * (np.sin(p.scale_freq * t + p.scale_phase) - math.sin(p.scale_phase)))
    r = np.exp(p.aspect_amp * (np.sin(p.aspect_freq * t + p.aspect_phase) - math.sin(p.aspect_phase)))
    w = p.size0[0] * s * np.sqrt(r)
    h = p.size0[1] * s / np.sqrt(r)
    return np.stack([cx - w / 2, cy - h / 2, w, h], axis=1)


def _occluder_boxes(p: _Params, t: np.ndarray) -> Optional[np.ndarray]:
    if p.occluder is None:
        return None
    t_mid, vel, center, size = p.occluder
    dt = np.asarray(t, dtype=np.float64) - t_mid
    cx, cy = center[0] + vel[0] * dt, center[1] + vel[1] * dt
    return np.stack([cx - size[0] / 2, cy - size[1] / 2, np.full_like(cx, size[0]), np.full_like(cy, size[1])], axis=1)


def _distractor_box(p: _Params, target: np.ndarray, t: float, k: int) -> np.ndarray:
    radius, omega, phase, factor = p.distractors[k]
    cx = target[0] + target[2] / 2 + radius * math.cos(omega * t + phase)
    cy = target[1] + target[3] / 2 + radius * math.sin(omega * t + phase)
    w, h = target[2] * factor, target[3] * factor
    return np.array([cx - w / 2, cy - h / 2, w, h])


def _covered_fraction(a: np.ndarray, b: Optional[np.ndarray]) -> np.ndarray:
    """Fraction of each box in ``a`` covered by the paired box in ``b`` (0 when b is None)."""
    if b is None:
        return np.zeros(len(a))
    x1 = np.maximum(a[:, 0], b[:, 0])
    y1 = np.maximum(a[:, 1], b[:, 1])
    x2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    return inter / np.maximum(a[:, 2] * a[:, 3], 1e-9)


def _annotations(p: _Params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ground truth with NaN rows, visible, occlusion) for all frames."""
    t = np.arange(p.length)
    full = _target_boxes(p, t)
    clipped = clip_to_image(full, p.width, p.height)
    inside = clipped[:, 2] * clipped[:, 3] / np.maximum(full[:, 2] * full[:, 3], 1e-9)
    in_view = inside >= MIN_VISIBLE_FRACTION
    covered = _covered_fraction(clipped, _occluder_boxes(p, t))
    occlusion = in_view & (covered >= OCCLUDED_FRACTION)
    visible = in_view & (covered < HIDDEN_FRACTION)
    gt = np.where(in_view[:, None], clipped, np.nan)
    return gt, visible, occlusion


# ----------------------------------------------------------------------------------------------- textures
def _pattern(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A random float32 RGB pattern in [0, 255]: stripes, checkers, blobs or smooth noise."""
    kind = rng.integers(4)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    c1, c2 = rng.uniform(0, 255, 3).astype(np.float32), rng.uniform(0, 255, 3).astype(np.float32)
    if kind == 0:
        angle, period = rng.uniform(0, np.pi), rng.uniform(6, 20)
        m = 0.5 + 0.5 * np.sin(2 * np.pi * (xx * math.cos(angle) + yy * math.sin(angle)) / period)
    elif kind == 1:
        cell = int(rng.integers(6, 16))
        m = ((xx // cell + yy // cell) % 2).astype(np.float32)
    elif kind == 2:
        m = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(3, 7))):
            cx, cy, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(4, 14)
            m = np.maximum(m, np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s)))
    else:
        return _noise(rng, h, w, cell=int(rng.integers(6, 16)))
    return c1 * m[..., None] + c2 * (1 - m[..., None])


def _noise(rng: np.random.Generator, h: int, w: int, cell: int) -> np.ndarray:
    """Smooth colour noise: random colours on a coarse grid, upsampled with cubic interpolation."""
    small = rng.uniform(0, 255, (h // cell + 2, w // cell + 2, 3)).astype(np.float32)
    return np.clip(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC), 0, 255)


@functools.lru_cache(maxsize=64)
def _textures(seed: int, split: str, index: int, width: int, height: int) -> dict:
    """Per-sequence textures (target, distractor tint, occluder, background canvas), built once."""
    rng = np.random.default_rng([seed, _SPLIT_CODE[split], index, 1])
    target = 0.65 * _pattern(rng, _TEX, _TEX) + 0.35 * _noise(rng, _TEX, _TEX, cell=8)
    tint = rng.uniform(-25, 25, 3).astype(np.float32)
    occluder = 0.7 * _pattern(rng, _TEX, _TEX) + 0.3 * _noise(rng, _TEX, _TEX, cell=10)
    ch, cw = height + 2 * _MARGIN, width + 2 * _MARGIN
    hh, hw = ch // 2, cw // 2  # built at half resolution (4x cheaper), then upsampled
    half = 0.5 * _noise(rng, hh, hw, cell=int(rng.integers(8, 20))) + 0.3 * _noise(rng, hh, hw, cell=3) \
        + 0.2 * _pattern(rng, hh, hw)
    canvas = cv2.resize(half.astype(np.float32), (cw, ch), interpolation=cv2.INTER_LINEAR)
    return {
        "target": np.clip(target, 0, 255).astype(np.uint8),
        "distractor": np.clip(target + tint, 0, 255).astype(np.uint8),
        "occluder": np.clip(occluder, 0, 255).astype(np.uint8),
        "canvas": np.clip(canvas, 0, 255).astype(np.uint8),
    }


@functools.lru_cache(maxsize=1024)
def _cached_params(seed: int, split: str, index: int, length: int, width: int, height: int) -> _Params:
    return _make_params(seed, split, index, length, width, height)


# ---------------------------------------------------------------------------------------------- rendering
def _coverage(lo: float, hi: float, start: int, n: int) -> np.ndarray:
    """Fraction of each pixel ``start..start+n-1`` covered by the interval [lo, hi]."""
    px = np.arange(start, start + n, dtype=np.float32)
    return np.clip(np.minimum(px + 1, hi) - np.maximum(px, lo), 0, 1)


def _paste(frame: np.ndarray, texture: np.ndarray, box: np.ndarray) -> None:
    """Draw ``texture`` stretched exactly onto the float ``box`` (anti-aliased edges), in place."""
    x, y, w, h = (float(v) for v in box)
    H, W = frame.shape[:2]
    x0, y0 = max(int(math.floor(x)), 0), max(int(math.floor(y)), 0)
    x1, y1 = min(int(math.ceil(x + w)), W), min(int(math.ceil(y + h)), H)
    if x1 <= x0 or y1 <= y0 or w <= 0 or h <= 0:
        return
    th, tw = texture.shape[:2]
    sx, sy = w / tw, h / th
    M = np.array([[sx, 0, x - x0 + 0.5 * sx - 0.5], [0, sy, y - y0 + 0.5 * sy - 0.5]], dtype=np.float64)
    patch = cv2.warpAffine(texture, M, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = np.outer(_coverage(y, y + h, y0, y1 - y0), _coverage(x, x + w, x0, x1 - x0))[..., None]
    roi = frame[y0:y1, x0:x1]
    roi[:] = (roi + (patch.astype(np.float32) - roi) * alpha).astype(np.uint8)


class SyntheticFrames:
    """Picklable frame reader of one synthetic sequence: ``reader(t)`` renders frame t directly."""

    def __init__(self, seed: int, split: str, index: int, length: int, width: int, height: int) -> None:
        self.key = (seed, split, index, length, width, height)

    def __call__(self, t: int) -> np.ndarray:
        seed, split, index, length, width, height = self.key
        if not 0 <= t < length:
            raise IndexError(f"synthetic {split}-{index}: frame {t} out of range 0..{length - 1}")
        p = _cached_params(*self.key)
        tex = _textures(seed, split, index, width, height)
        cam = p.camera
        ox = int(round(_MARGIN + cam[0] * math.sin(cam[2] * t + cam[4])))
        oy = int(round(_MARGIN + cam[1] * math.sin(cam[3] * t + cam[5])))
        frame = tex["canvas"][oy:oy + height, ox:ox + width].copy()
        target = _target_boxes(p, np.array([t]))[0]
        for k in range(len(p.distractors)):
            _paste(frame, tex["distractor"], _distractor_box(p, target, t, k))
        _paste(frame, tex["target"], target)
        occ = _occluder_boxes(p, np.array([t]))
        if occ is not None:
            _paste(frame, tex["occluder"], occ[0])
        if p.blur is not None:
            start, end, kmax, horizontal = p.blur
            k = 1 + 2 * int(round(kmax * float(_smooth_bump(np.array([t]), start, end, 2.0)[0]) / 2))
            if k > 1:
                frame = cv2.blur(frame, (k, 1) if horizontal else (1, k))
        if p.illumination is not None:
            amp, freq, phase, bias = p.illumination
            change = math.sin(freq * t + phase) - math.sin(phase)  # 0 at t = 0: the first frame is unchanged
            frame = cv2.convertScaleAbs(frame, alpha=1.0 + amp * change, beta=bias * change)
        return frame


def make_sequence(split: str, index: int, seed: int = 0, length: Optional[int] = None,
                  size: tuple = (320, 240)) -> Sequence:
    """Synthetic sequence ``index`` of ``split`` (deterministic in ``seed``)."""
    if split not in _SPLIT_CODE:
        raise DatasetError(f"synthetic: unknown split '{split}' (train, val, test)")
    length = _DEFAULTS[split][1] if length is None else int(length)
    width, height = (int(v) for v in size)
    if length < 2 or width < 64 or height < 64:
        raise DatasetError(f"synthetic: need length >= 2 and size >= 64x64, got length={length}, size={size}")
    p = _cached_params(int(seed), split, index, length, width, height)
    gt, visible, occlusion = _annotations(p)
    attrs = dict(p.attributes)
    attrs["occlusion"] = bool(occlusion.any())
    attrs["out_of_view"] = bool((~np.isfinite(gt).all(axis=1)).any())
    name = f"{split}-{index:04d}"
    if split == "test":
        name += f"-{_TEST_FOCUS[index % len(_TEST_FOCUS)]}"
    return Sequence(name=name, dataset="synthetic", ground_truth=gt, visible=visible, occlusion=occlusion,
                    attributes=attrs, object_class="synthetic", init_box=gt[0].copy(),
                    frame_reader=SyntheticFrames(int(seed), split, index, length, width, height), num_frames=length)


@register_dataset("synthetic", None, ("train", "val", "test"),
                  "Generated on the fly: textured targets, distractors, occlusion, out-of-view, blur.")
def load_synthetic(root, split: str, seed: int = 0, num_sequences: Optional[int] = None,
                   length: Optional[int] = None, size: tuple = (320, 240)) -> list[Sequence]:
    """The synthetic ``split``: ``num_sequences`` sequences of ``length`` frames of ``size`` (w, h)."""
    count = _DEFAULTS[split][0] if num_sequences is None else int(num_sequences)
    if count < 1:
        raise DatasetError(f"synthetic: num_sequences must be >= 1, got {num_sequences}")
    return [make_sequence(split, i, seed=seed, length=length, size=size) for i in range(count)]


__all__ = ["ATTRIBUTES", "SyntheticFrames", "make_sequence", "load_synthetic"]
