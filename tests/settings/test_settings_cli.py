"""``python -m settings init/show/doctor`` run as a user runs them (subprocess, with the test's environment)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from settings import setting_names, settings_file

REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m settings <args>`` from the repo root with the (monkeypatched) environment."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "settings", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=60)


def make_otb_root(root: Path, frames: int = 4) -> Path:
    """A folder laid out like OTB with one sequence ``Couple`` of small generated JPEG frames."""
    img = root / "Couple" / "img"
    img.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(1, frames + 1):
        cv2.imwrite(str(img / f"{i:04d}.jpg"), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    (root / "Couple" / "groundtruth_rect.txt").write_text("".join(f"{10 + i},12,20,16\n" for i in range(frames)))
    return root


def test_help_lists_the_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("init", "show", "doctor", "DCTRACK_", "local.toml"):
        assert word in result.stdout


def test_init_writes_then_refuses_leaving_the_file_byte_identical():
    path = settings_file()
    first = run_cli("init")
    assert first.returncode == 0, first.stderr
    text = path.read_text()
    for key in setting_names():
        assert f"# {key} = " in text
    path.write_text(text + 'otb_dir = "/my/otb"\n')  # the user edits it
    before = path.read_bytes()
    second = run_cli("init")
    assert second.returncode == 1
    assert "already exists" in second.stderr and str(path) in second.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []  # no temp files left


def test_init_file_option_and_defaults_load(tmp_path):
    target = tmp_path / "sub" / "mine.toml"
    result = run_cli("--file", str(target), "init")
    assert result.returncode == 0 and target.is_file()
    shown = run_cli("--file", str(target), "show")
    assert shown.returncode == 0, shown.stderr
    assert "not set" in shown.stdout and str(target) in shown.stdout


def test_show_prints_value_and_source():
    path = settings_file()
    path.write_text('# comment\n\notb_dir = "/data/otb"\n')
    result = run_cli("show", env={"DCTRACK_VISDOM_PORT": "1234"})
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert set(rows) == set(setting_names())
    assert rows["otb_dir"][1:] == ["/data/otb", f"{path}:3"]
    assert rows["visdom_port"][1:] == ["1234", "env", "DCTRACK_VISDOM_PORT"]
    assert rows["lasot_dir"][1:] == ["not", "set", "default"]
    assert rows["workspace_dir"][-2:] == ["env", "DCTRACK_WORKSPACE_DIR"]


def test_show_reports_a_malformed_file_with_exit_code_1():
    path = settings_file()
    path.write_text('otb_dir = "/data/otb"\nvisdom_port = = 3\n')
    result = run_cli("show")
    assert result.returncode == 1
    assert str(path) in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def _row(stdout: str, key: str) -> str:
    return next(line for line in stdout.splitlines() if line[3:].split(" ")[0] == key)


def test_doctor_good_root_passes_and_missing_root_fails(tmp_path):
    from common.datasets import available_datasets

    otb = make_otb_root(tmp_path / "otb")
    good = run_cli("doctor", env={"DCTRACK_OTB_DIR": str(otb)})
    assert good.returncode == 0, good.stdout + good.stderr
    row = _row(good.stdout, "otb_dir")
    if "otb" in available_datasets():
        assert " ok " in row and "1 sequences" in row
    else:
        assert "reader not available" in row
    assert "not set" in _row(good.stdout, "lasot_dir")
    assert "writable" in _row(good.stdout, "workspace_dir") or "will be created" in _row(good.stdout, "workspace_dir")
    for module in ("visdom", "jpeg4py"):
        assert _row(good.stdout, module)

    bad = run_cli("doctor", env={"DCTRACK_OTB_DIR": str(otb), "DCTRACK_VOT_DIR": str(tmp_path / "nope")})
    assert bad.returncode == 1
    assert "missing" in _row(bad.stdout, "vot_dir") and _row(bad.stdout, "vot_dir").startswith("!!")
    assert "vot_dir" in bad.stderr


def test_doctor_fails_on_a_broken_settings_file():
    settings_file().write_text("vot_dirr = '/x'\n")
    result = run_cli("doctor")
    assert result.returncode == 1 and "unknown key 'vot_dirr'" in result.stderr
