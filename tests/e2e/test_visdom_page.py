"""The live debug page in a real browser (headless Chromium, a test extra): the documented server command serves
a page that renders offline; during ``run_training.py --debug 1`` and ``run_tracker.py --debug 2`` every window
the run created is on the page (by title), the frame is not blank, and every heatmap is drawn in image
orientation (row 0 at the top), checked against its data and with a known asymmetric map.

Only loopback addresses are used. Skips when no browser is installed or the page files are missing.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
WINDOW = re.compile(r'width: (\d+)px; height: (\d+)px;[^"]*"><div role="presentation" class="window">'
                    r'<div class="bar">.*?<div class="pull-right">([^<]*)</div></div><div class="content">')
SMALL_TRAINING = ["--set", "epochs=1", "samples_per_epoch=8", "batch_size=4", "val.samples=4", "data.num_workers=0"]


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no headless browser (Debian: apt-get install chromium; install.sh does it as root)")


@pytest.fixture(scope="module")
def page_ready():
    """The browser, once the page's files are in visdom's static folder (else skip with what to run)."""
    browser = _browser()
    from pytracking.debug.visdom_server import missing_assets, visdom_static_dir

    missing = missing_assets(visdom_static_dir())
    if missing:
        pytest.skip(f"{len(missing)} visdom page files missing: "
                    f"run python -m pytracking.debug.visdom_server --assets-only")
    return browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """The documented command, on a free loopback port: yields the port."""
    port = _free_port()
    log = open(tmp_path / "visdom.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "pytracking.debug.visdom_server", "--port", str(port),
                             "--env-path", str(tmp_path / "visdom_env")], cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        assert proc.poll() is None, (tmp_path / "visdom.log").read_text()
        yield port
    finally:
        proc.kill()
        proc.wait(10)
        log.close()


def _dump(browser: str, url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran (headless, no sandbox: tests may run as root)."""
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           f"--user-data-dir={profile}", "--virtual-time-budget=8000", "--dump-dom", url],
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    return done.stdout


def _page_windows(dom: str) -> dict:
    """title -> (panel width, the window's html up to the next window)."""
    found = {}
    matches = list(WINDOW.finditer(dom))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(dom)
        found[m.group(3).replace("&amp;", "&")] = (int(m.group(1)), dom[m.end():end])
    return found


def _server_windows(port: int, env: str) -> dict:
    """win -> {title, type, content} of ``env`` on the server."""
    import visdom

    viz = visdom.Visdom(server="http://127.0.0.1", port=port, env=env, use_incoming_socket=False)
    return json.loads(viz.get_window_data(env=env) or "{}")


