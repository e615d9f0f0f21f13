"""SiamFC++ losses: focal loss on the score map, centerness BCE and IoU loss on positive cells.

Default weights cls 1, ctr 1, iou 3 are those of the SiamFC++ reference training configurations
(video_analyst, experiments/siamfcpp/train/*: FocalLoss weight 1.0, SigmoidCrossEntropyCenterness
weight 1.0, IOULoss weight 3.0) -- quoted from those public configs, not re-derived here.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

SIAMFCPP_LOSS_WEIGHTS = {"cls": 1.0, "ctr": 1.0, "iou": 3.0}


def _reduce(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be sum, mean or none, got '{reduction}'")


def _flat_mask(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Mask [B,S,S] or [B,1,S,S] -> float [B,S,S] on like's device."""
    mask = mask.to(like.device, like.dtype)
    return mask[:, 0] if mask.dim() == 4 else mask


def sigmoid_focal_loss(logits: torch.Tensor, targets: torch.Tensor, alpha: float = 0.25, gamma: float = 2.0,
                       reduction: str = "sum") -> torch.Tensor:
    """Focal loss (Lin et al. 2017) of logits against {0,1} (or soft) targets of the same shape."""
    targets = targets.to(logits.dtype).reshape(logits.shape)
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = loss * (alpha * targets + (1 - alpha) * (1 - targets))
    return _reduce(loss, reduction)


def _masked_mean(loss: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of loss over cells where mask > 0; 0 (still in the graph) when there are none."""
    total = mask.sum()
    return (loss * mask).sum() / total.clamp(min=1.0)


def centerness_loss(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """BCE with logits of the centerness map against its target, averaged over positive cells."""
    logits = logits[:, 0] if logits.dim() == 4 else logits
    targets = (targets[:, 0] if targets.dim() == 4 else targets).to(logits.dtype)
    loss = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return _masked_mean(loss, _flat_mask(mask, logits))


def ltrb_iou(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-6) -> tuple[torch.Tensor, torch.Tensor]:
    """IoU and GIoU of boxes given as ltrb distances from the same cell centres: [B,4,S,S] -> two [B,S,S]."""
    pl, pt, pr, pb = pred.unbind(1)
    tl, tt, tr, tb = target.unbind(1)
    area_p = (pl + pr) * (pt + pb)
    area_t = (tl + tr) * (tt + tb)
    inter = (torch.min(pl, tl) + torch.min(pr, tr)).clamp(min=0) * (torch.min(pt, tt) + torch.min(pb, tb)).clamp(min=0)
    union = area_p + area_t - inter
    iou = inter / union.clamp(min=eps)
    enclose = (torch.max(pl, tl) + torch.max(pr, tr)) * (torch.max(pt, tt) + torch.max(pb, tb))
    giou = iou - (enclose - union) / enclose.clamp(min=eps)
    return iou, giou


def iou_loss(pred_ltrb: torch.Tensor, target_ltrb: torch.Tensor, mask: torch.Tensor, kind: str = "linear") -> torch.Tensor:
    """IoU loss over positive cells: 'linear' 1 - IoU, 'log' -log IoU (video_analyst), 'giou' 1 - GIoU."""
    if pred_ltrb.shape != target_ltrb.shape or pred_ltrb.dim() != 4 or pred_ltrb.shape[1] != 4:
        raise ValueError(f"iou_loss expects two [B,4,S,S], got {tuple(pred_ltrb.shape)} and {tuple(target_ltrb.shape)}")
    m = _flat_mask(mask, pred_ltrb)
    # keep non-positive cells (targets may be negative distances there) away from NaN gradients
    target = torch.where(m[:, None] > 0, target_ltrb.to(pred_ltrb.dtype), pred_ltrb.detach())
    iou, giou = ltrb_iou(pred_ltrb, target)
    if kind == "linear":
        loss = 1 - iou
    elif kind == "log":
        loss = -torch.log(iou.clamp(min=1e-6))
    elif kind == "giou":
        loss = 1 - giou
    else:
        raise ValueError(f"iou_loss kind must be linear, log or giou, got '{kind}'")
    return _masked_mean(loss, m)


def balanced_bce_with_logits(logits: torch.Tensor, target: torch.Tensor, samples: torch.Tensor | None = None
                             ) -> torch.Tensor:
    """SiamBAN / NanoTrack's balanced two-way cross-entropy on a foreground-logit map (B,S,S) whose sigmoid is the
    softmax foreground probability: half the mean over positive cells (target 1) plus half the mean over negative
    cells (target 0); other target values are ignored. ``samples`` (B,) weights select the samples (default all)."""
    per_cell = F.binary_cross_entropy_with_logits(logits.float(), (target == 1).float(), reduction="none")
    weight = per_cell.new_ones(per_cell.shape[0]) if samples is None else samples.to(per_cell.dtype).reshape(-1)
    weight = weight.view(-1, *([1] * (per_cell.dim() - 1)))
    pos = (target == 1).to(per_cell.dtype) * weight
    neg = (target == 0).to(per_cell.dtype) * weight
    return (0.5 * (per_cell * pos).sum() / pos.sum().clamp(min=1.0)
            + 0.5 * (per_cell * neg).sum() / neg.sum().clamp(min=1.0))
