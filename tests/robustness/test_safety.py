"""Safety: checkpoints are loaded as data only, settings are parsed never executed, network endpoints default
to the loopback interface, result paths cannot escape the results folder, and nothing a user wrote is
overwritten or deleted without an explicit flag."""
from __future__ import annotations

import dataclasses
import os
import pickle
import re
import socket
from pathlib import Path

import numpy as np
import pytest
import torch

import robustness_helpers as rh
from common.checkpoint import FORMAT, CheckpointError, load_checkpoint, load_network
from common.config import apply_overrides
from common.plugins import load_parameters, load_train_config
from ltr import run_training
from pytracking import pack_results, run_tracker
from pytracking.evaluation.results import UnsafeNameError, sequence_paths, write_sequence_results
from pytracking.evaluation.runner import DatasetRef, evaluate
from settings import SettingsError, load_settings
from tmtrack_plugin import write_checkpoint

TOOLKIT_DIRS = ("common", "ltr", "pytracking", "plugins", "settings")


class _Payload:
    """An object whose unpickling creates ``marker`` (what a malicious checkpoint would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _main(module, argv, capsys) -> tuple[int, str]:
    code = module.main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


# ------------------------------------------------------------------------------------------------ checkpoints
@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("container", ["torch_save", "raw_pickle"])
def test_checkpoint_with_a_pickle_payload_is_refused_and_never_runs(tmp_path, container, capsys):
    """A checkpoint carrying a code-running pickle payload: load_checkpoint / load_network refuse it with a
    CheckpointError naming the file, run_tracker and run_training --resume exit 2, and the payload never runs."""
    marker = tmp_path / "PAYLOAD_RAN"
    path = tmp_path / "evil.pth"
    state = {"format": FORMAT, "format_version": 1, "plugin": "dctrack", "setting": "quick",
             "network": {"w": torch.zeros(1)}, "extra": _Payload(marker)}
    if container == "torch_save":
        torch.save(state, path)
    else:
        path.write_bytes(pickle.dumps(state))
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        load_network(path)
    code, out = _main(run_tracker, ["dctrack", "quick", "--dataset", "synthetic", "--checkpoint", str(path)], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(path))
    code, out = _main(run_training, ["dctrack", "quick", "--resume", str(path), "--set", *rh.TINY_TRAIN], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(path))
    assert not marker.exists()


# ------------------------------------------------------------------------------------------------ settings
@pytest.mark.parametrize("code_text", [
    "import os\nos.mkdir({marker!r})\n",
    "otb_dir = __import__('os').mkdir({marker!r})\n",
    "exec(\"open({marker!r}, 'w')\")\n",
])
def test_settings_file_with_python_code_is_a_parse_error_and_nothing_runs(tmp_path, code_text, capsys):
    """local.toml holding Python code: SettingsError naming the file (a TOML parse error); run_training
    exits 2; the code never runs."""
    marker = tmp_path / "SETTINGS_CODE_RAN"
    settings_file = Path(os.environ["DCTRACK_SETTINGS_FILE"])
    settings_file.write_text(code_text.format(marker=str(marker)))
    with pytest.raises(SettingsError, match=re.escape(str(settings_file)) + ".*malformed TOML"):
        load_settings()
    code, out = _main(run_training, ["dctrack", "quick", "--set", *rh.TINY_TRAIN], capsys)
    assert code == 2
    rh.assert_clean_error(out, str(settings_file))
    assert not marker.exists()


def test_set_override_values_are_literals_never_evaluated(tmp_path):
    """``--set description=__import__('os').mkdir(...)`` stores the text as a string; nothing runs."""
    marker = tmp_path / "OVERRIDE_CODE_RAN"
    cfg = load_train_config("dctrack", "quick")
    apply_overrides(cfg, [f"description=__import__('os').mkdir({str(marker)!r})"])
    assert cfg.description.startswith("__import__") and not marker.exists()


# ------------------------------------------------------------------------------------------------ network
def test_visdom_and_server_defaults_are_loopback():
    """The visdom host in settings, VisdomClient's default, training's machine paths and every host/server
    field of the dctrack parameters default to 127.0.0.1."""
    from common.visdom_client import VisdomClient
    from ltr.trainer.run_dir import Paths, machine_paths

    assert load_settings().visdom_host == "127.0.0.1"
    assert VisdomClient.__init__.__defaults__[0] == "127.0.0.1"
    assert Paths(Path(".")).visdom_host == "127.0.0.1" and machine_paths().visdom_host == "127.0.0.1"
    params = load_parameters("dctrack", "default")
    endpoints = {f.name: getattr(params, f.name) for f in dataclasses.fields(params)
                 if re.search(r"host|server|address", f.name)}
    wrong = {k: v for k, v in endpoints.items() if re.sub(r"^\w+://", "", str(v)) != "127.0.0.1"}
    assert not wrong, f"dctrack parameters with a non-loopback default endpoint: {wrong}"


def test_visdom_clients_connect_only_to_127_0_0_1(monkeypatch):
    """client_from_settings (tracking --debug, ltr.data show) and training's client connect to 127.0.0.1."""
    from common import visdom_client
    from ltr.trainer import launch

    contacted = []

    def fake_connect(address, timeout=None, *args, **kwargs):
        contacted.append(address[0])
        raise OSError("refused (test)")

    monkeypatch.setattr(socket, "create_connection", fake_connect)
    assert not visdom_client.client_from_settings("test").available
    cfg = load_train_config("dctrack", "quick")
    launch._visdom(launch.RunOptions("dctrack", "quick", debug=1), cfg, launch.DistEnv())
    assert contacted and set(contacted) == {"127.0.0.1"}


