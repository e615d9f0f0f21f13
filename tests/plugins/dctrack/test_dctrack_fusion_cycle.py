"""PriorFusion and NonLocalBlock are the identity at init and learn; cycle-consistency loss behaves."""
from __future__ import annotations

import pytest
import torch

from plugins.dctrack.correspondence import CorrespondenceModule, warp
from plugins.dctrack.cycle import cycle_consistency_loss
from plugins.dctrack.fusion import PriorFusion
from plugins.dctrack.nonlocal_block import NonLocalBlock



@pytest.mark.parametrize("opts", [{}, {"use_confidence": True, "coord_channels": True, "se_gate": True}])
def test_prior_fusion_identity_at_init_and_gradients(opts):
    torch.manual_seed(0)
    fusion = PriorFusion(8, 2, **opts)
    feat, prior = torch.randn(3, 8, 5, 5), torch.rand(3, 2, 5, 5)
    conf = torch.rand(3, 1, 5, 5) if opts.get("use_confidence") else None
    valid = torch.tensor([1.0, 0.0, 1.0])
    out = fusion(feat, prior, confidence=conf, prior_valid=valid)
    assert torch.equal(out, feat)
    (out * torch.randn_like(out)).sum().backward()
    assert fusion.conv.weight.grad.abs().sum() > 0
    if opts.get("se_gate"):
        assert fusion.se[-1].weight.grad.abs().sum() > 0


def test_prior_fusion_invalid_prior_is_zeroed_and_flagged():
    torch.manual_seed(1)
    fusion = PriorFusion(4, 1)
    with torch.no_grad():
        fusion.conv.weight.normal_()
    feat, prior = torch.randn(2, 4, 3, 3), torch.rand(2, 1, 3, 3)
    invalid = fusion(feat[:1], prior[:1], prior_valid=torch.zeros(1))
    other_prior = fusion(feat[:1], torch.rand(1, 1, 3, 3), prior_valid=torch.zeros(1))
    assert torch.allclose(invalid, other_prior)            # an invalid prior is ignored ...
    no_prior = fusion(feat[:1], torch.zeros(1, 1, 3, 3), prior_valid=torch.ones(1))
    assert not torch.allclose(invalid, no_prior)           # ... and distinguishable from an empty valid one
    with pytest.raises(ValueError, match="prior"):
        fusion(feat, torch.rand(2, 2, 3, 3))
    with pytest.raises(ValueError, match="confidence"):
        PriorFusion(4, 1, use_confidence=True)(feat, prior)


def test_nonlocal_identity_at_init_then_learns():
    torch.manual_seed(2)
    block = NonLocalBlock(8)
    x = torch.randn(2, 8, 4, 5)
    out = block(x)
    assert torch.equal(out, x)
    (out ** 2).sum().backward()
    assert block.out.weight.grad.abs().sum() > 0
    assert NonLocalBlock(8, inner_channels=3).theta.out_channels == 3


def _attention(cur, prev, radius=2, temperature=0.005):
    torch.manual_seed(3)
    with torch.no_grad():
        return CorrespondenceModule(cur.shape[1], embed_dim=16, radius=radius, temperature=temperature)(cur, prev)


def test_cycle_loss_low_for_consistent_pairs_high_otherwise():
    torch.manual_seed(4)
    a = torch.randn(1, 8, 6, 6)
    b = torch.randn(1, 8, 6, 6)
    b[..., 1:] = a[..., :-1]                 # B is A moved one cell to the right
    fwd, bwd = _attention(b, a), _attention(a, b)
    consistent = cycle_consistency_loss(fwd, bwd, warp, 6)
    ident = _attention(a, a)
    inconsistent = cycle_consistency_loss(fwd, ident, warp, (6, 6))
    assert float(cycle_consistency_loss(ident, ident, warp, 6)) < 1e-3
    assert float(consistent) < 0.5 * float(inconsistent) and float(inconsistent) > 3.0


def test_cycle_loss_gradients_reach_the_embedding():
    torch.manual_seed(5)
    mod = CorrespondenceModule(8, embed_dim=16, radius=None, temperature=0.1)
    a, b = torch.randn(1, 8, 4, 4), torch.randn(1, 8, 4, 4)
    loss = cycle_consistency_loss(mod(b, a), mod(a, b), mod.warp, 4)
    loss.backward()
    assert torch.isfinite(loss) and mod.embed_head[0].weight.grad.abs().sum() > 0


@pytest.mark.parametrize("radius,size", [(1, (4, 5)), (2, (6, 5))])
def test_local_cycle_loss_equals_the_dense_definition(radius, size):
    from plugins.dctrack.correspondence import CorrespondenceModule, warp
    from plugins.dctrack.cycle import cycle_consistency_loss, local_cycle_loss

    torch.manual_seed(0)
    corr = CorrespondenceModule(8, embed_dim=4, radius=radius, temperature=0.5)
    a, b = corr.embed(torch.randn(2, 8, *size)), corr.embed(torch.randn(2, 8, *size))
    fwd, bwd = corr.attend(b, a), corr.attend(a, b)
    dense = cycle_consistency_loss(fwd, bwd, warp, size)
    local = local_cycle_loss(fwd.weights, bwd.weights, radius, size)
    assert local.item() == pytest.approx(dense.item(), rel=1e-5)


def test_prior_only_fusion_leaves_features_alone_without_a_prior():
    torch.manual_seed(0)
    fusion = PriorFusion(8, 1, use_confidence=True, feature_input=False)
    torch.nn.init.normal_(fusion.conv.weight)                  # as if trained
    feat = torch.randn(2, 8, 5, 5)
    invalid = fusion(feat, torch.rand(2, 1, 5, 5), torch.rand(2, 1, 5, 5), torch.zeros(2))
    assert fusion.conv.in_channels == 1 + 1 + 1                # prior, confidence, valid: no feature channels
    torch.testing.assert_close(invalid, feat + fusion.conv.bias.view(1, -1, 1, 1))   # only the constant bias
    moved = fusion(feat, torch.rand(2, 1, 5, 5), torch.rand(2, 1, 5, 5), torch.ones(2))
    assert not torch.allclose(moved, invalid)


@pytest.mark.parametrize("feature_input,se_gate", [(True, False), (False, False), (True, True)])
def test_invalid_identity_fusion_returns_the_base_features_for_an_invalid_prior(feature_input, se_gate):
    torch.manual_seed(0)
    fusion = PriorFusion(8, 1, use_confidence=True, feature_input=feature_input, se_gate=se_gate,
                         invalid_identity=True)
    for p in fusion.parameters():                              # as if trained: nothing zero any more
        torch.nn.init.normal_(p)
    feat = torch.randn(2, 8, 5, 5)
    prior, conf = torch.rand(2, 1, 5, 5), torch.rand(2, 1, 5, 5)
    out = fusion(feat, prior, conf, torch.tensor([0.0, 1.0]))
    assert torch.equal(out[0], feat[0])                        # invalid: exactly the base's features
    assert not torch.allclose(out[1], feat[1])                 # valid: the learned residual
    plain = PriorFusion(8, 1, use_confidence=True, feature_input=feature_input, se_gate=se_gate)
    plain.load_state_dict(fusion.state_dict())                 # same parameters: checkpoints load either way
    torch.testing.assert_close(plain(feat, prior, conf, torch.ones(2)), fusion(feat, prior, conf, torch.ones(2)))
