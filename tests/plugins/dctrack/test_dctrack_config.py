"""dctrack configs: every setting / parameter file validates, ablations change one thing, datasets from settings."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from common.config import ConfigError, apply_overrides, diff_configs, validate_config
from common.plugins import PluginError, get_plugin, load_parameters, load_train_config, parameter_names, setting_names
from dctrack_fakes import fake_batch, tiny_config
from ltr.data.loader import build_loader
from plugins.dctrack.config import LossConfig, ModelConfig, TrackerParams

REPO = Path(__file__).resolve().parents[3]
SETTINGS = setting_names("dctrack")
PARAMS = parameter_names("dctrack")
SPEC = get_plugin("dctrack")


def test_plugin_declaration():
    spec = get_plugin("dctrack")
    assert spec.name == "dctrack" and callable(spec.build_network) and callable(spec.build_actor)
    assert set(PARAMS) >= {"default", "baseline", "seed_v1", "quick", "fast"}


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_validates_and_is_documented(setting):
    cfg = load_train_config("dctrack", setting)
    validate_config(cfg)
    assert cfg.setting == setting and cfg.description.strip()
    assert isinstance(cfg.model, ModelConfig) and isinstance(cfg.loss, LossConfig)


@pytest.mark.parametrize("param", PARAMS)
def test_every_parameter_file_names_an_existing_setting(param):
    params = load_parameters("dctrack", param)
    validate_config(params)
    assert params.train_setting in SETTINGS


def _override_keys(overrides) -> set[str]:
    return {o.split("=", 1)[0] for o in overrides}


@pytest.mark.parametrize("setting", sorted(n for n, row in SPEC.setting_variants.items() if row.finish is None))
def test_a_table_row_differs_from_its_base_by_its_overrides_only(setting):
    """diff_configs between a row and its base shows exactly the row's switch: nothing outside its overrides."""
    row = SPEC.setting_variants[setting]
    base, other = load_train_config("dctrack", row.base), load_train_config("dctrack", setting)
    changed = {line.split(":")[0] for line in diff_configs(base, other)} - {"setting", "description"}
    assert changed and changed <= _override_keys(row.overrides)


@pytest.mark.parametrize("name", sorted(SPEC.retired))
def test_a_retired_name_names_a_replacement_that_resolves(name):
    with pytest.raises(PluginError, match=f"'{name}'.* is gone") as failure:
        load_parameters("dctrack", name)
    replacement = re.search(r"run parameter '(\w+)' with --set (\S+)", str(failure.value))
    assert replacement, str(failure.value)
    params = load_parameters("dctrack", replacement.group(1), [replacement.group(2)])
    assert f"{params.train_setting}_{params.prior_mode}" == name


def test_setting_and_parameter_files_stay_few():
    """One-switch variants are table rows: the folders hold only recipes with logic (issue 15: at most 12 files)."""
    folder = REPO / "plugins" / "dctrack"
    files = list((folder / "train_settings").glob("*.py")) + list((folder / "parameters").glob("*.py"))
    assert len(files) <= 12, sorted(f.name for f in files)


def test_seed_v1_is_the_ground_truth_box_prior_with_corr_only_negatives():
    """What seed_v1 trains on: every prior is present and is the previous ground truth, drawn as a 0/1 box mask;
    negatives train only the correspondence (their tracking loss is zero)."""
    cfg = tiny_config("seed_v1")
    apply_overrides(cfg, ["batch_size=8", "samples_per_epoch=8", "data.num_workers=0"])
    net = get_plugin("dctrack").build_network(cfg.model)
    batch = next(iter(build_loader(cfg, net.geometry)))
    assert batch["prior_valid"].eq(1).all()  # no prior dropout
    positives = batch["is_negative"] == 0
    assert torch.allclose(batch["prior_box"][positives], batch["prev_box"][positives], atol=1e-4)  # no noise
    prior = batch["prior"][positives]
    assert prior.min() >= 0 and prior.max() <= 1  # a box mask (cells at the box edge hold the covered fraction):
    assert (prior.flatten(1) > 0.999).sum(dim=1).gt(1).all()  # flat top, unlike a gaussian's single peak
    negatives = {key: value[-1:].clone() for key, value in fake_batch(net.geometry, "box", batch=2).items()}
    negatives["is_negative"] = torch.ones(1)
    negatives["cls_target"].zero_()
    _, stats = get_plugin("dctrack").build_actor(net.train(), cfg)(negatives)
    assert stats["loss/cls"] == 0.0 and stats["loss/warp_prior"] > 0.0


