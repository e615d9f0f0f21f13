"""The dctrack actor: batch -> (weighted loss, stats). Every term is weighted by ``LossConfig`` and reported.

Negative pairs (``is_negative``, template from another object): with ``negatives='all'`` every term uses
them (their classification target is all zero while the prior is still present, which teaches the
network not to follow a prior that contradicts the template); with ``'corr_only'`` (the seed) they only
train the correspondence terms. Unlabeled samples (``labeled`` 0, frames without ground truth) train only the
self-supervised terms (colorization, cycle). With ``loss.tracking_losses = False`` (``corr_pretrain``) the
tracking terms are skipped and only the correspondence is trained.
"""
from __future__ import annotations

import logging
import math
from typing import Any

import torch

from ltr.trainer.actor import Actor
from plugins.dctrack import losses as L
from plugins.dctrack.colorization import LabQuantizer
from plugins.dctrack.config import LossConfig

log = logging.getLogger(__name__)

TRACKING_TERMS = ("cls", "ctr", "iou", "appearance_cls")
CORRESPONDENCE_TERMS = ("warp_prior", "colorization", "cycle")


class DCTrackActor(Actor):
    """Computes the dctrack losses of a network on a training batch."""

    cfg: LossConfig

    @property
    def quantizer(self) -> LabQuantizer:
        """The network's colorization palette (a buffer of the model, saved with its weights)."""
        return self.core.color_quantizer

    def __call__(self, batch: dict) -> tuple[torch.Tensor, dict]:
        """Weighted total loss and a stats dict of floats ('loss', 'loss/<term>', 'peak_in_target/...')."""
        net = self.core
        out = self.network(batch)  # through a DistributedDataParallel wrapper when the trainer set one
        ref = out["cls"]
        terms: dict[str, torch.Tensor] = {}
        if self.cfg.tracking_losses:
            terms.update(L.tracking_losses(out, batch, self._tracking_samples(batch, ref), self.cfg.focal_alpha,
                                           self.cfg.focal_gamma, self.cfg.cls_loss))
        if getattr(net, "uses_prior", False) and not net.cfg.corr.frozen:  # frozen: nothing to train there
            terms.update(self._correspondence_terms(out, batch))
        total = ref.new_zeros(())
        stats: dict[str, float] = {}
        for name, value in terms.items():
            weight = float(getattr(self.cfg, name))
            if weight > 0:
                total = total + weight * value
            stats[f"loss/{name}"] = float(value.detach())
        stats["loss"] = float(total.detach())
        stats.update(self._peak_stats(out, batch, net.geometry.score))
        return total, stats

    def _tracking_samples(self, batch: dict, like: torch.Tensor) -> torch.Tensor:
        """(B,) weights of the samples the tracking terms use."""
        n = like.shape[0]
        samples = labeled_mask(batch, like)
        if self.cfg.negatives == "all" or "is_negative" not in batch:
            return samples
        return samples * (1.0 - batch["is_negative"].to(like.dtype).reshape(n))

    def _correspondence_terms(self, out: dict, batch: dict) -> dict:
        net, cfg, terms = self.core, self.cfg, {}
        if cfg.warp_prior > 0 and "cur_prior" in batch:
            ref = out["cls"]
            valid = batch.get("prior_valid")
            valid = ref.new_ones(ref.shape[0]) if valid is None else valid.to(ref.dtype).reshape(-1)
            terms["warp_prior"] = L.warp_prior_loss(out["warped_prior"], batch["cur_prior"],
                                                    valid * labeled_mask(batch, ref), cfg.warp_prior_loss)
        if cfg.colorization > 0:
            if not bool(self.quantizer.fitted) and net.training:
                fit_palette(self.quantizer, batch)
            crops = first_samples(batch, cfg.colorization_samples)
            attn = net.grayscale_attention(crops["search_cur"], crops["search_prev"])
            terms["colorization"] = L.colorization_term(attn, self.quantizer, crops, net.geometry.feature)
        if cfg.cycle > 0:
            cur_emb, prev_emb = out["embeddings"]
            terms["cycle"] = L.cycle_term(net, cur_emb, prev_emb)
        return terms

    def _peak_stats(self, out: dict, batch: dict, grid) -> dict:
        stats: dict[str, float] = {}
        if "cls_target" not in batch or "cur_box" not in batch:
            return stats
        for name, key in (("appearance", "cls_appearance"), ("fused", "cls")):
            rate, count = L.peak_in_target(out[key].detach(), batch, grid)
            if count and not math.isnan(rate):
                stats[f"peak_in_target/{name}"] = rate
        return stats


def fit_palette(quantizer: LabQuantizer, batch: dict) -> None:
    """Fit the colorization palette once, by k-means on the crops of a training batch (rank 0's under DDP,
    broadcast so that every rank quantises colours alike)."""
    quantizer.fit_batch(torch.cat([batch["search_prev"], batch["search_cur"]]))
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.broadcast(quantizer.centers, src=0)
    log.info("colorization palette: %d Lab centres fitted on the first training batch", quantizer.num_clusters)


COLOUR_CROPS = ("search_cur", "search_prev", "search_cur_clean", "search_prev_clean")


def first_samples(batch: dict, n: int) -> dict:
    """The search crops the colorization term reads, of the batch's first ``n`` samples (the loader shuffles, so a
    random subset); the whole batch's when ``n`` is 0."""
    if n <= 0:
        return batch
    return {key: batch[key][:n] for key in COLOUR_CROPS if key in batch}


def labeled_mask(batch: dict, like: torch.Tensor) -> torch.Tensor:
    """(B,) 1 for samples with ground truth, 0 for unlabeled ones (all 1 when the batch has no ``labeled`` key)."""
    n = like.shape[0]
    if "labeled" not in batch:
        return like.new_ones(n)
    return batch["labeled"].to(like.dtype).reshape(n)


def load_training_weights(network: torch.nn.Module, train_cfg: Any) -> None:
    """Weights a training run starts from: the pretrained backbone (``model.pretrained`` or the run's
    ``pretrained``) and the frozen correspondence (``model.corr.checkpoint``). The network built by
    ``build_network`` needs no file, so a tracking checkpoint loads anywhere."""
    model = train_cfg.model
    pretrained = model.pretrained or getattr(train_cfg, "pretrained", None)
    if model.base == "nanotrack":
        if model.base_weights:
            network.load_base_weights(model.base_weights)
        else:
            log.warning("model.base is nanotrack but model.base_weights is not set: the base trains from scratch")
    elif pretrained:
        network.load_pretrained_backbone(pretrained)
    if model.corr.enabled and model.corr.frozen:
        network.load_correspondence(model.corr.checkpoint)


def build_actor(network: torch.nn.Module, train_cfg: Any) -> DCTrackActor:
    """The actor of a train config: loads the starting weights (the data renders the model's prior kind)."""
    load_training_weights(network, train_cfg)
    loss = train_cfg.loss if train_cfg.loss is not None else LossConfig()
    return DCTrackActor(network, loss)
