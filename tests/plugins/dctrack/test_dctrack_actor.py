"""dctrack actor: finite weighted loss, the named stats, negatives handling, corr_pretrain, config checks."""
from __future__ import annotations

import math

import pytest
import torch

from dctrack_fakes import fake_batch, tiny_config
from plugins.dctrack import losses as L
from plugins.dctrack.actor import build_actor
from plugins.dctrack import PLUGIN

build_network = PLUGIN.build_network

STATS = ("loss", "loss/cls", "loss/ctr", "loss/iou", "loss/appearance_cls", "loss/warp_prior", "loss/colorization",
         "loss/cycle", "peak_in_target/appearance", "peak_in_target/fused")


def _run(setting: str, seed: int = 0, batch_size: int = 3, **loss_changes):
    cfg = tiny_config(setting)
    for key, value in loss_changes.items():
        setattr(cfg.loss, key, value)
    torch.manual_seed(seed)
    net = build_network(cfg.model).train()
    batch = fake_batch(net.geometry, cfg.model.prior_kind, batch=batch_size, seed=seed)
    loss, stats = build_actor(net, cfg)(batch)
    return loss, stats, net, batch, cfg


def test_default_actor_returns_finite_loss_and_named_stats():
    loss, stats, *_ = _run("default")
    assert loss.dim() == 0 and torch.isfinite(loss)
    for key in STATS:
        assert key in stats, key
        assert isinstance(stats[key], float) and math.isfinite(stats[key]), key
    assert 0.0 <= stats["peak_in_target/fused"] <= 1.0


def test_total_is_the_weighted_sum_of_the_terms():
    loss, stats, _, _, cfg = _run("default")
    total = sum(getattr(cfg.loss, name) * stats[f"loss/{name}"]
                for name in ("cls", "ctr", "iou", "appearance_cls", "warp_prior", "colorization", "cycle"))
    assert loss.item() == pytest.approx(total, rel=1e-5)


def test_corr_only_negatives_leave_the_negative_sample_out_of_tracking_losses():
    # the last sample of a fake batch is a negative pair (all-zero cls target)
    _, all_stats, *_ = _run("default", negatives="all")
    _, corr_stats, *_ = _run("default", negatives="corr_only")
    assert all_stats["loss/cls"] != pytest.approx(corr_stats["loss/cls"])
    for name in ("warp_prior", "colorization", "cycle", "ctr", "iou"):
        assert all_stats[f"loss/{name}"] == pytest.approx(corr_stats[f"loss/{name}"], rel=1e-5), name


def test_a_batch_of_only_negatives_under_corr_only_has_zero_tracking_loss():
    cfg = tiny_config("seed_v1")
    torch.manual_seed(0)
    net = build_network(cfg.model).train()
    batch = fake_batch(net.geometry, "box", batch=2)
    batch["is_negative"] = torch.ones(2)
    batch["cls_target"].zero_()
    batch["ctr_target"].zero_()
    _, stats = build_actor(net, cfg)(batch)
    assert stats["loss/cls"] == 0.0 and stats["loss/appearance_cls"] == 0.0
    assert stats["loss/warp_prior"] > 0.0
    assert "peak_in_target/fused" not in stats  # no positive sample to measure


def test_unlabeled_samples_train_only_the_self_supervised_terms():
    cfg = tiny_config("default")
    torch.manual_seed(0)
    net = build_network(cfg.model).train()
    batch = fake_batch(net.geometry, "gaussian", batch=2)
    batch["labeled"] = torch.zeros(2)  # as the loader marks frames without ground truth
    loss, stats = build_actor(net, cfg)(batch)
    for name in ("cls", "ctr", "iou", "appearance_cls", "warp_prior"):
        assert stats[f"loss/{name}"] == 0.0, name
    assert stats["loss/colorization"] > 0.0 and stats["loss/cycle"] > 0.0
    loss.backward()
    assert all(p.grad is None or p.grad.abs().sum() == 0 for p in net.head.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.correspondence.parameters())


def test_corr_pretrain_trains_only_the_correspondence_terms():
    loss, stats, net, *_ = _run("corr_pretrain")
    assert "loss/cls" not in stats and "loss/iou" not in stats
    assert stats["loss/colorization"] > 0 and stats["loss/cycle"] > 0
    loss.backward()
    assert all(p.grad is None for p in net.head.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.correspondence.parameters())


def test_baseline_actor_has_no_correspondence_terms():
    loss, stats, *_ = _run("baseline")
    assert torch.isfinite(loss)
    assert "loss/warp_prior" not in stats and "loss/cls" in stats


def test_direction_prior_uses_l2(monkeypatch):
    """The direction prior is signed, so its warp loss must be the squared error (BCE is undefined below 0)."""
    seen = {}
    real = L.warp_prior_loss

    def spy(warped, target, valid, kind):
        seen.update(warped=warped.detach(), target=target.detach(), valid=valid.detach(), kind=kind)
        return real(warped, target, valid, kind)

    monkeypatch.setattr(L, "warp_prior_loss", spy)
    _, stats, *_ = _run("ablate_prior_direction")
    assert seen["kind"] == "bce" and seen["target"].min() < 0  # the default loss kind, on a signed target
    per_sample = ((seen["warped"] - seen["target"]) ** 2).flatten(1).mean(dim=1)
    l2 = float((per_sample * seen["valid"]).sum() / seen["valid"].sum().clamp(min=1.0))
    assert stats["loss/warp_prior"] == pytest.approx(l2, rel=1e-5)


