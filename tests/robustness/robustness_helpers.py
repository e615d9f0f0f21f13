"""Helpers of the robustness tests: CLI runners, generated frames and sequence folders, process control."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[2]
TRAIN_SCRIPT = REPO / "ltr" / "run_training.py"
TRACK_SCRIPT = REPO / "pytracking" / "run_tracker.py"
# The smallest dctrack training that still runs the whole loop (about one second of work).
TINY_TRAIN = ["epochs=1", "samples_per_epoch=16", "batch_size=4", "data.num_workers=0", "val.every_epochs=0"]


def cli_env(**extra: str) -> dict:
    """The test's environment (isolated settings, plugin path) for a subprocess, single-threaded."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_script(script: Path, args: list, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    """Run ``python <script> args`` to completion (text output captured)."""
    return subprocess.run([sys.executable, str(script), *map(str, args)], cwd=REPO, env=cli_env(**extra),
                          capture_output=True, text=True, timeout=timeout)


def run_module(module: str, args: list, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    """Run ``python -m <module> args`` to completion."""
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=REPO, env=cli_env(**extra),
                          capture_output=True, text=True, timeout=timeout)


def start_script(script: Path, args: list, log_file: Optional[Path] = None, **extra: str) -> subprocess.Popen:
    """Start ``python <script> args`` in the background (output to ``log_file`` or discarded)."""
    out = open(log_file, "w") if log_file is not None else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, str(script), *map(str, args)], cwd=REPO, env=cli_env(**extra),
                            stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    """SIGKILL a process this test started (by its pid) and reap it."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def wait_for(condition: Callable[[], bool], timeout: float, poll: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll)
    return condition()


def assert_clean_error(text: str, *needles: str) -> None:
    """A user error: no Python traceback, and every ``needle`` appears in the message."""
    assert "Traceback (most recent call last)" not in text, text
    for needle in needles:
        assert needle in text, f"{needle!r} not in:\n{text}"


# ------------------------------------------------------------------------------------------ processes, ports
def free_port() -> int:
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def start_visdom(env_path: Path, timeout: float = 60) -> tuple[subprocess.Popen, int]:
    """Start a real visdom server bound to 127.0.0.1 on a free port; returns (process, port)."""
    port = free_port()
    env_path.mkdir(parents=True, exist_ok=True)
    code = ("from visdom.server.run_server import main; import sys; "
            f"sys.argv = ['visdom', '-port', '{port}', '--hostname', '127.0.0.1', '-env_path', {str(env_path)!r}]; "
            "main()")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=env_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=cli_env())
    if not wait_for(lambda: port_open(port) or proc.poll() is not None, timeout, poll=0.1) or proc.poll() is not None:
        stop(proc)
        raise RuntimeError(f"the visdom server did not start on port {port}")
    return proc, port


# ------------------------------------------------------------------------------------------ images and folders
def frame_image(index: int, size: tuple = (96, 72)) -> np.ndarray:
    """A textured RGB uint8 frame with a bright square that moves with ``index``."""
    w, h = size
    rng = np.random.default_rng(index)
    img = rng.integers(0, 80, size=(h, w, 3), dtype=np.uint8)
    x, y = 20 + 2 * index, 20 + index
    img[y:y + 20, x:x + 24] = (230, 200, 40)
    return img


def encode(rgb: np.ndarray, ext: str = ".jpg") -> bytes:
    """Encode an RGB image (or a single-channel / 16-bit array) with OpenCV."""
    arr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR) if rgb.ndim == 3 else rgb
    ok, buf = cv2.imencode(ext, arr)
    assert ok
    return buf.tobytes()


def corrupt_jpeg(data: bytes) -> bytes:
    """A JPEG whose headers are overwritten with garbage (start and end markers kept)."""
    garbage = bytes((i * 37 + 11) % 251 for i in range(len(data) // 2))
    return data[:2] + garbage + data[2 + len(garbage):]


def truncated_jpeg(data: bytes) -> bytes:
    """The first half of a JPEG (as a copy interrupted mid-file leaves it)."""
    return data[: len(data) // 2]


def box_lines(n: int, delimiter: str = ",") -> list[str]:
    """1-based ``x,y,w,h`` lines following the square of ``frame_image``."""
    return [delimiter.join(str(v) for v in (21 + 2 * i, 21 + i, 24, 20)) for i in range(n)]


def make_sequence_folder(root: Path, name: str, frames: int = 5, lines: Optional[list] = None,
                         gt_name: str = "groundtruth_rect.txt", img_dir: str = "img") -> Path:
    """A sequence folder in the OTB/generic layout: ``<name>/img/0001.jpg..`` + ``<name>/<gt_name>``."""
    folder = root / name
    (folder / img_dir).mkdir(parents=True, exist_ok=True)
    for i in range(frames):
        (folder / img_dir / f"{i + 1:04d}.jpg").write_bytes(encode(frame_image(i)))
    text = "\n".join(box_lines(frames) if lines is None else lines)
    (folder / gt_name).write_text(text + ("\n" if text else ""))
    return folder
