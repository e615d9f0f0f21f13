"""Optimisation from the setting: warm-up + cosine/step values, parameter groups, accumulation equivalence,
staged unfreezing, non-finite steps skipped, fp16 refused on CPU, bf16 on CPU."""
from __future__ import annotations

import math

import pytest
import torch

from common.config import ConfigError
from common.plugins import get_plugin, load_train_config
from ltr.config import OptimConfig
from ltr.run_training import main
from ltr.trainer.amp import Precision
from ltr.trainer.optim import param_groups
from ltr.trainer.schedule import LRSchedule
from ltr.trainer.trainer import Trainer


def test_warmup_then_cosine_values():
    s = LRSchedule(OptimConfig(warmup_epochs=1, schedule="cosine", min_lr_ratio=0.01), iters_per_epoch=10, epochs=3)
    assert [round(s.factor(i), 6) for i in (0, 4, 9)] == [0.1, 0.5, 1.0]
    assert s.factor(10) == pytest.approx(1.0)
    assert s.factor(20) == pytest.approx(0.01 + 0.99 * 0.5)                        # half way through the cosine
    assert s.factor(29) == pytest.approx(0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * 19 / 20)))
    factors = [s.factor(i) for i in range(10, 30)]
    assert all(a >= b for a, b in zip(factors, factors[1:]))


def test_step_and_constant_schedules():
    step = LRSchedule(OptimConfig(warmup_epochs=0, schedule="step", step_milestones=[2, 3], step_gamma=0.1), 5, 4)
    assert [step.factor(i) for i in (0, 9, 10, 14, 15, 19)] == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])
    const = LRSchedule(OptimConfig(warmup_epochs=2, schedule="constant"), 2, 5)
    assert [const.factor(i) for i in range(6)] == pytest.approx([0.25, 0.5, 0.75, 1, 1, 1])


def test_parameter_groups(tiny_plugin):
    net = get_plugin("tinyplug").build_network(load_train_config("tinyplug", "default").model)
    groups = {g["group"]: g for g in param_groups(net, OptimConfig(backbone_lr_mult=0.1, weight_decay=0.5), 1.0)}
    assert set(groups) == {"backbone", "backbone_nodecay", "head", "head_nodecay"}
    assert groups["backbone"]["lr"] == pytest.approx(0.1) and groups["head"]["lr"] == 1.0
    assert groups["head_nodecay"]["weight_decay"] == 0.0 and groups["head"]["weight_decay"] == 0.5
    ids = {id(p) for g in groups.values() for p in g["params"]}
    assert ids == {id(p) for p in net.parameters()}


def test_lr_mults_prefixes_override_the_backbone_multiplier(tiny_plugin):
    net = get_plugin("tinyplug").build_network(load_train_config("tinyplug", "default").model)
    names = [n for n, _ in net.named_parameters() if not n.startswith("backbone.")]
    prefix = names[0].split(".")[0] + "."
    cfg = OptimConfig(backbone_lr_mult=0.1, lr_mults={prefix: 0.25, "backbone.": 0.5})
    groups = param_groups(net, cfg, 2.0)
    by_name = {g["group"]: g for g in groups}
    assert by_name[prefix.rstrip(".")]["lr"] == pytest.approx(0.5)
    assert by_name["backbone"]["lr"] == pytest.approx(1.0)   # the prefix beats backbone_lr_mult
    assert [g["group"].startswith("backbone") for g in groups][-1]   # backbone groups stay last (resume order)
    assert {id(p) for g in groups for p in g["params"]} == {id(p) for p in net.parameters()}


def test_frozen_norm_keeps_running_statistics(tiny_plugin):
    trainer = _trainer(["epochs=1", "samples_per_epoch=16", "batch_size=4", "optim.frozen_norm=[\"backbone.layer1\"]"])
    bn = trainer.network.backbone.layer1[1]
    before = bn.running_mean.clone()
    trainer.fit()
    assert torch.equal(bn.running_mean, before)           # frozen: eval mode while training
    moved = _trainer(["epochs=1", "samples_per_epoch=16", "batch_size=4"])
    bn = moved.network.backbone.layer1[1]
    before = bn.running_mean.clone()
    moved.fit()
    assert not torch.equal(bn.running_mean, before)       # the control: training updates them
    with pytest.raises(ConfigError, match="frozen_norm.*nope"):
        _trainer(["epochs=1", "samples_per_epoch=16", "batch_size=4", "optim.frozen_norm=[\"nope\"]"])


def _trainer(overrides: list[str]) -> Trainer:
    from common.config import apply_overrides

    cfg = apply_overrides(load_train_config("tinyplug", "default"), overrides)
    spec = get_plugin("tinyplug")
    torch.manual_seed(0)
    net = spec.build_network(cfg.model)
    train, val = spec.build_loaders(cfg, net, 0, 1)
    return Trainer(cfg, net, spec.build_actor(net, cfg), train, val)


def test_accumulation_equals_the_larger_batch(tiny_plugin):
    common = ["epochs=1", "samples_per_epoch=32", "model.dropout=0.0", "model.batchnorm=false", "optim.grad_clip=0"]
    big = _trainer(common + ["batch_size=4"])
    small = _trainer(common + ["batch_size=2", "optim.accumulate=2"])
    big.fit(), small.fit()
    assert big.iteration == small.iteration == 8
    for (name, a), b in zip(big.network.state_dict().items(), small.network.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-5), name
    once = _trainer(common + ["batch_size=2"])
    once.fit()
    assert not torch.allclose(once.network.head.weight, big.network.head.weight, atol=1e-5)


