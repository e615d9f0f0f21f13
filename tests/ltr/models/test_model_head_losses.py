"""xcorr, SiamHead, box coding and the SiamFC++ losses."""
from __future__ import annotations

import math

import pytest
import torch

from common.geometry import Grid
from ltr.models.box_coding import decode_ltrb, encode_box
from ltr.models.head import SiamHead
from ltr.models.losses import centerness_loss, iou_loss, ltrb_iou, sigmoid_focal_loss
from ltr.models.xcorr import center_crop_features, depthwise_xcorr



def test_xcorr_equals_naive_loop():
    torch.manual_seed(0)
    x, k = torch.randn(2, 3, 7, 8), torch.randn(2, 3, 3, 2)
    out = depthwise_xcorr(x, k)
    assert out.shape == (2, 3, 5, 7)
    naive = torch.zeros_like(out)
    for b in range(2):
        for c in range(3):
            for i in range(5):
                for j in range(7):
                    naive[b, c, i, j] = (x[b, c, i:i + 3, j:j + 2] * k[b, c]).sum()
    assert torch.allclose(out, naive, atol=1e-5)
    with pytest.raises(ValueError, match="equal B, C"):
        depthwise_xcorr(x, torch.randn(2, 4, 3, 3))


def test_center_crop_features():
    f = torch.arange(36.0).view(1, 1, 6, 6)
    assert torch.equal(center_crop_features(f, 2), f[..., 2:4, 2:4])
    with pytest.raises(ValueError, match="even margin"):
        center_crop_features(f, 3)


@pytest.mark.parametrize("fast", [False, True])
def test_head_shapes_and_init(fast):
    head = SiamHead(32, channels=16, num_convs=3, fast=fast)
    x = torch.randn(2, 32, 13, 13)
    cls, ctr, ltrb = head(x, x)
    assert cls.shape == ctr.shape == (2, 1, 7, 7) and ltrb.shape == (2, 4, 7, 7)
    assert (ltrb > 0).all()
    prob = torch.sigmoid(cls)
    assert torch.allclose(prob, torch.full_like(prob, 0.01), atol=2e-3)
    relu_head = SiamHead(32, channels=16, num_convs=1, padding=1, box_activation="relu")
    assert relu_head(x, x)[2].shape == (2, 4, 13, 13)
    with pytest.raises(ValueError, match="box_activation"):
        SiamHead(8, box_activation="softplus")


def test_decode_encode_round_trip():
    grid = Grid(size=5, stride=8.0, offset=31.5)
    boxes = torch.tensor([[40.0, 30.0, 25.0, 12.5], [10.0, 60.0, 3.0, 40.0]])
    ltrb = encode_box(boxes, grid)
    assert ltrb.shape == (2, 4, 5, 5)
    decoded = decode_ltrb(ltrb, grid)
    assert decoded.shape == (2, 25, 4)
    assert torch.allclose(decoded, boxes[:, None, :].expand(-1, 25, -1), atol=1e-4)
    # cell order is row-major: cell (row 1, col 3) is index 8, centred at x = 31.5 + 24, y = 31.5 + 8
    single = encode_box(torch.tensor([55.5, 39.5, 0.0, 0.0]), grid)
    assert torch.allclose(single[:, 1, 3], torch.zeros(4))
    with pytest.raises(ValueError, match="decode_ltrb"):
        decode_ltrb(torch.zeros(1, 4, 3, 3), grid)


def test_focal_loss_properties():
    targets = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    perfect = torch.tensor([[20.0, -20.0, -20.0, 20.0]])
    assert float(sigmoid_focal_loss(perfect, targets)) < 1e-8
    wrong = sigmoid_focal_loss(-perfect, targets, reduction="none")
    assert (wrong > 1.0).all()
    # gamma 0, alpha < 0 is plain BCE
    logits = torch.randn(3, 4)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, targets.expand(3, 4), reduction="mean")
    assert torch.allclose(sigmoid_focal_loss(logits, targets.expand(3, 4), alpha=-1, gamma=0, reduction="mean"), bce)
    # easy examples are down-weighted relative to BCE
    easy = sigmoid_focal_loss(torch.tensor([3.0]), torch.tensor([1.0]), alpha=-1)
    p = 1 / (1 + math.exp(-3.0))
    assert float(easy) == pytest.approx(-math.log(p) * (1 - p) ** 2, rel=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        sigmoid_focal_loss(logits, targets.expand(3, 4), reduction="max")


def test_centerness_loss_over_positives_only():
    target = torch.full((1, 1, 3, 3), 0.7)
    mask = torch.zeros(1, 3, 3)
    mask[0, 1, 1] = 1
    good = torch.full((1, 1, 3, 3), -50.0)
    good[0, 0, 1, 1] = math.log(0.7 / 0.3)
    loss = centerness_loss(good, target, mask)
    entropy = -(0.7 * math.log(0.7) + 0.3 * math.log(0.3))  # BCE minimum at the target itself
    assert float(loss) == pytest.approx(entropy, abs=1e-5)
    zero = centerness_loss(good.requires_grad_(), target, torch.zeros(1, 3, 3))
    assert zero.item() == 0.0
    zero.backward()


@pytest.mark.parametrize("kind", ["linear", "log", "giou"])
def test_iou_loss(kind):
    target = torch.rand(2, 4, 3, 3) * 20 + 1
    mask = torch.ones(2, 3, 3)
    assert float(iou_loss(target.clone(), target, mask, kind=kind)) == pytest.approx(0.0, abs=1e-5)
    pred = (target * 1.5).requires_grad_()
    loss = iou_loss(pred, target, mask, kind=kind)
    assert loss.item() > 0.05
    loss.backward()
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0


def test_iou_values_and_masked_cells_ignored():
    pred = torch.tensor([2.0, 2.0, 2.0, 2.0]).view(1, 4, 1, 1)   # 4x4 box
    target = torch.tensor([1.0, 1.0, 1.0, 1.0]).view(1, 4, 1, 1)  # 2x2 box inside it
    iou, giou = ltrb_iou(pred, target)
    assert float(iou) == pytest.approx(0.25) and float(giou) == pytest.approx(0.25)
    bad_target = torch.full((1, 4, 1, 1), -5.0)  # negative cell: outside the box
    pred_g = pred.clone().requires_grad_()
    loss = iou_loss(pred_g, bad_target, torch.zeros(1, 1, 1))
    loss.backward()
    assert loss.item() == 0.0 and torch.isfinite(pred_g.grad).all()


def test_balanced_bce_equals_the_two_way_softmax_cross_entropy_and_selects_samples():
    from ltr.models.losses import balanced_bce_with_logits

    torch.manual_seed(0)
    two_way = torch.randn(3, 2, 4, 4)
    target = (torch.rand(3, 4, 4) > 0.7).float()
    target[0, 0, 0] = -1.0                                       # ignored
    logp = torch.log_softmax(two_way, dim=1)
    pos, neg = (target == 1).float(), (target == 0).float()
    expected = 0.5 * -(logp[:, 1] * pos).sum() / pos.sum() + 0.5 * -(logp[:, 0] * neg).sum() / neg.sum()
    got = balanced_bce_with_logits(two_way[:, 1] - two_way[:, 0], target)
    assert float(got) == pytest.approx(float(expected), rel=1e-5)
    only_first = balanced_bce_with_logits(two_way[:, 1] - two_way[:, 0], target, torch.tensor([1.0, 0.0, 0.0]))
    alone = balanced_bce_with_logits(two_way[:1, 1] - two_way[:1, 0], target[:1])
    assert float(only_first) == pytest.approx(float(alone), rel=1e-6)
