"""A plain reference pipeline of a network: what a peer's SiamFC++-style tracker does per frame, written without any
of the toolkit's inference work, so that ``benchmark.py --compare-reference`` compares pipelines at equal network.

Per frame: crop the search region (``cv2.warpAffine``, image-mean padding), convert it to a float32 NCHW tensor,
run the network as trained (float32, NCHW weights, BatchNorm and the ImageNet normalisation as separate layers)
through the plugin's frame step, and decode the maps in numpy (sigmoid score times centerness, SiamFC++'s scale and
ratio penalty and cosine window, size smoothing). The network, its geometry and its output maps ('cls', optional
'ctr', 'box' as ltrb crop pixels on the score grid) are the plugin's; nothing here is optimised.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from common.crop import context_side, crop_square
from ltr.models.box_coding import decode_ltrb


@dataclasses.dataclass
class PeerPostprocess:
    """SiamFC++'s published post-processing constants (GOT-10k AlexNet)."""

    window_influence: float = 0.21
    penalty_k: float = 0.04
    size_lr: float = 0.52


def _float_nchw(crop: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 -> 1x3xHxW float32, contiguous NCHW (what a peer hands its network)."""
    return torch.from_numpy(crop.astype(np.float32).transpose(2, 0, 1).copy()).unsqueeze(0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _padded(w: np.ndarray, h: np.ndarray) -> np.ndarray:
    return np.sqrt((w + (w + h) / 2) * (h + (w + h) / 2))


class ReferencePipeline:
    """A tracker-shaped plain pipeline (``initialize`` / ``track``) around ``network`` and its ``make_step``
    (the plugin's ``frame_step``): float32, NCHW, nothing folded, cached or fused."""

    def __init__(self, network: nn.Module, make_step: Callable[[nn.Module], Any],
                 post: PeerPostprocess = PeerPostprocess()) -> None:
        self.network = network.float().eval()
        self.make_step = make_step
        self.post = post
        geo = network.geometry
        self.geometry = geo
        hann = np.hanning(geo.score.size)
        self.window = np.outer(hann, hann).reshape(-1)
        self.step: Any = None
        self.center = np.zeros(2)
        self.size = np.ones(2)

    def _crop(self, image: np.ndarray, out_size: int) -> tuple[torch.Tensor, float]:
        geo = self.geometry
        side = context_side(self.size[0], self.size[1], geo.context) * out_size / geo.template_size
        crop, _ = crop_square(image, self.center, side, out_size)
        return _float_nchw(crop), side

    def initialize(self, image: np.ndarray, box) -> None:
        """Template kernels of the first frame (and the step's first cache)."""
        box = np.asarray(box, dtype=np.float64)
        self.center, self.size = box[:2] + box[2:] / 2, box[2:].copy()
        self.step = self.make_step(self.network)
        with torch.no_grad():
            template, _ = self._crop(image, self.geometry.template_size)
            search, _ = self._crop(image, self.geometry.search_size)
            self.step.prepare(template, search)

    def track(self, image: np.ndarray) -> dict:
        """One frame: crop, float32 NCHW forward, decode; returns the box and score."""
        geo = self.geometry
        search, side = self._crop(image, geo.search_size)
        with torch.no_grad():
            out = self.step(search)
        score = _sigmoid(out["cls"].float().numpy().reshape(-1))
        if out.get("ctr") is not None:
            score = score * _sigmoid(out["ctr"].float().numpy().reshape(-1))
        boxes = decode_ltrb(out["box"].float(), geo.score)[0].numpy()
        scale = geo.search_size / side
        return self._update(score, boxes, scale, image.shape)

    def _update(self, score: np.ndarray, boxes: np.ndarray, scale: float, shape: tuple) -> dict:
        p = self.post
        w, h = np.maximum(boxes[:, 2], 1e-6), np.maximum(boxes[:, 3], 1e-6)
        tw, th = self.size * scale
        penalty = np.exp(-(_change(_padded(w, h) / _padded(tw, th)) * _change((tw / th) / (w / h)) - 1) * p.penalty_k)
        pscore = (1 - p.window_influence) * penalty * score + p.window_influence * self.window
        best = int(np.argmax(pscore))
        lr = penalty[best] * score[best] * p.size_lr
        bx, by, bw, bh = boxes[best]
        offset = (np.array([bx + bw / 2, by + bh / 2]) - self.geometry.search_size / 2) / scale
        self.center = np.clip(self.center + offset, 0, [shape[1], shape[0]])
        self.size = np.maximum((1 - lr) * self.size + lr * np.array([bw, bh]) / scale, 4.0)
        box = np.concatenate([self.center - self.size / 2, self.size])
        return {"box": box.tolist(), "score": float(score[best]), "present": True}
