"""Live visdom at --debug 2 against a real loopback server: loss curves, learning rate and sample pictures
appear; without a server training warns once and goes on."""
from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time

import pytest

from common.visdom_client import server_reachable
from ltr.run_training import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def visdom_server(tmp_path):
    port = _free_port()
    code = ("from visdom.server.run_server import main; import sys; "
            f"sys.argv=['visdom', '-port', '{port}', '--hostname', '127.0.0.1', '-env_path', r'{tmp_path}']; main()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not server_reachable("127.0.0.1", port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.skip("the visdom server did not start")
        time.sleep(0.1)
    yield port
    proc.kill()
    proc.wait(timeout=10)


def test_debug_2_draws_curves_and_samples(tiny_plugin, visdom_server, monkeypatch):
    import visdom

    monkeypatch.setenv("DCTRACK_VISDOM_HOST", "127.0.0.1")
    monkeypatch.setenv("DCTRACK_VISDOM_PORT", str(visdom_server))
    monkeypatch.setenv("TINY_IMAGES", "1")
    assert main(["tinyplug", "default", "--debug", "2", "--set", "epochs=1", "samples_per_epoch=32"]) == 0
    viz = visdom.Visdom(server="http://127.0.0.1", port=visdom_server, env="tinyplug_default", raise_exceptions=True,
                        use_incoming_socket=False)
    for win in ("train/loss", "train/mae", "lr", "epoch/loss", "debug/template", "debug/search_cur", "debug/cls"):
        assert viz.win_exists(win, env="tinyplug_default"), win
    for win in ("debug/search_prev", "debug/warped_prior"):  # declared, but the tiny batch/network lack the keys
        assert not viz.win_exists(win, env="tinyplug_default"), win


def test_no_server_warns_once_and_trains(tiny_plugin, monkeypatch, caplog, workspace):
    monkeypatch.setenv("DCTRACK_VISDOM_HOST", "127.0.0.1")
    monkeypatch.setenv("DCTRACK_VISDOM_PORT", str(_free_port()))
    caplog.set_level(logging.INFO)
    assert main(["tinyplug", "default", "--debug", "2", "--set", "epochs=1"]) == 0
    warnings = [r for r in caplog.records if "visdom" in r.getMessage() and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert (next((workspace / "checkpoints" / "tinyplug" / "default").glob("run_*")) / "epoch_0001.pth").is_file()