def test_staged_unfreezing(tiny_plugin):
    t = _trainer(["epochs=2", "optim.freeze_backbone=true", "optim.unfreeze={'2': ['layer2']}", "val.every_epochs=0"])
    start = {k: v.clone() for k, v in t.network.state_dict().items()}
    t.train_epoch(1)
    assert torch.equal(t.network.backbone.layer2[0].weight, start["backbone.layer2.0.weight"])
    assert torch.equal(t.network.backbone.layer1[1].running_mean, start["backbone.layer1.1.running_mean"])
    assert not torch.equal(t.network.head.weight, start["head.weight"])
    t.train_epoch(2)
    assert not torch.equal(t.network.backbone.layer2[0].weight, start["backbone.layer2.0.weight"])
    assert torch.equal(t.network.backbone.layer1[0].weight, start["backbone.layer1.0.weight"])
    with pytest.raises(ConfigError, match="optim.unfreeze.*layer9.*known: layer1, layer2"):
        _trainer(["optim.unfreeze={'2': ['layer9']}"])


def test_non_finite_loss_skips_the_step(tiny_plugin, monkeypatch):
    monkeypatch.setenv("TINY_NAN_AT", "3")
    t = _trainer(["epochs=1", "val.every_epochs=0"])
    metrics = t.fit()
    assert t.skipped == 1 and t.iteration == 16
    assert all(torch.isfinite(v).all() for v in t.network.state_dict().values())
    assert math.isfinite(metrics["train/loss"])


def test_fp16_refused_on_cpu_bf16_trains(tiny_plugin, capsys):
    with pytest.raises(ConfigError, match="fp16 needs a CUDA GPU"):
        Precision("fp16", "cpu")
    assert main(["tinyplug", "default", "--set", "optim.amp=fp16", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "optim.amp: fp16 needs a CUDA GPU" in err and "Traceback" not in err
    t = _trainer(["epochs=1", "optim.amp=bf16", "val.every_epochs=0"])
    assert math.isfinite(t.fit()["train/loss"])


LR0 = ["epochs=1", "samples_per_epoch=32", "batch_size=4", "val.every_epochs=0", "model.dropout=0.0",
       "optim.lr_mults={'head.': 0.0}"]


def _one_backward(t: Trainer) -> dict:
    t._set_epoch_freezing(1)
    t._train_mode()
    t.micro_step(next(iter(t.train_loader)), 1, sync=True)
    return {n: p.grad for n, p in t.network.named_parameters()}


def test_lr0_parameters_get_no_gradient_where_it_changes_nothing(tiny_plugin):
    # grad_clip 0: a parameter at learning rate 0 is never updated and its gradient enters no norm -> frozen
    frozen, computed = _trainer(LR0 + ["optim.grad_clip=0"]), _trainer(LR0 + ["optim.grad_clip=1e9"])
    g_frozen, g_computed = _one_backward(frozen), _one_backward(computed)
    assert not frozen.network.head.weight.requires_grad and g_frozen["head.weight"] is None
    assert computed.network.head.weight.requires_grad and g_computed["head.weight"] is not None   # in the clip norm
    for name in ("backbone.layer1.0.weight", "backbone.layer2.0.weight", "backbone.layer2.0.bias"):
        assert g_frozen[name] is not None and torch.equal(g_frozen[name], g_computed[name]), name   # through the head
    frozen, computed = _trainer(LR0 + ["optim.grad_clip=0"]), _trainer(LR0 + ["optim.grad_clip=1e9"])
    start = frozen.network.head.weight.clone()
    frozen.fit(), computed.fit()
    assert frozen.iteration == computed.iteration == 8
    for (name, a), b in zip(frozen.network.state_dict().items(), computed.network.state_dict().values()):
        assert torch.equal(a, b), name                                   # the same updates, bit for bit
    assert torch.equal(frozen.network.head.weight, start)


def test_lr0_gradients_stay_in_the_clip_norm_unless_switched_off(tiny_plugin):
    kept = _trainer(LR0 + ["optim.grad_clip=0.01"])
    assert _one_backward(kept)["head.weight"] is not None               # it would change the clipping
    off = _trainer(LR0 + ["optim.grad_clip=0.01", "optim.lr0_in_clip_norm=false"])
    grads = _one_backward(off)
    assert grads["head.weight"] is None and grads["backbone.layer1.0.weight"] is not None


def test_a_setting_with_nothing_to_train_runs_and_changes_nothing(tiny_plugin, caplog):
    t = _trainer(["epochs=2", "samples_per_epoch=16", "batch_size=4", "optim.freeze_backbone=true",
                  "optim.lr_mults={'head.': 0.0, 'score.': 0.0}"])
    start = {k: v.clone() for k, v in t.network.state_dict().items()}
    with caplog.at_level("INFO", logger="ltr.trainer.trainer"):
        metrics = t.fit()
    assert not any(p.requires_grad for p in t.network.parameters())
    assert all(torch.equal(v, start[k]) for k, v in t.network.state_dict().items())   # statistics too (frozen)
    assert t.iteration == 8 and math.isfinite(metrics["train/loss"]) and math.isfinite(metrics["val/loss"])
    assert not t.optimizer.state and t.skipped == 0
    told = [r.getMessage() for r in caplog.records if "nothing to train" in r.getMessage()]
    assert len(told) == 1 and told[0].startswith("epoch 1:")
