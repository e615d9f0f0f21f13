"""The NanoTrack actor: batch -> (loss, stats) with NanoTrack's losses.

- classification: the two-way cross-entropy over the score grid, half the mean over positive cells plus half the
  mean over negative cells (SiamBAN / NanoTrack's ``select_cross_entropy_loss``);
- box: an IoU loss (``ltr.models.losses.iou_loss``, linear by default) of the ltrb maps on positive cells.
"""
from __future__ import annotations

import logging
from typing import Any

import torch

from ltr.models.losses import balanced_bce_with_logits, iou_loss
from ltr.trainer.actor import Actor
from plugins.nanotrack.config import LossConfig

log = logging.getLogger(__name__)


def balanced_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(B,2,S,S) bg / fg logits against a (B,S,S) target (1 fg, 0 bg, -1 ignored): 0.5 * the mean NLL of the
    positives + 0.5 * that of the negatives."""
    return balanced_bce_with_logits(logits[:, 1] - logits[:, 0], target)


class NanoTrackActor(Actor):
    """Computes the NanoTrack losses of a network on a training batch."""

    cfg: LossConfig

    def __call__(self, batch: dict) -> tuple[torch.Tensor, dict]:
        """Weighted total loss and stats ('loss', 'loss/cls', 'loss/iou', 'peak_in_target')."""
        out = self.network(batch)
        target = batch["cls_target"].float()
        positive = (target == 1).float()
        cls = balanced_cross_entropy(out["cls"], target)
        box = iou_loss(out["box"].float(), batch["box_target"].float(), positive, kind=self.cfg.iou_kind)
        loss = self.cfg.cls * cls + self.cfg.iou * box
        with torch.no_grad():
            fg = out["cls"].float()[:, 1] - out["cls"].float()[:, 0]
            peak = fg.flatten(1).argmax(dim=1)
            has_pos = positive.flatten(1).sum(dim=1) > 0
            hit = positive.flatten(1).gather(1, peak[:, None])[:, 0] > 0
            peak_in_target = float(hit[has_pos].float().mean()) if bool(has_pos.any()) else float("nan")
        stats = {"loss": float(loss.detach()), "loss/cls": float(cls.detach()), "loss/iou": float(box.detach()),
                 "peak_in_target": peak_in_target}
        return loss, stats


def build_actor(network: torch.nn.Module, train_cfg: Any) -> NanoTrackActor:
    """``PluginSpec.build_actor``: the starting weights (``model.init_weights``) loaded, then the actor."""
    init = train_cfg.model.init_weights
    if init:
        from plugins.nanotrack.weights import load_published_into

        load_published_into(network, init)
        log.info("nanotrack: training starts from %s", init)
    else:
        log.warning("nanotrack: model.init_weights is empty: training from scratch")
    return NanoTrackActor(network, train_cfg.loss if train_cfg.loss is not None else LossConfig())
