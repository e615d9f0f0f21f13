"""The NanoTrack online tracker: one template, a search crop per frame, the Siamese post-processing.

Per frame: crop the search region (side 255/127 times the context side of the last box) at the last centre,
trunk + head, foreground softmax, scale / aspect-ratio change penalty, cosine window, argmax, size smoothed with
``lr = penalty * score * size_lr``, centre and size kept inside the image. ``TrackerParams`` says how crops are
placed and boxes decoded (as ``cv2.TrackerNano`` does, by default, or exactly through the crop transform).
"""
from __future__ import annotations

import logging
from typing import Any, Optional

import numpy as np
import torch

from common.config import validate_config
from common.crop import CropTransform, context_side, crop_square, crop_window, image_mean
from ltr.models.box_coding import decode_ltrb
from ltr.models.inference import compile_for_inference, inference_dtype, optimize_for_inference
from plugins.nanotrack.config import ModelConfig, TrackerParams
from pytracking import postprocess
from pytracking.tracker import Tracker

log = logging.getLogger(__name__)


def reported_box(box) -> np.ndarray:
    """A float box reported as cv2.Tracker.update reports its own: each value truncated toward zero."""
    return np.trunc(np.asarray(box, dtype=np.float64))


def opencv_window_origin(center: float, side: int) -> int:
    """Left (top) pixel of cv2.TrackerNano's crop window: ``int(centre) - (side + 1) // 2``."""
    return int(center) - (int(side) + 1) // 2


def published_network(params: TrackerParams) -> torch.nn.Module:
    """NanoTrackNet with the weights named by ``params.weights`` (when the tracker is built without a network)."""
    from plugins.nanotrack.network import build_network
    from plugins.nanotrack.weights import load_published_into

    network = build_network(ModelConfig())
    load_published_into(network, params.weights)
    return network.eval()


