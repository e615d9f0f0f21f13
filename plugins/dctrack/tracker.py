"""The dctrack online tracker: SiamFC++ tracking with the previous frame's prior warped into the current crop.

Per frame: crop the search region at the last estimate, one backbone pass on it, reuse the previous crop's
cached features / embedding and its prior (the last estimated box rendered in the previous crop's
coordinates, or the previous score map for the ``score`` kind), warp + fuse + head, decode, SiamFC++
post-processing. The prior is switched off (``prior_valid = 0``) after ``prior_reset_frames`` consecutive
frames scoring below ``prior_reset_threshold`` and back on when the score recovers.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Optional

import numpy as np
import torch

from common.boxes import is_valid_box
from common.config import validate_config
from common.crop import CropTransform, context_side, crop_square
from ltr.models.box_coding import decode_ltrb
from ltr.models.inference import compile_for_inference, inference_dtype, optimize_for_inference
from plugins.dctrack import postprocess
from plugins.dctrack.config import TrackerParams
from plugins.dctrack.grids import resample
from plugins.dctrack.priors import render_prior
from pytracking.postprocess import cosine_window
from pytracking.tracker import Tracker

log = logging.getLogger(__name__)


@dataclasses.dataclass
class PreviousFrame:
    """What the tracker keeps of the previous frame: its crop's feature cache and transform, estimate, score map."""

    cache: dict
    transform: CropTransform
    box: np.ndarray                        # estimate in image pixels
    score_map: Optional[torch.Tensor]      # (1,1,S,S) fused score probabilities (score prior kind)