def _decode(data_url_html: str, kind: str) -> np.ndarray:
    """The first ``kind`` ('img' src or svg 'image' href) data-URL picture in the html, as RGB."""
    attr = 'src="data:image/[a-z]+;base64,' if kind == "img" else 'xlink:href="data:image/png;base64,'
    m = re.search(f"<{kind} [^>]*{attr}([^\"]+)\"", data_url_html)
    assert m, f"no <{kind}> picture in the window"
    img = cv2.imdecode(np.frombuffer(base64.b64decode(m.group(1)), np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _rendered_cells(html: str, rows: int, cols: int) -> np.ndarray:
    """The heatmap's picture on the page averaged to its rows x cols cells (luminance; viridis rises with value)."""
    pic = _decode(html, "image").astype(np.float64)
    return cv2.resize(pic.mean(axis=2), (cols, rows), interpolation=cv2.INTER_AREA)


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 0 else 0.0


def _check_heatmap(html: str, image_map: np.ndarray, title: str) -> None:
    """The drawn picture matches ``image_map`` (row 0 at the top) better than the map upside down."""
    drawn = _rendered_cells(html, *image_map.shape)
    if np.ptp(image_map) == 0:  # a flat map (an untrained branch) is drawn flat: nothing to orient
        assert np.ptp(drawn) < 2, (title, np.ptp(drawn))
        return
    upright, flipped = _corr(drawn, image_map), _corr(drawn, image_map[::-1])
    assert upright > 0.8, (title, upright, flipped)
    if _corr(image_map, image_map[::-1]) < 0.8:  # the map tells up from down
        assert upright > flipped + 0.1, (title, upright, flipped)


def _is_heatmap(win: dict) -> bool:
    content = win.get("content")
    return isinstance(content, dict) and (content.get("data") or [{}])[0].get("type") == "heatmap"


def _check_page(browser: str, port: int, env: str, profile: Path, expected: dict, truth: dict = None) -> dict:
    """Open the page of ``env``: every window in ``expected`` (server state) is on it by title, and each heatmap
    named in ``truth`` (title -> the map in image orientation) is drawn upright."""
    page = _page_windows(_dump(browser, f"http://127.0.0.1:{port}/env/{env}", profile))
    titles = {w.get("title") or key: w for key, w in expected.items()}
    assert set(titles) <= set(page), f"not on the page: {sorted(set(titles) - set(page))}; page: {sorted(page)}"
    for title, image_map in (truth or {}).items():
        _check_heatmap(page[title][1], image_map, title)
    return page


def _tracker_maps(sequence_index: int) -> dict:
    """The debug maps (image orientation) of the last frame, tracking the same sequence in this process."""
    import torch

    from common.datasets import evaluation_split, load_dataset
    from pytracking.api import load_tracker, track_sequence
    from pytracking.debug.visdom_view import debug_maps, tile_channels

    class LastFrame:
        def show(self, frame, image, output, gt_box=None, frame_time=0.0):
            self.output = output

    torch.set_num_threads(1)  # as the run (--torch-threads 1): the same numbers
    tracker = load_tracker("dctrack", "quick")
    tracker.params.debug = 2
    last = LastFrame()
    track_sequence(tracker, load_dataset("synthetic", evaluation_split("synthetic", None))[sequence_index], last)
    return {name: tile_channels(value) for name, value in debug_maps(last.output).items()}


def _wait_for_windows(port: int, env: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> dict:
    """The env's windows once the run has created some and a second passed without new ones (or it ended)."""
    deadline, last = time.time() + timeout, {}
    while time.time() < deadline:
        now = _server_windows(port, env)
        if now and (len(now) == len(last) or proc.poll() is not None):
            return now
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit {proc.returncode}) without a visdom window:\n{log.read_text()[-3000:]}")
        last = now
        time.sleep(1.0)
    pytest.fail(f"the run created no visdom window in {timeout} s:\n{log.read_text()[-3000:]}")


def _start(args: list, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DCTRACK_VISDOM_PORT=str(port), OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)


def _finish(proc: subprocess.Popen, log: Path) -> None:
    assert proc.wait(240) == 0, log.read_text()[-3000:]


def test_page_during_training_and_tracking(page_ready, server, tmp_path):
    port = server
    log = tmp_path / "train.log"
    train = _start(["ltr/run_training.py", "dctrack", "quick", "--debug", "1", *SMALL_TRAINING], port, log)
    during = _wait_for_windows(port, "dctrack_quick", train, log)
    _check_page(page_ready, port, "dctrack_quick", tmp_path / "profile", during)  # opened during the run
    _finish(train, log)
    final = _server_windows(port, "dctrack_quick")
    assert any(w.get("type") == "plot" for w in final.values())  # loss / learning-rate curves
    _check_page(page_ready, port, "dctrack_quick", tmp_path / "profile", final)

    # tracking into its own env (delete the training one: the env name is <plugin>_<param> for both)
    import visdom

    visdom.Visdom(server="http://127.0.0.1", port=port, use_incoming_socket=False).delete_env("dctrack_quick")
    log = tmp_path / "track.log"
    track = _start(["pytracking/run_tracker.py", "dctrack", "quick", "--dataset", "synthetic", "--sequence", "0",
                    "--debug", "2", "--torch-threads", "1"], port, log)
    during = _wait_for_windows(port, "dctrack_quick", track, log)
    _check_page(page_ready, port, "dctrack_quick", tmp_path / "profile", during)
    _finish(track, log)
    assert "training on 'synthetic'" not in log.read_text()  # evaluating: no word about training data
    final = _server_windows(port, "dctrack_quick")
    truth = _tracker_maps(0)  # what the tracker returned on the last frame, row 0 = the crop's top
    heatmaps = sorted(w["title"] for w in final.values() if _is_heatmap(w))
    assert heatmaps == sorted(truth), (heatmaps, sorted(truth))  # every map the tracker returned, by its name
    page = _check_page(page_ready, port, "dctrack_quick", tmp_path / "profile", final, truth)
    frame_title = final["frame"]["title"]
    width, html = page[frame_title]
    frame = _decode(html, "img")
    assert frame.std() > 10 and width >= 480, (frame.std(), width)  # a real picture in a large panel


def test_known_asymmetric_map_is_upright(page_ready, server, tmp_path):
    from common.visdom_client import VisdomClient
    from pytracking.debug.visdom_view import DebugView

    port = server
    probe = np.zeros((6, 10))
    probe[0, :3] = 1.0  # top-left corner of the image
    probe[1, 0] = 0.5
    crop = np.full((60, 100, 3), 90, np.uint8)
    client = VisdomClient("127.0.0.1", port, env="probe", events=False)
    view = DebugView(2, client)
    view.start_sequence("probe")
    view.show(1, np.full((40, 80, 3), 200, np.uint8), {"box": [5, 5, 20, 10], "score": 0.5, "present": True,
                                                        "probe": probe, "crops": {"search": crop}})
    page = _check_page(page_ready, port, "probe", tmp_path / "profile", _server_windows(port, "probe"),
                       {"probe": probe})
    drawn = _rendered_cells(page["probe"][1], *probe.shape)
    assert drawn[0, 0] > drawn[-1, 0] + 50 and drawn[0, 0] > drawn[0, -1] + 50  # bright top-left, as in the image
    overlay = _decode(page["overlay probe (stretched over the crop)"][1], "img").astype(int)
    red = overlay[..., 0] - overlay[..., 2]
    assert red[:10, :30].mean() > red[-10:, :30].mean() + 50  # the hot corner lands top-left on the crop
