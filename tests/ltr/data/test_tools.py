"""``python -m ltr.data`` verify / show / bench on the shared real data, with a throwaway plugin for the geometry."""
import json
import textwrap

import cv2
import pytest

from ltr.data.__main__ import main

PLUGIN = '''
import types
from common.geometry import Geometry, Grid
from common.plugins import DebugPanel, PluginSpec
from ltr_data_helpers import CropProcessing

def build_network(model_cfg):
    return types.SimpleNamespace(geometry=Geometry(64, 128, Grid(9, 8.0, 32.0), Grid(15, 8.0, 8.0), 7))

PLUGIN = PluginSpec(name="datatoy", build_network=build_network, build_actor=None, tracker_class=None,
                    train_settings="datatoy.train_settings", parameters="datatoy.parameters",
                    build_processing=lambda cfg, geometry: CropProcessing(geometry),
                    debug_maps=(DebugPanel("template", image="template"), DebugPanel("search", image="search_cur")))
'''
SETTING = '''
from ltr.config import TrainConfig

def config():
    cfg = TrainConfig(samples_per_epoch=16, batch_size=4)
    cfg.data.num_workers = 0
    return cfg
'''


@pytest.fixture
def toy_plugin(tmp_path, monkeypatch):
    root = tmp_path / "plugins"
    pkg = root / "datatoy"
    (pkg / "train_settings").mkdir(parents=True)
    (pkg / "parameters").mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    (pkg / "train_settings" / "__init__.py").write_text("")
    (pkg / "parameters" / "__init__.py").write_text("")
    (pkg / "train_settings" / "default.py").write_text(textwrap.dedent(SETTING))
    monkeypatch.setenv("DCTRACK_PLUGIN_PATH", str(root))
    return "datatoy"


def test_verify_shared_sequences(shared_data, capsys):
    assert main(["verify", "folder", "--root", str(shared_data / "sequences" / "otb")]) == 0
    out = capsys.readouterr().out
    assert "Couple" in out and "MotorRolling" in out and "0 with errors" in out and "640x360" in out


def test_verify_reports_errors(tmp_path, capsys):
    seq = tmp_path / "broken"
    (seq / "img").mkdir(parents=True)
    for i in range(3):
        (seq / "img" / f"{i:04d}.jpg").write_bytes(b"\xff\xd8garbage\xff\xd9")
    (seq / "groundtruth_rect.txt").write_text("1,1,10,10\n2,2,10,10\n3,3,0,10\n")
    assert main(["verify", "folder", "--root", str(tmp_path), "--full"]) == 1
    out = capsys.readouterr().out
    assert "ERROR broken: frame 0" in out and "degenerate" in out


def test_show_writes_a_png(shared_data, toy_plugin, tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["show", toy_plugin, "default", "--n", "4", "--out", str(out), "--dataset", "folder",
                 "--root", str(shared_data / "sequences" / "otb")]) == 0
    img = cv2.imread(str(out))
    assert img.shape == (2 * 128, 2 * 2 * 128, 3)  # 2 x 2 samples, each a row of the 2 declared crops
    assert "wrote 4 samples" in capsys.readouterr().out


def test_show_visdom_without_server_falls_back_to_png(shared_data, toy_plugin, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("DCTRACK_VISDOM_PORT", "1")
    out = tmp_path / "grid.png"
    assert main(["show", toy_plugin, "default", "--n", "2", "--visdom", "--out", str(out), "--dataset", "folder",
                 "--root", str(shared_data / "sequences" / "otb" / "Couple")]) == 0
    assert out.is_file()
    assert sum("visdom" in r.getMessage() for r in caplog.records if r.levelname == "WARNING") == 1


@pytest.mark.parametrize("workers", [0, 1])
def test_bench_prints_and_writes_json(shared_data, toy_plugin, tmp_path, capsys, workers):
    out = tmp_path / "bench.json"
    assert main(["bench", toy_plugin, "default", "--workers", str(workers), "--samples", "20", "--warmup", "2",
                 "--dataset", "folder", "--root", str(shared_data / "sequences" / "otb" / "Crossing"),
                 "--json", str(out)]) == 0
    numbers = json.loads(out.read_text())
    assert numbers["samples"] >= 12 and numbers["workers"] == workers and numbers["samples_per_s"] > 0 and numbers["decode_ms"] > 0
    assert "samples/s per worker" in capsys.readouterr().out
