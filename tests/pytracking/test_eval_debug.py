"""Visdom live debug: windows appear in a real visdom server; no server (or a killed one) only warns."""
from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from common.visdom_client import VisdomClient
from pytracking.api import load_tracker, track_sequence
from pytracking.debug.visdom_view import DebugView
from test_eval_api import _moving_square

SERVER = ("from visdom.server.run_server import main; import sys; "
          "sys.argv=['visdom','-port',sys.argv[1],'--hostname','127.0.0.1','-env_path',sys.argv[2]]; main()")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(folder):
    """Start a real visdom server on a free loopback port: (port, process, log file)."""
    port = _free_port()
    log_file = open(folder / "visdom.log", "w")
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(folder / "env")],
                            stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return port, proc, log_file
        except OSError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail("visdom server did not start:\n" + (folder / "visdom.log").read_text()[-2000:])


def _stop_server(proc, log_file):
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    log_file.close()


@pytest.fixture(scope="module")
def visdom_server(tmp_path_factory):
    """A visdom server shared by the tests of this module; yields (port, process)."""
    port, proc, log_file = _start_server(tmp_path_factory.mktemp("visdom"))
    yield port, proc
    _stop_server(proc, log_file)


@pytest.fixture
def own_visdom_server(tmp_path):
    """A visdom server the test may kill."""
    port, proc, log_file = _start_server(tmp_path)
    yield port, proc
    _stop_server(proc, log_file)


def test_debug_windows_in_real_server(tmtrack, visdom_server):
    port, _ = visdom_server
    client = VisdomClient("127.0.0.1", port, env="test_debug")
    assert client.available
    view = DebugView(3, client)
    view.start_sequence("square")
    tracker = load_tracker(tmtrack)
    tracker.params.debug = 3
    track_sequence(tracker, _moving_square(4), debug=view)
    for win in ("frame", "status", "score", "score_appearance", "warped_prior", "score_fused", "confidence",
                "attention", "crop_search"):
        assert client.win_exists(win), win
    assert client.raw.win_exists("frame", env="test_debug")


def test_level1_shows_no_maps(tmtrack, visdom_server):
    port, _ = visdom_server
    client = VisdomClient("127.0.0.1", port, env="level1")
    view = DebugView(1, client)
    tracker = load_tracker(tmtrack)
    tracker.params.debug = 3  # maps offered, but level 1 shows none of them
    track_sequence(tracker, _moving_square(3), debug=view)
    assert client.win_exists("frame") and client.win_exists("status")
    assert not client.win_exists("score_fused") and not client.win_exists("attention")


def test_pause_and_step_keys(visdom_server):
    port, _ = visdom_server
    view = DebugView(1, VisdomClient("127.0.0.1", port, env="keys"))
    assert view.events  # key handler registered on the status window
    image = np.zeros((16, 16, 3), np.uint8)
    out = {"box": [1, 1, 4, 4], "score": 1.0, "present": True}
    view.handle_key(" ")
    assert view.paused
    shown = []
    worker = threading.Thread(target=lambda: [view.show(i, image, out) or shown.append(i) for i in range(3)])
    worker.start()
    time.sleep(0.5)
    assert shown == []  # paused: the first frame waits
    view.handle_key("ArrowRight")
    time.sleep(0.5)
    assert shown == [0]  # one step: one frame
    view.handle_key(" ")  # resume
    worker.join(10)
    assert shown == [0, 1, 2] and not view.paused


def test_no_server_warns_once_and_tracking_goes_on(tmtrack, caplog):
    caplog.set_level(logging.WARNING)
    client = VisdomClient("127.0.0.1", _free_port(), env="none")
    assert not client.available
    view = DebugView(3, client)
    boxes, _, _ = track_sequence(load_tracker(tmtrack), _moving_square(3), debug=view)
    assert boxes.shape == (3, 4)
    warnings = [r for r in caplog.records if "visdom" in r.getMessage()]
    assert len(warnings) == 1


def test_server_killed_mid_run_degrades_with_one_warning(tmtrack, own_visdom_server, caplog):
    port, proc = own_visdom_server
    caplog.set_level(logging.WARNING, logger="common.visdom_client")
    client = VisdomClient("127.0.0.1", port, env="killed", events=False)
    client.image("frame", np.zeros((8, 8, 3), np.uint8))
    proc.kill()
    proc.wait(10)
    boxes, _, _ = track_sequence(load_tracker(tmtrack), _moving_square(4), debug=DebugView(2, client))
    assert boxes.shape == (4, 4) and not client.available
    warnings = [r for r in caplog.records if r.name == "common.visdom_client"]
    assert len(warnings) == 1 and "lost the visdom server" in warnings[0].getMessage()


def test_run_tracker_debug_uses_settings_server(tmtrack, visdom_server, tmp_path, monkeypatch):
    from pytracking import run_tracker

    port, _ = visdom_server
    monkeypatch.setenv("DCTRACK_VISDOM_PORT", str(port))
    stored = tmp_path / tmtrack / "default" / "synthetic" / "test-0000-plain.txt"
    assert run_tracker.main([tmtrack, "--dataset", "synthetic", "--sequence", "0", "--results-dir", str(tmp_path)]) == 0
    before = stored.read_bytes()
    code = run_tracker.main([tmtrack, "--dataset", "synthetic", "--sequence", "0", "--debug", "2", "--threads", "2",
                             "--results-dir", str(tmp_path)])
    assert code == 0
    client = VisdomClient("127.0.0.1", port, env="tmtrack_default", events=False)
    # every map the tracker returned (its own names) at level 2, with overlays on its search crop
    for win in ("frame", "status", "score_fused", "warped_prior", "attention", "overlay_score_fused"):
        assert client.win_exists(win), win
    assert not client.win_exists("crop_search")  # the crops themselves: level 3 only
    # the sequence already had results: the debug run tracked anyway, into the scratch run, leaving them alone
    assert stored.read_bytes() == before
    assert (tmp_path / "_debug" / tmtrack / "default" / "synthetic" / "test-0000-plain.txt").is_file()
