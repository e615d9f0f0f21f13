"""The doctor's verdict on each kind of dataset root, with readers swapped in the registry for the test."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import common.datasets as datasets
from common.datasets import DatasetInfo, Sequence, available_datasets
from settings import load_settings
from common.datasets.doctor import DATASET_CHECKS, check_dataset_root
from settings.doctor import check_module, check_writable, run_checks
from settings.fields import dataset_keys


@pytest.fixture
def fake_reader(monkeypatch):
    """Install a reader for a dataset name for the duration of the test; returns the calls it received."""
    available_datasets()  # import the real readers first so they cannot replace the fake one later
    calls: list[tuple] = []

    def install(name: str, behaviour, splits=("test",)):
        def reader(root, split, **options):
            calls.append((name, root, split))
            return behaviour(root)

        monkeypatch.setitem(datasets._REGISTRY, name, DatasetInfo(name, reader, f"{name}_dir", tuple(splits)))

    install.calls = calls
    return install


def sequences(count: int):
    """``count`` tiny sequences."""
    return lambda root: [Sequence(f"s{i}", "fake", frames=["a.jpg"], ground_truth=np.ones((1, 4))) for i in range(count)]


def fail(root):
    raise ValueError(f"{root}/groundtruth_rect.txt line 3: expected 4 numbers")


def test_every_dataset_key_is_checked():
    assert list(DATASET_CHECKS) == dataset_keys()


def test_not_set_is_not_an_error():
    check = check_dataset_root("otb_dir", None)
    assert check.ok and check.status == "not set"


def test_missing_root_fails(tmp_path):
    check = check_dataset_root("otb_dir", tmp_path / "absent")
    assert not check.ok and check.status == "missing"


def test_ok_counts_sequences(fake_reader, tmp_path):
    fake_reader("otb", sequences(3))
    check = check_dataset_root("otb_dir", tmp_path)
    assert check.ok and check.status == "ok" and "3 sequences" in check.detail
    assert fake_reader.calls == [("otb", tmp_path, "test")]


def test_zero_sequences_fails(fake_reader, tmp_path):
    fake_reader("vot", sequences(0))
    check = check_dataset_root("vot_dir", tmp_path)
    assert not check.ok and check.status == "no sequences"


def test_reader_error_fails_and_keeps_the_message(fake_reader, tmp_path):
    fake_reader("dsst", fail)
    check = check_dataset_root("dsst_dir", tmp_path)
    assert not check.ok and check.status == "reader error"
    assert "ValueError" in check.detail and "line 3" in check.detail


def test_reader_not_available_is_not_an_error(monkeypatch, tmp_path):
    available_datasets()
    monkeypatch.delitem(datasets._REGISTRY, "nfs", raising=False)
    check = check_dataset_root("nfs_dir", tmp_path)
    assert check.ok and check.status == "reader not available"


@pytest.mark.parametrize("has_val, expected", [(True, "val"), (False, "train")])
def test_got10k_uses_val_when_present(fake_reader, tmp_path, has_val, expected):
    fake_reader("got10k", sequences(2), splits=("train", "val", "test"))
    (tmp_path / "train").mkdir()
    if has_val:
        (tmp_path / "val").mkdir()
    assert check_dataset_root("got10k_dir", tmp_path).ok
    assert fake_reader.calls[-1][2] == expected


@pytest.mark.parametrize("key, split", [("lasot_dir", "test"), ("trackingnet_dir", "train"),
                                        ("trackingnet_test_dir", "test"), ("got10k_test_dir", "test")])
def test_fixed_splits(fake_reader, tmp_path, key, split):
    name = DATASET_CHECKS[key][0]
    fake_reader(name, sequences(1), splits=("train", "val", "test"))
    assert check_dataset_root(key, tmp_path).ok
    assert fake_reader.calls[-1] == (name, tmp_path, split)


def test_writable_checks(tmp_path):
    assert check_writable("workspace_dir", tmp_path).detail == "writable"
    created = check_writable("workspace_dir", tmp_path / "a" / "b")
    assert created.ok and "will be created" in created.detail
    (tmp_path / "file").write_text("x")
    blocked = check_writable("results_dir", tmp_path / "file")
    assert not blocked.ok and blocked.status == "not a folder"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_workspace_fails(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert not check_writable("workspace_dir", locked).ok
        assert not check_writable("workspace_dir", locked / "new").ok
    finally:
        locked.chmod(0o700)


def test_missing_optional_module_is_a_warning_not_a_failure():
    check = check_module("surely_not_a_module_dctrack")
    assert check.ok and check.status == "not available" and "ModuleNotFoundError" in check.detail


def test_run_checks_covers_folders_roots_and_modules(monkeypatch, tmp_path, fake_reader):
    fake_reader("otb", sequences(2))
    monkeypatch.setenv("DCTRACK_OTB_DIR", str(tmp_path))
    rows = {c.name: c for c in run_checks(load_settings())}
    assert {"workspace_dir", "results_dir", "pretrained_dir", "visdom", "jpeg4py"} <= set(rows)
    assert set(dataset_keys()) <= set(rows)
    assert rows["otb_dir"].detail.endswith("2 sequences") and rows["otb_dir"].value == str(Path(tmp_path))
    assert all(c.ok for c in rows.values())


def test_settings_imports_nothing_of_ours():
    """``settings`` (its CLI included) loads no module of the toolkit; the dataset checks come by entry point."""
    code = ("import sys, settings, settings.doctor, settings.__main__; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('common', 'ltr', 'pytracking', 'plugins')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
