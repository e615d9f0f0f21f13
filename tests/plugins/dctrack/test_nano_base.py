"""dctrack on the NanoTrack v2 base: zero-initialised branch equals the base, training signal reaches the new
modules, the recipes build, and the tracker runs with the base's outputs (no centerness)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from common.config import ConfigError, apply_overrides, validate_config
from common.plugins import get_plugin, load_parameters, load_train_config
from plugins.dctrack.bases import build_network
from plugins.dctrack.config import ModelConfig
from plugins.dctrack.nano_base import NanoBaseNet, foreground_logit
from plugins.dctrack.tracker import DCTrackTracker
from plugins.nanotrack.config import ModelConfig as NanoModelConfig
from plugins.nanotrack.network import NanoTrackNet

B = 2


def _nano_cfg(**changes) -> ModelConfig:
    cfg = ModelConfig(base="nanotrack", template_size=127, search_size=255, **changes)
    validate_config(cfg)
    return cfg


def _randomised_pair(seed: int = 0) -> tuple[NanoBaseNet, NanoTrackNet]:
    """A NanoTrack network with random weights (BN statistics too) and a dctrack nano base holding the same."""
    torch.manual_seed(seed)
    ref = NanoTrackNet(NanoModelConfig())
    for module in ref.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    net = build_network(_nano_cfg())
    missing, unexpected = net.load_state_dict(ref.state_dict(), strict=False)
    assert not unexpected and all(not k.startswith(("backbone.", "ban_head.")) for k in missing)
    return net.eval(), ref.eval()


def _batch() -> dict:
    g = torch.Generator().manual_seed(1)
    return {"template": torch.rand(B, 3, 127, 127, generator=g) * 255,
            "search_cur": torch.rand(B, 3, 255, 255, generator=g) * 255,
            "search_prev": torch.rand(B, 3, 255, 255, generator=g) * 255,
            "prior": torch.rand(B, 1, 16, 16, generator=g), "prior_valid": torch.ones(B)}


def test_untrained_branch_equals_the_base():
    net, ref = _randomised_pair()
    batch = _batch()
    with torch.no_grad():
        out = net(batch)
        cls, box = ref.ban_head(ref.template_features(batch["template"]), ref.search_features(batch["search_cur"]))
    assert out["ctr"] is None
    assert out["warped_prior"] is not None          # the branch ran ...
    torch.testing.assert_close(out["cls"], foreground_logit(cls), rtol=1e-4, atol=1e-4)  # ... and changed nothing
    torch.testing.assert_close(out["box"], box, rtol=1e-4, atol=1e-3)
    # the softmax foreground probability of the base is the sigmoid of the one logit
    torch.testing.assert_close(torch.sigmoid(out["cls"]), cls.softmax(dim=1)[:, 1:2], rtol=1e-5, atol=1e-6)


def test_published_weights_load_into_the_base(shared_data):
    weights = shared_data / "weights" / "nanotrack" / "nanotrackv2.pth"
    net = build_network(_nano_cfg(base_weights=str(weights)))
    before = {k: v.clone() for k, v in net.state_dict().items() if k.startswith("correspondence.")}
    net.load_base_weights(str(weights))
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)   # the branch keeps its own initialisation
    assert not torch.equal(after["ban_head.cls_pred.0.weight"], build_network(_nano_cfg()).state_dict()["ban_head.cls_pred.0.weight"])


def _labelled_batch() -> dict:
    """A training batch with targets: one positive 2x2 patch in the middle of the score map."""
    batch = _batch()
    batch.update(cur_prior=torch.rand(B, 1, 16, 16), cls_target=torch.zeros(B, 16, 16), ctr_target=torch.zeros(B, 16, 16),
                 box_target=torch.full((B, 4, 16, 16), 20.0), is_negative=torch.zeros(B), labeled=torch.ones(B),
                 cur_box=torch.tensor([[100.0, 100.0, 40.0, 40.0]] * B))
    batch["cls_target"][:, 7:9, 7:9] = 1.0
    return batch


def test_training_signal_reaches_the_branch():
    cfg = load_train_config("dctrack", "cpu_nano")
    cfg.model.base_weights = None
    net = get_plugin("dctrack").build_network(cfg.model)
    actor = get_plugin("dctrack").build_actor(net, cfg)
    batch = _labelled_batch()
    net.train()
    loss, stats = actor(batch)
    loss.backward()
    assert "loss/ctr" not in stats and {"loss/cls", "loss/iou", "loss/warp_prior", "loss/cycle"} <= set(stats)
    grads = {n: p.grad for n, p in net.named_parameters() if p.grad is not None}
    assert any(n.startswith("correspondence.") and g.abs().sum() > 0 for n, g in grads.items())
    assert any(n.startswith("cls_fusion.") and g.abs().sum() > 0 for n, g in grads.items())
    assert any(n.startswith("ban_head.") and g.abs().sum() > 0 for n, g in grads.items())


def test_recipes_differ_only_in_the_correspondence():
    main, control = load_train_config("dctrack", "cpu_nano"), load_train_config("dctrack", "cpu_nano_baseline")
    assert main.model.base == control.model.base == "nanotrack"
    assert main.model.corr.enabled and not control.model.corr.enabled
    assert main.optim == control.optim and main.epochs == control.epochs and main.loss == control.loss
    assert [d.name for d in control.data.train] == ["got10k"]          # no unlabeled frames: nothing would learn
    assert [d.name for d in main.data.train] == ["got10k", "unlabeled"]
    assert main.checkpoint.best_metric == "track/auc" and main.val.tracking_dataset == "got10k"


def test_nano_base_rejects_other_crop_sizes():
    with pytest.raises(ConfigError, match="template_size 127 and search_size 255"):
        validate_config(apply_overrides(load_train_config("dctrack", "cpu_nano"), ["model.search_size=287"]))


def test_tracker_runs_on_the_base_without_centerness():
    net, _ = _randomised_pair()
    params = load_parameters("dctrack", "cpu_nano", ["precision=float32"])
    tracker = DCTrackTracker(params, net)
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, size=(240, 320, 3), dtype=np.uint8)
    tracker.initialize(frame, [100.0, 80.0, 40.0, 30.0])
    for _ in range(3):
        out = tracker.track(frame)
        assert np.all(np.isfinite(out["box"])) and 0.0 <= out["score"] <= 1.0
    # the inference copy folded the RGB -> BGR swap into the first convolution
    assert isinstance(tracker.network.normalizer, torch.nn.Identity)


def test_folding_the_channel_swap_is_exact():
    net, _ = _randomised_pair()
    batch = _batch()
    with torch.no_grad():
        before = net(batch)
        assert net.fold_input_normalization()
        after = net(batch)
    assert not net.fold_input_normalization()   # only once
    torch.testing.assert_close(after["cls"], before["cls"], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(after["box"], before["box"], rtol=1e-5, atol=1e-4)


def test_frozen_trunk_runs_in_cache_sized_passes_with_the_same_features(monkeypatch):
    from plugins.dctrack import network as network_module

    net, _ = _randomised_pair()
    crops = torch.rand(5, 3, 127, 127, generator=torch.Generator().manual_seed(2)) * 255
    passes = []
    trunk = net._trunk
    monkeypatch.setattr(net, "_trunk", lambda image: passes.append(image.shape[0]) or trunk(image))
    monkeypatch.setattr(network_module, "TRUNK_PASS_PIXELS", 2 * 127 * 127)
    with torch.no_grad():
        whole = trunk(crops)
        split = net.backbone_features(crops)                  # eval mode: passes of 2 crops
        assert passes == [2, 2, 1] and split.is_contiguous()
        torch.testing.assert_close(split, whole, rtol=1e-5, atol=1e-5)
        passes.clear()
        net.train()                                           # batch statistics in training: one pass
        net.backbone_features(crops)
        assert passes == [5]
        passes.clear()
        for m in net.backbone.modules():                      # optim.frozen_norm / a frozen backbone: split again
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()
        net.backbone_features(crops)
        assert passes == [2, 2, 1]


def test_cpu_nano_freezing_keeps_the_gradient_through_the_frozen_head():
    from ltr.trainer.optim import apply_freezing

    cfg = load_train_config("dctrack", "cpu_nano")
    cfg.model.base_weights = None
    net = get_plugin("dctrack").build_network(cfg.model)
    apply_freezing(net, cfg.optim, 1)
    head = [p for n, p in net.named_parameters() if n.startswith("ban_head.")]
    assert all(p.requires_grad for p in head)       # lr 0, but their gradients count in grad_clip's norm
    cfg.optim.lr0_in_clip_norm = False
    apply_freezing(net, cfg.optim, 1)
    trained = {n.split(".")[0] for n, p in net.named_parameters() if p.requires_grad}
    assert trained == {"correspondence", "cls_fusion"}
    actor = get_plugin("dctrack").build_actor(net, cfg)
    batch = _labelled_batch()
    net.train()
    loss, stats = actor(batch)
    loss.backward()
    assert "loss/appearance_cls" in stats and all(p.grad is None for p in head)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.cls_fusion.parameters())  # through the towers
    control = load_train_config("dctrack", "cpu_nano_baseline")
    control.model.base_weights = None
    twin = get_plugin("dctrack").build_network(control.model)
    apply_freezing(twin, control.optim, 1)
    assert not any(p.requires_grad for p in twin.parameters())     # nothing to train: every gradient skipped
