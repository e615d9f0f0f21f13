"""The dctrack loss terms, each a function of the network output and the batch (docs/developing.md keys).

Tracking terms (SiamFC++): focal classification, centerness BCE and IoU on positive cells, plus the focal
loss of the appearance-only score. Correspondence terms: warped prior vs the current ground-truth prior,
colorization (attention of grayscale features), cycle consistency. ``sample_mask`` selects the samples a
term is computed on (negatives excluded from the tracking terms under ``negatives='corr_only'``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from common.geometry import Grid
from ltr.models.box_coding import decode_ltrb
from ltr.models.losses import balanced_bce_with_logits, centerness_loss, iou_loss, sigmoid_focal_loss
from plugins.dctrack.colorization import LabQuantizer, colorization_loss
from plugins.dctrack.correspondence import warp
from plugins.dctrack.cycle import local_cycle_loss


def _expand(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Per-sample mask (B,) broadcast to a per-cell map like ``like`` (B,S,S)."""
    return mask.view(-1, *([1] * (like.dim() - 1))).to(like.dtype) * torch.ones_like(like)


def focal_cls_loss(logits: torch.Tensor, target: torch.Tensor, samples: torch.Tensor, alpha: float,
                   gamma: float) -> torch.Tensor:
    """Focal loss summed over the selected samples' cells, normalised by their positive cells (>= 1)."""
    logits = logits[:, 0]
    per_cell = sigmoid_focal_loss(logits, target, alpha=alpha, gamma=gamma, reduction="none")
    mask = _expand(samples, target)
    num_pos = (target * mask).sum().clamp(min=1.0)
    return (per_cell * mask).sum() / num_pos


def cls_loss(logits: torch.Tensor, target: torch.Tensor, samples: torch.Tensor, kind: str, alpha: float,
             gamma: float) -> torch.Tensor:
    """The classification loss ``kind`` (focal | balanced_bce) of one score map."""
    if kind == "balanced_bce":
        return balanced_bce_with_logits(logits[:, 0], target, samples)
    return focal_cls_loss(logits, target, samples, alpha, gamma)


def positive_mask(batch: dict, samples: torch.Tensor) -> torch.Tensor:
    """Positive score cells (cls_target > 0) of the selected samples, (B,S,S)."""
    target = batch["cls_target"]
    return (target > 0).to(target.dtype) * _expand(samples, target)


def tracking_losses(out: dict, batch: dict, samples: torch.Tensor, alpha: float, gamma: float,
                    kind: str = "focal") -> dict:
    """cls, iou, appearance_cls and (when the network predicts centerness) ctr terms, unweighted, on the selected samples."""
    pos = positive_mask(batch, samples)
    terms = {
        "cls": cls_loss(out["cls"], batch["cls_target"], samples, kind, alpha, gamma),
        "iou": iou_loss(out["box"], batch["box_target"], pos),
        "appearance_cls": cls_loss(out["cls_appearance"], batch["cls_target"], samples, kind, alpha, gamma),
    }
    if out.get("ctr") is not None:  # a base without a centerness branch (nanotrack) has no ctr term
        terms["ctr"] = centerness_loss(out["ctr"], batch["ctr_target"], pos)
    return terms


def warp_prior_loss(warped: torch.Tensor, target: torch.Tensor, valid: torch.Tensor, kind: str) -> torch.Tensor:
    """Warped previous prior vs the current ground-truth prior (B,P,F,F), mean over samples with a valid prior.

    BCE for [0,1] priors; L2 when ``kind == 'l2'`` or the prior has signed values (direction).
    """
    target = target.to(warped.dtype)
    if kind == "bce" and target.min() >= 0 and target.max() <= 1:
        per = F.binary_cross_entropy(warped.clamp(1e-6, 1 - 1e-6), target, reduction="none")
    else:
        per = (warped - target) ** 2
    per_sample = per.flatten(1).mean(dim=1)
    return (per_sample * valid).sum() / valid.sum().clamp(min=1.0)


def colorization_term(attention, quantizer: LabQuantizer, batch: dict, grid: Grid) -> torch.Tensor:
    """Colour labels of the previous crop, warped by ``attention``, must predict the current crop's labels."""
    # With SimCLR-style augmentation the colour target comes from the undistorted crops (the embedding
    # already saw the distorted grayscale ones).
    prev_labels = quantizer.quantize(batch.get("search_prev_clean", batch["search_prev"]), grid)
    cur_labels = quantizer.quantize(batch.get("search_cur_clean", batch["search_cur"]), grid)
    return colorization_loss(attention, prev_labels, cur_labels, quantizer.num_clusters, warp)


def cycle_term(network, cur_emb: torch.Tensor, prev_emb: torch.Tensor) -> torch.Tensor:
    """Cycle consistency previous -> current -> previous through the network's correspondence."""
    attn_fwd = network.correspondence.attend(cur_emb, prev_emb)   # carries previous maps into the current frame
    attn_bwd = network.correspondence.attend(prev_emb, cur_emb)   # and back
    if attn_fwd.window.radius is None:
        return global_cycle_loss(attn_fwd.weights, attn_bwd.weights)
    return local_cycle_loss(attn_fwd.weights, attn_bwd.weights, attn_fwd.window.radius, tuple(cur_emb.shape[-2:]))


def global_cycle_loss(fwd: torch.Tensor, bwd: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """``cycle_consistency_loss`` for global attention in O(N^2) instead of O(N^3).

    fwd [B, N_cur, N_prev], bwd [B, N_prev, N_cur]: the probability that previous cell p comes home is
    sum_q bwd[p, q] * fwd[q, p].
    """
    home = (bwd * fwd.transpose(1, 2)).sum(dim=-1)
    return -torch.log(home.clamp(min=eps)).mean()


def peak_in_target(logits: torch.Tensor, batch: dict, grid: Grid) -> tuple[float, int]:
    """(rate, count): how often the score argmax falls inside the current box, over positive samples."""
    positive = (batch["cls_target"].flatten(1).sum(dim=1) > 0)
    if not bool(positive.any()):
        return float("nan"), 0
    idx = logits.flatten(1).argmax(dim=1)
    centers = torch.as_tensor(grid.centers(), dtype=logits.dtype, device=logits.device)
    px, py = centers[idx % grid.size], centers[idx // grid.size]
    box = batch["cur_box"].to(logits.dtype)
    inside = (px >= box[:, 0]) & (px <= box[:, 0] + box[:, 2]) & (py >= box[:, 1]) & (py <= box[:, 1] + box[:, 3])
    return float(inside[positive].float().mean()), int(positive.sum())


def decoded_boxes(out: dict, grid: Grid) -> torch.Tensor:
    """Boxes (B,S*S,4) xywh crop coordinates of every score cell (for validation / debugging)."""
    return decode_ltrb(out["box"], grid)
