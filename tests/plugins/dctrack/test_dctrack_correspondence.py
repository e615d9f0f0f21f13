"""Dense correspondence: identity, shift, mass preservation, local == global, options."""
from __future__ import annotations

import pytest
import torch

from plugins.dctrack.correspondence import CorrespondenceModule, Window, warp, window_valid_mask



def _module(radius, **kw):
    torch.manual_seed(0)
    return CorrespondenceModule(16, embed_dim=32, radius=radius, **kw)


def _blob(h, w, cy, cx, sigma=1.0):
    ys, xs = torch.meshgrid(torch.arange(h).float(), torch.arange(w).float(), indexing="ij")
    return torch.exp(-((ys - cy) ** 2 + (xs - cx) ** 2) / (2 * sigma ** 2)).view(1, 1, h, w)


@pytest.mark.parametrize("radius", [2, None])
def test_identity_attention_reproduces_prior(radius):
    torch.manual_seed(1)
    feat = torch.randn(2, 16, 6, 7)
    mod = _module(radius, temperature=0.005)
    attn = mod(feat, feat)
    k = 25 if radius == 2 else 42
    assert attn.weights.shape == (2, 42, k) and attn.window == Window(radius, 6, 7)
    prior = torch.rand(2, 3, 6, 7)
    assert torch.allclose(mod.warp(attn, prior), prior, atol=1e-4)
    assert attn.confidence.shape == (2, 1, 6, 7) and attn.confidence.min().item() > 0.99


@pytest.mark.parametrize("k", [1, 2])
def test_shifted_features_shift_the_warped_prior(k):
    torch.manual_seed(2)
    prev = torch.randn(1, 16, 10, 10)
    cur = torch.randn(1, 16, 10, 10)
    cur[..., k:] = prev[..., :-k]                 # the scene moved k cells to the right
    mod = _module(3, temperature=0.005)
    prior = _blob(10, 10, 4.0, 4.0)
    warped = mod.warp(mod(cur, prev), prior)
    assert torch.allclose(warped[..., k:], prior[..., :-k], atol=1e-3)
    peak = int(warped[0, 0].argmax())
    assert divmod(peak, 10) == (4, 4 + k)


def test_warp_keeps_mass_in_unit_interval():
    torch.manual_seed(3)
    mod = _module(2, temperature=0.5)
    attn = mod(torch.randn(2, 16, 5, 6), torch.randn(2, 16, 5, 6))
    assert torch.allclose(attn.weights.sum(-1), torch.ones(2, 30), atol=1e-5)
    valid = window_valid_mask(attn.window).expand_as(attn.weights)
    assert attn.weights[~valid].abs().max().item() == 0.0   # out-of-image window positions get no weight
    ones = mod.warp(attn, torch.ones(2, 1, 5, 6))
    assert torch.allclose(ones, torch.ones_like(ones), atol=1e-5)
    warped = mod.warp(attn, torch.rand(2, 4, 5, 6))
    assert warped.min().item() >= 0.0 and warped.max().item() <= 1.0


@pytest.mark.parametrize("confidence", ["peak", "entropy"])
def test_local_equals_global_when_window_covers_everything(confidence):
    torch.manual_seed(4)
    cur, prev = torch.randn(2, 16, 4, 5), torch.randn(2, 16, 4, 5)
    local, glob = _module(4, confidence=confidence), _module(None, confidence=confidence)
    glob.load_state_dict(local.state_dict())
    a_l, a_g = local(cur, prev), glob(cur, prev)
    prior = torch.rand(2, 2, 4, 5)
    assert torch.allclose(local.warp(a_l, prior), glob.warp(a_g, prior), atol=1e-5)
    assert torch.allclose(a_l.confidence, a_g.confidence, atol=1e-5)
    # the same weights, laid out by window offset vs by absolute cell
    offsets = a_l.window.offsets()
    n = 2 * 5 + 3                               # cell (2, 3)
    for kk, (dy, dx) in enumerate(offsets):
        y, x = 2 + dy, 3 + dx
        if 0 <= y < 4 and 0 <= x < 5:
            assert torch.allclose(a_l.weights[:, n, kk], a_g.weights[:, n, y * 5 + x], atol=1e-6)


def test_confidence_kinds_range_and_order():
    torch.manual_seed(5)
    feat = torch.randn(1, 16, 5, 5)
    sharp = _module(2, temperature=0.005, confidence="entropy")(feat, feat).confidence
    flat = _module(2, temperature=100.0, confidence="entropy")(feat, feat).confidence
    assert sharp.min().item() > 0.95 and flat.max().item() < 0.05
    peak = _module(2, temperature=100.0)(feat, feat).confidence
    assert peak.max().item() < 0.2 and peak.min().item() > 0.0


def test_cached_embedding_grayscale_input_and_gradients():
    torch.manual_seed(6)
    mod = _module(2, learn_temperature=True)
    cur, prev = torch.randn(1, 16, 5, 5), torch.randn(1, 16, 5, 5)
    a = mod(cur, prev)
    b = mod(cur, None, prev_embedding=mod.embed(prev))
    assert torch.allclose(a.weights, b.weights)
    emb = mod.embed(cur)
    assert torch.allclose(emb.norm(dim=1), torch.ones(1, 5, 5), atol=1e-5)
    loss = -mod.warp(a, _blob(5, 5, 2.0, 2.0)).sum()
    loss.backward()
    assert mod.log_temperature.grad is not None and mod.embed_head[0].weight.grad.abs().sum() > 0
    gray = CorrespondenceModule(16, embed_dim=8, grayscale_input=True)
    with pytest.raises(ValueError, match="grayscale"):
        gray(cur, prev)
    x, y = torch.randn(1, 16, 5, 5), torch.randn(1, 16, 5, 5)
    g = gray(cur, prev, cur_embed_input=x, prev_embed_input=y)  # the embeddings come from the *_embed_input only
    assert torch.allclose(g.weights, gray(prev, cur, cur_embed_input=x, prev_embed_input=y).weights)
    assert not torch.allclose(g.weights, gray(cur, prev, cur_embed_input=y, prev_embed_input=x).weights)
    with pytest.raises(ValueError, match="on 5x5 cells"):
        warp(a, torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="confidence"):
        CorrespondenceModule(16, confidence="max")