def test_default_uses_synthetic_without_dataset_roots_and_real_ones_when_set(tmp_path, monkeypatch):
    cfg = load_train_config("dctrack", "default")
    assert [d.name for d in cfg.data.train] == ["synthetic"]
    monkeypatch.setenv("DCTRACK_GOT10K_DIR", str(tmp_path))
    monkeypatch.setenv("DCTRACK_COCO_DIR", str(tmp_path))
    cfg = load_train_config("dctrack", "default")
    assert [d.name for d in cfg.data.train] == ["got10k", "coco"]
    assert [d.name for d in cfg.data.val] == ["got10k"]


def test_corr_pretrain_uses_unlabeled_when_configured(tmp_path, monkeypatch):
    cfg = load_train_config("dctrack", "corr_pretrain")
    assert [d.name for d in cfg.data.train] == ["synthetic"] and not cfg.loss.tracking_losses
    monkeypatch.setenv("DCTRACK_UNLABELED_DIR", str(tmp_path))
    cfg = load_train_config("dctrack", "corr_pretrain")
    assert [d.name for d in cfg.data.train] == ["unlabeled", "synthetic"]
    assert cfg.data.train[0].split == "test"


@pytest.mark.parametrize("override,key", [
    ("model.fusion.placement=bot", "placement"),
    ("model.prior_kind=mask", "prior_kind"),
    ("model.corr.confidence=max", "confidence"),
    ("loss.negatives=some", "negatives"),
    ("model.backbone=vgg", "backbone"),
])
def test_bad_values_name_the_key(override, key):
    cfg = load_train_config("dctrack", "default")
    apply_overrides(cfg, [override])
    with pytest.raises(ConfigError, match=key):
        validate_config(cfg)


def test_tracker_params_validation():
    validate_config(TrackerParams())
    for field, value in (("prior_mode", "half"), ("window_influence", 1.5), ("checkpoint", "last"), ("device", "tpu")):
        params = TrackerParams(**{field: value})
        with pytest.raises(ConfigError, match=field):
            validate_config(params)


def test_set_model_prior_kind_alone_changes_what_the_data_renders():
    """One home for the prior kind: ``--set model.prior_kind=direction`` makes the processing render 2 channels."""
    cfg = tiny_config("default")
    apply_overrides(cfg, ["model.prior_kind=direction", "batch_size=4", "samples_per_epoch=4", "data.num_workers=0"])
    net = get_plugin("dctrack").build_network(cfg.model)
    batch = next(iter(build_loader(cfg, net.geometry)))
    assert batch["prior"].shape[1] == 2 == net.prior_channels
    assert not hasattr(cfg.data, "prior_kind")


def test_an_old_stored_config_with_a_data_prior_kind_is_upgraded_or_refused():
    upgrade = get_plugin("dctrack").upgrade_config
    stored = {"data": {"prior_kind": "box", "num_workers": 1}, "model": {"prior_kind": "box"}}
    assert upgrade(stored) == {"data": {"num_workers": 1}, "model": {"prior_kind": "box"}}
    with pytest.raises(ConfigError, match="data.prior_kind 'box' differs from model.prior_kind 'gaussian'"):
        upgrade({"data": {"prior_kind": "box"}, "model": {"prior_kind": "gaussian"}})
