"""The real_cpu recipe: its split is disjoint, every variant differs from it by its one switch, the parameter
files point at the right run (the recipe of the earlier, retired real-video study; docs/results.md)."""
from __future__ import annotations

import pytest

from common.config import diff_configs, validate_config
from common.plugins import get_plugin, load_parameters, load_train_config, parameter_names
from plugins.dctrack.train_settings.real_cpu import apply_real_cpu

SPEC = get_plugin("dctrack")
VARIANTS = sorted(n for n, row in SPEC.setting_variants.items() if row.finish is apply_real_cpu)


def _setting(name: str):
    return load_train_config("dctrack", name)


@pytest.fixture
def roots(shared_data, monkeypatch):
    """Dataset roots from the environment, as the setting's docstring says."""
    for name in ("otb", "dsst", "vot", "uav123"):
        monkeypatch.setenv(f"DCTRACK_{name.upper()}_DIR", str(shared_data / "sequences" / name))
    monkeypatch.setenv("DCTRACK_UNLABELED_DIR", str(shared_data / "unlabeled"))
    return shared_data


def test_split_is_disjoint_and_names_real_sequences(roots):
    from common.datasets import load_dataset
    from plugins.dctrack.train_settings.real_cpu import HELDOUT_SEQUENCES, TRAIN_SEQUENCES

    train = {(d, s) for d, seqs in TRAIN_SEQUENCES.items() for s in seqs}
    held = {(d, s) for d, seqs in HELDOUT_SEQUENCES.items() for s in seqs}
    assert not train & held
    for dataset, seq in train | held:
        assert seq in {q.name for q in load_dataset(dataset)}, (dataset, seq)
    cfg = _setting("real_cpu")
    validate_config(cfg)
    used = {(e.name, s) for e in cfg.data.train for s in e.sequences}
    assert used == train
    assert all(e.sequences for e in cfg.data.train if e.name not in ("synthetic", "unlabeled"))
    assert "unlabeled" in {e.name for e in cfg.data.train}  # the self-supervised terms see the DAVIS frames
    assert "unlabeled" not in {e.name for e in _setting("real_cpu_baseline").data.train}


def test_missing_root_names_the_variable(monkeypatch, tmp_path):
    """The setting builds anywhere; reading its data without the OTB root names the variable to set."""
    from common.datasets import DatasetError
    from ltr.data.loader import load_entries

    monkeypatch.delenv("DCTRACK_OTB_DIR", raising=False)
    monkeypatch.setenv("DCTRACK_DSST_DIR", str(tmp_path))
    cfg = _setting("real_cpu")
    with pytest.raises(DatasetError, match="DCTRACK_OTB_DIR"):
        load_entries(cfg.data.train)


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_differs_by_its_switch_only(roots, variant):
    """real_cpu_X is real_cpu with the overrides of its switch row X (plus the training data when the switch
    removes the correspondence: the recipe then draws no unlabeled frames)."""
    switch = SPEC.setting_variants[SPEC.setting_variants[variant].base]
    allowed = {o.split("=", 1)[0] for o in switch.overrides}
    if "model.corr.enabled" in allowed:
        allowed.add("data.train")
    base, cfg = _setting("real_cpu"), _setting(variant)
    validate_config(cfg)
    changed = {d.split(":")[0] for d in diff_configs(base, cfg)} - {"setting", "description"}
    assert changed and changed <= allowed, changed


@pytest.mark.parametrize("param", [p for p in parameter_names("dctrack") if p.startswith("real_cpu")])
def test_parameter_sets_point_at_their_run(param):
    """Each real_cpu parameter set tracks with the last checkpoint of the run of the same name, prior on exactly
    when that run's network has the correspondence (a study without model selection)."""
    params = load_parameters("dctrack", param)
    assert (params.train_setting, params.checkpoint) == (param, "latest")
    assert params.use_prior == _setting(param).model.corr.enabled
