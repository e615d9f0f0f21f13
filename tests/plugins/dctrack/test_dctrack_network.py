"""dctrack network: shapes for every train setting, gradients, zero-init equality with the baseline, grids."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from common.geometry import Grid
from common.plugins import setting_names
from dctrack_fakes import fake_batch, tiny_config
from plugins.dctrack.config import ModelConfig
from plugins.dctrack.grids import correlation_grid, resample
from plugins.dctrack.bases import build_network

SETTINGS = setting_names("dctrack")


def test_every_setting_is_listed():
    for name in ("default", "baseline", "seed_v1", "quick", "corr_pretrain", "fast", "ablate_global_direction",
                 "ablate_nonlocal", "ablate_prior_direction"):
        assert name in SETTINGS


@pytest.mark.parametrize("setting", SETTINGS)
def test_forward_shapes_of_every_setting(setting):
    cfg = tiny_config(setting)
    torch.manual_seed(0)
    net = build_network(cfg.model).train()
    geo = net.geometry
    batch = fake_batch(geo, cfg.model.prior_kind, batch=2)
    out = net(batch)
    s, f = geo.score.size, geo.feature.size
    assert out["cls"].shape == (2, 1, s, s)
    if cfg.model.base == "nanotrack":
        assert out["ctr"] is None          # the nanotrack base has no centerness branch
    else:
        assert out["ctr"].shape == (2, 1, s, s)
    assert out["box"].shape == (2, 4, s, s)
    assert out["cls_appearance"].shape == (2, 1, s, s)
    assert torch.isfinite(out["cls"]).all() and (out["box"] > 0).all()
    if cfg.model.corr.enabled:
        assert out["warped_prior"].shape == (2, batch["prior"].shape[1], f, f)
        assert out["confidence"].shape == (2, 1, f, f)
        assert out["attention"].shape[:2] == (2, f * f)
    else:
        assert "warped_prior" not in out


def test_default_model_has_siamfcpp_geometry():
    net = build_network(ModelConfig())
    geo = net.geometry
    assert (geo.template_size, geo.search_size, geo.score.size, geo.stride) == (127, 303, 17, 8.0)
    assert geo.score.cell_to_pixel(8) == pytest.approx(303 / 2)  # centre score cell = crop centre
    with torch.no_grad():
        out = net.eval()(fake_batch(geo, "gaussian", batch=1))
    assert out["cls"].shape == (1, 1, 17, 17)


def test_gradients_reach_every_trainable_parameter():
    from plugins.dctrack.actor import build_actor

    cfg = tiny_config("default")
    torch.manual_seed(0)
    net = build_network(cfg.model).train()
    # zero-initialised fusion gets gradient only through its own weights; perturb so every path is live
    with torch.no_grad():
        for p in net.cls_fusion.parameters():
            p.normal_(0, 0.01)
    loss, _ = build_actor(net, cfg)(fake_batch(net.geometry, "gaussian", batch=3))
    loss.backward()
    missing = [n for n, p in net.named_parameters() if p.requires_grad and (p.grad is None or p.grad.abs().sum() == 0)]
    assert missing == []


def test_fusion_is_identity_at_init_so_outputs_equal_the_baseline():
    cfg = tiny_config("default")
    torch.manual_seed(0)
    net = build_network(cfg.model).eval()
    base_cfg = copy.deepcopy(cfg.model)
    base_cfg.corr.enabled = False
    base = build_network(base_cfg).eval()
    missing, unexpected = base.load_state_dict(net.state_dict(), strict=False)
    assert missing == [] and all(k.startswith(("correspondence.", "cls_fusion.", "color_quantizer.")) for k in unexpected)
    batch = fake_batch(net.geometry, "gaussian", batch=2)
    with torch.no_grad():
        a, b = net(batch), base(batch)
    for key in ("cls", "ctr", "box"):
        assert torch.equal(a[key], b[key]), key
    assert torch.equal(a["cls"], a["cls_appearance"])


def test_prior_changes_the_output_once_fusion_is_trained():
    cfg = tiny_config("default")
    torch.manual_seed(0)
    net = build_network(cfg.model).eval()
    with torch.no_grad():
        net.cls_fusion.conv.weight.normal_(0, 0.5)
    batch = fake_batch(net.geometry, "gaussian", batch=2)
    zero = dict(batch, prior=torch.zeros_like(batch["prior"]))
    with torch.no_grad():
        assert not torch.allclose(net(batch)["cls"], net(zero)["cls"])


def test_frozen_correspondence_gets_no_gradient_and_loads_from_checkpoint(tmp_path):
    from common.checkpoint import save_checkpoint
    from plugins.dctrack.actor import build_actor

    cfg = tiny_config("default")
    torch.manual_seed(1)
    source = build_network(cfg.model)
    ckpt = save_checkpoint(tmp_path / "corr.pth", {"plugin": "dctrack", "setting": "corr_pretrain",
                                                    "network": source.state_dict()})
    cfg.model.corr.frozen = True
    cfg.model.corr.checkpoint = str(ckpt)
    torch.manual_seed(2)
    net = build_network(cfg.model).train()
    actor = build_actor(net, cfg)  # loads the correspondence weights
    for (name, p), q in zip(net.correspondence.named_parameters(), source.correspondence.parameters()):
        assert torch.equal(p, q), name
    assert not net.correspondence.training
    loss, stats = actor(fake_batch(net.geometry, "gaussian", batch=2))
    loss.backward()
    assert all(p.grad is None for p in net.correspondence.parameters())
    assert "loss/colorization" not in stats and "loss/cls" in stats


def test_frozen_without_checkpoint_is_a_config_error():
    from common.config import ConfigError, validate_config

    cfg = tiny_config("default")
    cfg.model.corr.frozen = True
    with pytest.raises(ConfigError, match="checkpoint"):
        validate_config(cfg.model)


def test_global_direction_is_zero_for_identity_attention_and_follows_a_shift():
    cfg = tiny_config("ablate_global_direction")
    net = build_network(cfg.model).eval()
    f = net.geometry.feature.size
    # identical embeddings with a sharp temperature: each cell attends to itself
    emb = torch.nn.functional.normalize(torch.randn(1, 32, f, f), dim=1)
    net.correspondence.log_temperature.fill_(float(np.log(1e-3)))
    attn = net.correspondence.attend(emb, emb)
    prior = torch.zeros(1, 1, f, f)
    prior[..., 4:7, 4:7] = 1
    warped = net.correspondence.warp(attn, prior)
    d = net.global_direction(attn, warped, torch.ones(1))
    assert d.abs().max() < 1e-4
    # current frame = previous shifted right by 2 cells: the target moves +2 cells in x
    shifted = torch.roll(emb, shifts=2, dims=-1)
    attn = net.correspondence.attend(shifted, emb)
    warped = net.correspondence.warp(attn, prior)
    d = net.global_direction(attn, warped, torch.ones(1)).flatten()
    assert d[0].item() == pytest.approx(2 * net.geometry.stride / net.geometry.search_size, abs=1e-3)
    assert abs(d[1].item()) < 1e-3


def test_resample_crops_exactly_and_interpolates_half_cells():
    feature = Grid(28, 8.0, 43.5)
    corr = correlation_grid(feature, 6)          # centred 2.5 cells in: half-cell offset
    assert corr == Grid(23, 8.0, 63.5)
    x = torch.arange(28.0).view(1, 1, 1, 28).expand(1, 1, 28, 28).contiguous()
    y = resample(x, feature, corr)
    assert torch.allclose(y[0, 0, 0], torch.arange(23.0) + 2.5)
    aligned = correlation_grid(feature, 5)       # integer shift: exact slice
    assert torch.equal(resample(x, feature, aligned), x[..., 2:2 + 24, 2:2 + 24])
    score = Grid(9, 8.0, 63.5)
    back = resample(torch.ones(1, 1, 9, 9), score, Grid(11, 8.0, 47.5))  # score -> feature: zero padded
    assert back.shape == (1, 1, 11, 11) and back.sum() == 81
    assert back[0, 0, 1, 1] == 0 and back[0, 0, 2, 2] == 1 and back[0, 0, 10, 10] == 1


def test_nonlocal_before_xcorr_keeps_shapes_and_starts_as_identity():
    cfg = tiny_config("ablate_nonlocal")
    cfg.model.nonlocal_position = "before_xcorr"
    torch.manual_seed(0)
    net = build_network(cfg.model).eval()
    plain_cfg = copy.deepcopy(cfg.model)
    plain_cfg.nonlocal_block = False
    plain = build_network(plain_cfg).eval()
    plain.load_state_dict(net.state_dict(), strict=False)
    batch = fake_batch(net.geometry, "gaussian", batch=2)
    with torch.no_grad():
        a, b = net(batch), plain(batch)
    assert a["cls"].shape == (2, 1, net.geometry.score.size, net.geometry.score.size)
    assert torch.allclose(a["cls"], b["cls"], atol=1e-6)  # zero-initialised output projection


def test_global_direction_without_correspondence_is_refused():
    from common.config import ConfigError, validate_config

    cfg = tiny_config("ablate_global_direction")
    cfg.model.corr.enabled = False
    with pytest.raises(ConfigError, match="global_direction"):
        validate_config(cfg.model)