def resolve_device(device: str, network: Any = None) -> torch.device:
    """``auto``: where the network already is (``load_tracker`` placed it), else cuda when available, else cpu."""
    if device != "auto":
        return torch.device(device)
    param = next(iter(network.parameters()), None) if network is not None else None
    if param is not None:
        return param.device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def image_to_tensor(crop: np.ndarray, device: torch.device, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """HxWx3 uint8 crop -> 1x3xHxW 0-255 on ``device`` (channels-last memory: the permute does not copy)."""
    return torch.from_numpy(np.ascontiguousarray(crop)).to(device).permute(2, 0, 1).unsqueeze(0).to(dtype)


class DCTrackTracker(Tracker):
    """dctrack's online tracker (``initialize`` once, then ``track`` per frame)."""

    def __init__(self, params: TrackerParams, network: Any):
        super().__init__(params, network)
        validate_config(params)
        if network is None:
            raise ValueError("DCTrackTracker needs a network (load one with pytracking.api.load_tracker)")
        self.device = resolve_device(params.device, network)
        # An inference copy: BatchNorm folded into the convs and channels-last weights (oneDNN then keeps every
        # activation channels-last; NCHW max-pooling alone cost 10 ms per frame). bfloat16 halves the conv cost
        # on CPUs with AVX512-BF16 / AMX and on GPUs; the output maps are decoded in float32.
        self.dtype = inference_dtype(params.precision, self.device)
        network = optimize_for_inference(network.to(self.device), channels_last=True)
        if hasattr(network, "fold_input_normalization"):
            network.fold_input_normalization()
        self.network = network.to(self.dtype)
        if params.compile:
            compile_for_inference(self.network, ("search_features", "track_step"))
        geo = network.geometry
        for name in ("template_size", "search_size", "context"):
            wanted = getattr(params, name)
            if wanted is not None and wanted != getattr(geo, name):
                raise ValueError(f"params.{name}={wanted} but the network was trained with {getattr(geo, name)} "
                                 f"(network.geometry.{name}, stored with the model): remove {name} from the parameters")
        self.geometry = geo
        self.prior_kind = network.cfg.prior_kind
        self.window = cosine_window(geo.score.size)
        self.kernels: Optional[dict] = None
        self.prev: Optional[PreviousFrame] = None
        self.center = np.zeros(2)
        self.size = np.ones(2)
        self.low_frames = 0
        self.prior_on = True
        self.frame_index = 0

    # ------------------------------------------------------------------ geometry of the crops
    def _search_side(self) -> float:
        side_z = context_side(self.size[0], self.size[1], self.geometry.context)
        return side_z * self.geometry.search_size / self.geometry.template_size

    def _box(self) -> np.ndarray:
        return np.concatenate([self.center - self.size / 2, self.size])

    def _crop(self, image: np.ndarray, side: float, out_size: int) -> tuple[torch.Tensor, CropTransform, np.ndarray]:
        crop, transform = crop_square(image, self.center, side, out_size)
        return image_to_tensor(crop, self.device, self.dtype), transform, crop

    # ------------------------------------------------------------------ API
    def initialize(self, image: np.ndarray, box) -> None:
        """Crop the template, cache its kernels, and the first search crop's features and prior."""
        box = np.asarray(box, dtype=np.float64).reshape(4)
        if not is_valid_box(box):
            raise ValueError(f"initial box {box.tolist()} is not a valid [x, y, w, h] box")
        self.center = box[:2] + box[2:] / 2
        self.size = box[2:].copy()
        self.low_frames, self.prior_on, self.frame_index = 0, True, 0
        with torch.inference_mode():
            side_z = context_side(self.size[0], self.size[1], self.geometry.context)
            template, _, _ = self._crop(image, side_z, self.geometry.template_size)
            self.kernels = self.network.template_kernels(template)
            search, transform, _ = self._crop(image, self._search_side(), self.geometry.search_size)
            self.prev = PreviousFrame(self.network.search_features(search), transform, box.copy(), None)

    def track(self, image: np.ndarray) -> dict:
        """Locate the target in ``image``: {'box', 'score', 'present'} plus debug maps at debug levels."""
        if self.kernels is None or self.prev is None:
            raise RuntimeError("DCTrackTracker.track called before initialize")
        self.frame_index += 1
        with torch.inference_mode():
            search, transform, crop = self._crop(image, self._search_side(), self.geometry.search_size)
            cur = self.network.search_features(search)
            prior, valid = self._prior()
            watch_appearance = self.params.prior_reset_score == "appearance"
            out = self.network.track_step(self.kernels, cur, self.prev.cache, prior, valid,
                                          appearance=self.params.debug > 0 or watch_appearance)
            result, score_map, index = self._update(out, transform, image.shape)
            reset_score = result["score"]
            if watch_appearance:
                reset_score = float(torch.sigmoid(out["cls_appearance"].float()).flatten()[index])
            if self.params.debug > 0:
                result.update(self._debug_maps(out, crop, score_map))
        self._update_prior_state(reset_score)
        self.prev = PreviousFrame(cur, transform, np.asarray(result["box"]), score_map)
        return result

    # ------------------------------------------------------------------ prior
    def _prior(self) -> tuple[Optional[torch.Tensor], torch.Tensor]:
        """Prior of the previous crop (1,P,F,F) and its validity (1,)."""
        valid = float(self.params.use_prior and self.prior_on)
        valid_t = torch.tensor([valid], device=self.device, dtype=self.dtype)
        if not getattr(self.network, "uses_prior", False):
            return None, valid_t
        prev = self.prev
        box_crop = prev.transform.box_to_crop(prev.box)
        if self.params.prior_mode == "shift":
            box_crop = box_crop + np.array([box_crop[2], 0.0, 0.0, 0.0])
        if self.prior_kind == "score" and prev.score_map is not None:
            prior = resample(prev.score_map, self.geometry.score, self.geometry.feature).to(self.dtype)
            if self.params.prior_mode == "shift":
                prior = _shift_x(prior, int(round(box_crop[2] / self.geometry.feature.stride)))
        else:
            prior = torch.from_numpy(render_prior(self.prior_kind, box_crop, self.geometry.feature)).unsqueeze(0)
            prior = prior.to(self.device, self.dtype)
        if self.params.prior_mode == "zero":
            prior = torch.zeros_like(prior)
        return prior * valid, valid_t

    def _update_prior_state(self, score: float) -> None:
        """Count low-score frames; switch the prior off after N of them and on again when the score recovers."""
        if score < self.params.prior_reset_threshold:
            self.low_frames += 1
            if self.low_frames >= self.params.prior_reset_frames and self.prior_on:
                log.debug("frame %d: prior reset after %d low-score frames", self.frame_index, self.low_frames)
                self.prior_on = False
        else:
            self.low_frames = 0
            self.prior_on = True

    # ------------------------------------------------------------------ decoding
    def _update(self, out: dict, transform: CropTransform, image_shape: tuple) -> tuple[dict, torch.Tensor, int]:
        """Post-process the maps, update centre/size; returns the result dict, the (1,1,S,S) score map and the chosen
        cell's index."""
        p = self.params
        score_map = torch.sigmoid(out["cls"].float())
        score = score_map.flatten().cpu().numpy()
        quality = np.ones_like(score) if out.get("ctr") is None else torch.sigmoid(out["ctr"].float()).flatten().cpu().numpy()
        boxes = decode_ltrb(out["box"].float(), self.geometry.score)[0].cpu().numpy()
        target_crop = self.size * transform.scale
        sel = postprocess.select(score, quality, boxes, target_crop, self.window, p.window_influence, p.penalty_k,
                                 p.size_lr)
        pred = transform.box_from_crop(sel.box)
        self.center, self.size = postprocess.update_state(self.center, self.size, pred[:2] + pred[2:] / 2, pred[2:],
                                                          sel.lr, image_shape, p.min_size)
        box = self._box()
        result = {"box": [float(v) for v in box], "score": sel.score, "present": sel.score >= p.present_threshold}
        return result, score_map, sel.index

    def _debug_maps(self, out: dict, crop: np.ndarray, score_map: torch.Tensor) -> dict:
        """Maps for the visdom debug view (numpy): scores, warped prior, confidence, attention of the peak."""
        maps = {"score_appearance": torch.sigmoid(out["cls_appearance"])[0, 0].float().cpu().numpy(),
                "score_fused": score_map[0, 0].float().cpu().numpy()}
        if out.get("warped_prior") is not None:
            maps["warped_prior"] = out["warped_prior"][0].float().norm(dim=0).cpu().numpy()
        if out.get("confidence") is not None:
            maps["confidence"] = out["confidence"][0, 0].float().cpu().numpy()
        if self.params.debug >= 2:
            maps["crops"] = crop
            if out.get("attention_obj") is not None:
                maps["attention"] = self._peak_attention(out["attention_obj"], score_map)
        return maps

    def _peak_attention(self, attn, score_map: torch.Tensor) -> np.ndarray:
        """Attention weights of the feature cell under the score peak, as a map over previous cells (or window)."""
        s, f = self.geometry.score, self.geometry.feature
        idx = int(score_map.flatten().argmax())
        px, py = s.cell_to_pixel(idx % s.size), s.cell_to_pixel(idx // s.size)
        fx = int(np.clip(round(float(f.pixel_to_cell(px))), 0, f.size - 1))
        fy = int(np.clip(round(float(f.pixel_to_cell(py))), 0, f.size - 1))
        row = attn.weights[0, fy * f.size + fx].float().cpu().numpy()
        side = int(round(np.sqrt(row.size)))
        return row.reshape(side, side)


def _shift_x(prior: torch.Tensor, cells: int) -> torch.Tensor:
    """Move a (B,P,F,F) map ``cells`` to the right (left when negative), zero filled."""
    if cells == 0:
        return prior
    out = torch.zeros_like(prior)
    if abs(cells) >= prior.shape[-1]:
        return out
    if cells > 0:
        out[..., cells:] = prior[..., :-cells]
    else:
        out[..., :cells] = prior[..., -cells:]
    return out