class NanoTrackTracker(Tracker):
    """NanoTrack v2's online tracker (``initialize`` once, then ``track`` per frame)."""

    def __init__(self, params: TrackerParams, network: Optional[Any] = None):
        validate_config(params)
        if network is None:
            network = published_network(params)
        super().__init__(params, network)
        if params.device == "auto":
            param = next(iter(network.parameters()))
            self.device = param.device
        else:
            self.device = torch.device(params.device)
        self.dtype = inference_dtype(params.precision, self.device)
        self.geometry = network.geometry
        # an inference copy: BatchNorm folded into the convolutions, channels-last weights, the RGB -> BGR swap
        # folded into the stem convolution
        self.network = optimize_for_inference(network.to(self.device), channels_last=True).to(self.dtype)
        self.network.fold_channel_swap()
        if params.compile:
            compile_for_inference(self.network, ("search_features", "track_step"))
        self.window = postprocess.cosine_window(self.geometry.score.size, sqrt=params.window_sqrt)
        self.template_feat: Optional[torch.Tensor] = None
        self.center = np.zeros(2)
        self.size = np.ones(2)
        self.pad_value: Optional[np.ndarray] = None

    # ------------------------------------------------------------------ crops
    def _context_side(self, first_frame: bool) -> float:
        """SiamFC context side of the current size (cv2.TrackerNano truncates w + h to an integer after frame 0)."""
        w, h = self.size
        if self.params.crop == "exact":
            return context_side(w, h, self.params.context)
        total = (w + h) if first_frame else float(int(w + h))
        return float(np.sqrt((w + self.params.context * total) * (h + self.params.context * total)))

    def _crop(self, image: np.ndarray, side: float, out_size: int) -> tuple[np.ndarray, CropTransform]:
        """A square crop of ``side`` image pixels at the current centre, resized to ``out_size``."""
        if self.params.crop == "exact":
            return crop_square(image, self.center, side, out_size, self.pad_value)
        n = max(1, int(side))
        return crop_window(image, opencv_window_origin(self.center[0], n), opencv_window_origin(self.center[1], n), n,
                           out_size, self.pad_value)

    def _to_tensor(self, crop: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(crop)).to(self.device).permute(2, 0, 1)[None].to(self.dtype)

    # ------------------------------------------------------------------ API
    def initialize(self, image: np.ndarray, box) -> None:
        """Crop the template around ``box`` and keep its features."""
        self.center, self.size = postprocess.initial_state(box)
        self.pad_value = image_mean(image) if self.params.pad_mean == "first" else None
        side = self._context_side(first_frame=True)
        if self.params.crop == "opencv":
            side = float(int(side))
        crop, _ = self._crop(image, side, self.geometry.template_size)
        with torch.inference_mode():
            self.template_feat = self.network.template_features(self._to_tensor(crop))

    def track(self, image: np.ndarray) -> dict:
        """Locate the target in ``image``: {'box', 'score', 'present'} plus score maps at debug levels."""
        if self.template_feat is None:
            raise RuntimeError("NanoTrackTracker.track called before initialize")
        geo = self.geometry
        side_z = self._context_side(first_frame=False)
        if self.params.crop == "opencv":  # cv2.TrackerNano: side int(s_z * (255 / 127)) in integer arithmetic
            side_x = float(int(side_z * (geo.search_size // geo.template_size)))
        else:
            side_x = side_z * geo.search_size / geo.template_size
        crop, transform = self._crop(image, side_x, geo.search_size)
        with torch.inference_mode():
            out = self.network.track_step(self.template_feat, self.network.search_features(self._to_tensor(crop)))
            score_map = torch.softmax(out["cls"].float(), dim=1)[0, 1]
            boxes = decode_ltrb(out["box"].float(), geo.score)[0].cpu().numpy().astype(np.float64)
        score = score_map.flatten().cpu().numpy().astype(np.float64)
        result, pscore = self._update(score, boxes, transform, geo.template_size / side_z, image.shape)
        if self.params.debug > 0:
            result["score_appearance"] = score_map.cpu().numpy()
            result["score_fused"] = pscore.reshape(geo.score.size, geo.score.size)
            if self.params.debug >= 2:
                result["crops"] = crop
        return result

    # ------------------------------------------------------------------ decoding
    def _update(self, score: np.ndarray, boxes: np.ndarray, transform: CropTransform, scale_z: float,
                image_shape: tuple) -> tuple[dict, np.ndarray]:
        """Choose a cell, update centre and size; ``boxes`` (S*S,4) xywh in search-crop pixels."""
        p = self.params
        scale = scale_z if p.decode == "opencv" else transform.scale
        ref_w, ref_h = self.size * scale
        reference = postprocess.padded_size(*self.center) if p.scale_reference == "position" else None
        penalty = postprocess.change_penalty(boxes[:, 2], boxes[:, 3], ref_w, ref_h, p.penalty_k, reference)
        pscore = postprocess.windowed_score(score, penalty, self.window, p.window_influence)
        best = int(np.argmax(pscore))
        lr = float(penalty[best] * score[best] * p.size_lr)
        box = boxes[best]
        if p.decode == "opencv":  # the crop taken as centred on the last centre
            center = self.center + (box[:2] + box[2:] / 2 - self.geometry.search_size / 2) / scale
            pred_size = box[2:] / scale
        else:
            image_box = transform.box_from_crop(box)
            center, pred_size = image_box[:2] + image_box[2:] / 2, image_box[2:]
        height, width = image_shape[:2]
        size = self.size * (1.0 - lr) + pred_size * lr
        self.size = np.maximum(p.min_size, np.minimum([width, height], size))
        self.center = np.clip(center, 0.0, [width, height])
        state = np.concatenate([self.center - self.size / 2, self.size])
        reported = reported_box(state) if p.report == "opencv" else state
        result = {"box": [float(v) for v in reported],
                  "score": float(score[best]), "present": bool(score[best] >= p.present_threshold)}
        return result, pscore