def test_warp_prior_loss_is_bce_on_unit_priors_and_l2_on_signed_ones():
    warped = torch.full((2, 1, 3, 3), 0.25)
    unit = torch.ones(2, 1, 3, 3)
    valid = torch.ones(2)
    bce = L.warp_prior_loss(warped, unit, valid, "bce")
    assert bce.item() == pytest.approx(-math.log(0.25), rel=1e-5)
    assert L.warp_prior_loss(warped, -unit, valid, "bce").item() == pytest.approx(1.25 ** 2, rel=1e-5)
    assert L.warp_prior_loss(warped, unit, valid, "l2").item() == pytest.approx(0.75 ** 2, rel=1e-5)


def test_peak_in_target_counts_argmax_inside_the_box():
    from plugins.dctrack.losses import peak_in_target

    _, _, net, batch, _ = _run("default")
    grid = net.geometry.score
    logits = torch.full((3, 1, grid.size, grid.size), -5.0)
    logits[:, 0, 0, 0] = 5.0  # corner cell: outside every fake box
    rate, count = peak_in_target(logits, batch, grid)
    assert (rate, count) == (0.0, 2)
    logits[:] = -5.0
    cx = batch["cur_box"][:, 0] + batch["cur_box"][:, 2] / 2
    cy = batch["cur_box"][:, 1] + batch["cur_box"][:, 3] / 2
    for i in range(3):
        ix = int(round(float(grid.pixel_to_cell(float(cx[i])))))
        iy = int(round(float(grid.pixel_to_cell(float(cy[i])))))
        logits[i, 0, iy, ix] = 5.0
    rate, count = peak_in_target(logits, batch, grid)
    assert (rate, count) == (1.0, 2)


def test_build_actor_loads_the_pretrained_backbone_and_names_a_missing_file(tmp_path):
    cfg = tiny_config("default")
    torch.manual_seed(3)
    source = build_network(cfg.model)
    torch.save(source.backbone.state_dict(), tmp_path / "tiny.pth")
    cfg.model.pretrained = str(tmp_path / "tiny.pth")
    torch.manual_seed(4)
    net = build_network(cfg.model)  # builds without reading the file (a tracking checkpoint needs no extra file)
    assert not torch.equal(net.backbone.features[0].weight, source.backbone.features[0].weight)
    build_actor(net, cfg)
    for a, b in zip(net.backbone.state_dict().values(), source.backbone.state_dict().values()):
        assert torch.equal(a, b)
    cfg.model.pretrained = "no_such_weights.pth"
    with pytest.raises(FileNotFoundError, match="no_such_weights.pth"):
        build_actor(build_network(cfg.model), cfg)


def test_global_cycle_shortcut_equals_the_generic_cycle_loss():
    from plugins.dctrack.correspondence import CorrespondenceModule, warp
    from plugins.dctrack.cycle import cycle_consistency_loss
    from plugins.dctrack.losses import global_cycle_loss

    torch.manual_seed(0)
    corr = CorrespondenceModule(8, 16, radius=None, temperature=0.1)
    a, b = corr.embed(torch.randn(2, 8, 5, 5)), corr.embed(torch.randn(2, 8, 5, 5))
    fwd, bwd = corr.attend(a, b), corr.attend(b, a)
    expected = cycle_consistency_loss(fwd, bwd, warp, (5, 5))
    assert global_cycle_loss(fwd.weights, bwd.weights).item() == pytest.approx(expected.item(), rel=1e-5)


def test_palette_is_fitted_once_on_the_first_batch_and_saved_with_the_weights():
    cfg = tiny_config("default")
    torch.manual_seed(0)
    net = build_network(cfg.model).train()
    default = net.color_quantizer.centers.clone()
    actor = build_actor(net, cfg)
    actor(fake_batch(net.geometry, "gaussian", batch=2, seed=0))
    fitted = net.color_quantizer.centers.clone()
    assert bool(net.color_quantizer.fitted) and not torch.allclose(fitted, default)
    actor(fake_batch(net.geometry, "gaussian", batch=2, seed=1))
    assert torch.equal(net.color_quantizer.centers, fitted)  # computed once
    state = net.state_dict()
    assert torch.equal(state["color_quantizer.centers"], fitted) and bool(state["color_quantizer.fitted"])
    reloaded = build_network(cfg.model)
    reloaded.load_state_dict(state)
    assert torch.equal(reloaded.color_quantizer.centers, fitted)


def test_checkpoint_without_a_palette_still_loads():
    cfg = tiny_config("default")
    net = build_network(cfg.model)
    state = {k: v for k, v in net.state_dict().items() if not k.startswith("color_quantizer.")}
    fresh = build_network(cfg.model)
    fresh.load_state_dict(state)  # strict: the default palette fills in
    assert not bool(fresh.color_quantizer.fitted)
    from common.checkpoint import load_weights

    load_weights(build_network(cfg.model), state, "old.pth")  # the checkpoint loader's own key check passes too


def test_colorization_samples_limits_the_grayscale_pass_to_the_first_samples(monkeypatch):
    """loss.colorization_samples=N: the grayscale attention sees N samples; 0 (the default) the whole batch."""
    seen = []
    original = type(build_network(tiny_config("default").model)).grayscale_attention

    def spy(self, cur, prev):
        seen.append((cur.shape[0], prev.shape[0]))
        return original(self, cur, prev)

    monkeypatch.setattr(type(build_network(tiny_config("default").model)), "grayscale_attention", spy)
    loss, stats, *_ = _run("default", batch_size=3, colorization_samples=2)
    assert seen == [(2, 2)] and math.isfinite(stats["loss/colorization"]) and stats["loss/colorization"] > 0
    loss.backward()
    _run("default", batch_size=3)
    assert seen[-1] == (3, 3)


def test_negative_colorization_samples_is_a_config_error():
    from common.config import ConfigError, validate_config

    cfg = tiny_config("default")
    cfg.loss.colorization_samples = -1
    with pytest.raises(ConfigError, match="colorization_samples"):
        validate_config(cfg)