def test_toolkit_never_binds_a_server_to_all_interfaces():
    """No toolkit source binds or serves on 0.0.0.0 / '' (any server it starts stays on the loopback)."""
    offenders = []
    for folder in TOOLKIT_DIRS:
        for path in (rh.REPO / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"0\.0\.0\.0|\.bind\(\(\s*['\"]{2}|host\s*=\s*['\"]{2}", text):
                offenders.append(str(path.relative_to(rh.REPO)))
    assert not offenders


# ------------------------------------------------------------------------------------------------ paths
@pytest.mark.parametrize("name", ["../evil", "..", "a/../../evil", "/tmp/evil", "..\\evil", "evil\x00", ""])
def test_sequence_names_cannot_escape_the_results_folder(tmp_path, name):
    """A sequence name with '..', a separator, an absolute path or a control character is refused."""
    with pytest.raises(UnsafeNameError):
        sequence_paths(tmp_path / "run", "otb", name)
    with pytest.raises(UnsafeNameError):
        write_sequence_results(tmp_path / "run", "otb", name, np.zeros((1, 4)), np.zeros(1), np.zeros((1, 2)))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_evaluating_a_dataset_with_evil_sequence_names_writes_nothing_outside(tmtrack, tmp_path, monkeypatch):
    """A dataset whose sequences are named '../evil' etc.: those jobs fail with UnsafeNameError, the safe
    sequence is tracked, and no file appears outside the run folder."""
    from common import datasets as registry
    from common.datasets.synthetic import make_sequence

    base = make_sequence("test", 0, length=5)

    def reader(root, split):
        names = ["../evil", "..", "sub/../../evil", "safe"]
        return [dataclasses.replace(base, name=n) for n in names]

    monkeypatch.setitem(registry._REGISTRY, "evilnames", registry.DatasetInfo("evilnames", reader, None, ("test",)))
    results = tmp_path / "deep" / "results"
    report = evaluate(tmtrack, "default", [DatasetRef("evilnames", "test")], results)
    failed = {r.seq_name: r.error for r in report.failures}
    assert set(failed) == {"../evil", "..", "sub/../../evil"}
    assert all("UnsafeNameError" in e for e in failed.values())
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written and all(report.run_dir in p.parents for p in written)
    assert (report.run_dir / "evilnames" / "safe.txt").is_file()


# ------------------------------------------------------------------------------------------------ overwriting
def test_settings_init_twice_never_overwrites_the_users_file():
    """``python -m settings init`` a second time: exit 1 with a message, the edited file is unchanged."""
    first = rh.run_module("settings", ["init"], timeout=60)
    assert first.returncode == 0, first.stderr
    settings_file = Path(os.environ["DCTRACK_SETTINGS_FILE"])
    settings_file.write_text(settings_file.read_text() + "\n# my own edit\nvisdom_port = 8123\n")
    edited = settings_file.read_bytes()
    second = rh.run_module("settings", ["init"], timeout=60)
    assert second.returncode == 1
    rh.assert_clean_error(second.stderr, "already exists", "never overwritten")
    assert settings_file.read_bytes() == edited


def test_resume_none_never_deletes_or_changes_an_old_run(workspace, capsys):
    """run_training --resume none after a finished run: a new run_002; run_001's files are byte-identical."""
    args = ["dctrack", "quick", "--set", *rh.TINY_TRAIN]
    assert run_training.main(args) == 0
    old = workspace / "checkpoints" / "dctrack" / "quick" / "run_001"
    snapshot = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in old.iterdir()}
    assert run_training.main(args + ["--resume", "none"]) == 0
    assert (old.parent / "run_002" / "epoch_0001.pth").is_file()
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in old.iterdir()} == snapshot
    capsys.readouterr()


def test_run_tracker_refuses_to_mix_results_of_a_different_manifest(tmtrack, tmp_path, capsys):
    """Results of checkpoint A exist; running with checkpoint B into the same folder exits 2 naming the
    difference and leaves A's results untouched; --runid auto writes a new folder."""
    ck_a, ck_b = write_checkpoint(tmp_path / "a.pth", 0.0), write_checkpoint(tmp_path / "b.pth", 3.0)
    base = [tmtrack, "net", "--dataset", "synthetic", "--sequence", "0", "--results-dir", str(tmp_path / "r")]
    assert run_tracker.main(base + ["--checkpoint", str(ck_a)]) == 0
    run_a = tmp_path / "r" / tmtrack / "net"
    snapshot = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in run_a.rglob("*") if p.is_file()}
    capsys.readouterr()
    code, out = _main(run_tracker, base + ["--checkpoint", str(ck_b)], capsys)
    assert code == 2
    rh.assert_clean_error(out, "different run", "checkpoint_sha256", "--runid auto")
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in run_a.rglob("*") if p.is_file()} == snapshot
    assert run_tracker.main(base + ["--checkpoint", str(ck_b), "--runid", "auto"]) == 0
    assert (tmp_path / "r" / tmtrack / "net_001" / "synthetic").is_dir()


def test_pack_results_refuses_to_overwrite_a_zip_without_force(tmp_path, capsys):
    """pack_results onto an existing zip: exit 2 saying --force is needed, the zip is byte-identical;
    with --force it is replaced."""
    results = tmp_path / "results"
    run = results / "tmtrack" / "default"
    boxes = np.tile([10.0, 10.0, 20.0, 20.0], (5, 1))
    write_sequence_results(run, "got10k", "GOT-10k_Test_000001", boxes, np.full(5, 0.01), np.ones((5, 2)))
    out_zip = tmp_path / "submission.zip"
    argv = ["got10k", "tmtrack", "default", "--out", str(out_zip), "--results-dir", str(results)]
    assert pack_results.main(argv) == 0
    out_zip.write_bytes(out_zip.read_bytes())  # the user's copy
    before = out_zip.read_bytes()
    capsys.readouterr()
    code, out = _main(pack_results, argv, capsys)
    assert code == 2
    rh.assert_clean_error(out, str(out_zip), "--force")
    assert out_zip.read_bytes() == before
    assert pack_results.main(argv + ["--force"]) == 0
