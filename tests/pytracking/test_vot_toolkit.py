"""The official VOT toolkit (test extra ``vot-toolkit``) runs a tracker from the ``--write-ini`` entry, unchanged.

A one-sequence local workspace is built from the shared ``vot/bag`` (first frames only); the ini is written
with the settings of the test in effect, then the toolkit runs with none of the ``DCTRACK_*`` variables set.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from common.boxes import from_one_based, polygon_to_xywh, to_one_based
from tmtrack_plugin import write_checkpoint

FRAMES = 12
STACK = "experiments:\n  baseline:\n    type: unsupervised\n    repetitions: 1\n"


def _vot_cli() -> Path:
    """The toolkit's ``vot`` command beside this interpreter (skips when the extra is absent)."""
    pytest.importorskip("vot", reason="optional test extra: pip install vot-toolkit attributee==0.1.9")
    cli = Path(sys.executable).parent / "vot"
    if not cli.is_file():
        pytest.skip(f"the vot-toolkit command {cli} is absent")
    return cli


def _workspace(root: Path, source: Path) -> Path:
    """A VOT workspace with one short sequence ``bag`` and a local unsupervised stack."""
    seq = root / "sequences" / "bag"
    (seq / "color").mkdir(parents=True)
    for i in range(1, FRAMES + 1):
        os.symlink(source / f"{i:08d}.jpg", seq / "color" / f"{i:08d}.jpg")
    lines = (source / "groundtruth.txt").read_text().splitlines()[:FRAMES]
    (seq / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    (seq / "sequence").write_text(f"channels.color=color/%08d.jpg\nfps=30\nformat=default\nlength={FRAMES}\n")
    (root / "sequences" / "list.txt").write_text("bag\n")
    (root / "stack.yaml").write_text(STACK)
    (root / "config.yaml").write_text("registry:\n- ./trackers.ini\nstack: ./stack.yaml\n")
    return root


def _clean_env() -> dict:
    """The environment without any ``DCTRACK_*`` variable (as a user's shell that never exported one)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DCTRACK_")}


def _vot(cli: Path, args: list, workspace: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(cli), *args, "--workspace", str(workspace)], cwd=workspace, env=_clean_env(),
                          capture_output=True, text=True, timeout=240)


def _own_tracking(workspace: Path) -> np.ndarray:
    """This toolkit's boxes for the workspace's sequence (0-based), with the checkpoint the ini names."""
    from common.datasets.base import Sequence
    from pytracking.api import load_tracker, track_sequence

    seq_dir = workspace / "sequences" / "bag"
    polygons = np.loadtxt(seq_dir / "groundtruth.txt", delimiter=",")
    seq = Sequence("bag", "vot", frames=sorted((seq_dir / "color").glob("*.jpg")),
                   ground_truth=from_one_based(polygon_to_xywh(polygons)))
    boxes, _, _ = track_sequence(load_tracker("tmtrack", "net"), seq)
    return boxes


def _logs(workspace: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(workspace.rglob("*.log")))


@pytest.fixture
def vot_setup(tmtrack, shared_data, tmp_path):
    """(vot cli, workspace, checkpoint): the tmtrack ``net`` tracker's checkpoint in the test's workspace."""
    cli = _vot_cli()
    from settings import load_settings

    ckpt = write_checkpoint(Path(load_settings().workspace_dir) / "checkpoints" / "tmtrack" / "s1" / "run_001" /
                            "best.pth", shift=0.0)
    workspace = _workspace(tmp_path / "vot_ws", shared_data / "sequences" / "vot" / "bag")
    from pytracking.adapters.vot_trax import main

    assert main(["--write-ini", tmtrack, "net", "--ini-file", str(workspace / "trackers.ini")]) == 0
    return cli, workspace, ckpt


def test_vot_toolkit_evaluate_and_analysis(vot_setup):
    cli, workspace, ckpt = vot_setup
    ini = (workspace / "trackers.ini").read_text()
    assert "paths =" not in ini and f"--checkpoint {ckpt.resolve()}" in ini and "env_DCTRACK_WORKSPACE_DIR" in ini
    run = _vot(cli, ["evaluate", "tmtrack_net"], workspace)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:] + _logs(workspace)[-3000:]
    from vot.region import Special
    from vot.region.io import read_trajectory

    trajectory = read_trajectory(str(next((workspace / "results" / "tmtrack_net").rglob("bag_001.bin"))))
    assert len(trajectory) == FRAMES and isinstance(trajectory[0], Special) and trajectory[0].code == 1
    reported = np.array([[r.x, r.y, r.width, r.height] for r in trajectory[1:]])
    np.testing.assert_allclose(reported, to_one_based(_own_tracking(workspace)[1:]), atol=1e-3)
    analysis = _vot(cli, ["analysis", "tmtrack_net", "--format", "json"], workspace)
    assert analysis.returncode == 0, analysis.stdout[-3000:] + analysis.stderr[-3000:]
    reports = list((workspace / "analysis").rglob("*.json"))
    assert reports, analysis.stdout[-2000:] + analysis.stderr[-2000:]
    assert "tmtrack_net" in reports[0].read_text()


def test_vot_toolkit_shows_the_real_error(vot_setup):
    cli, workspace, ckpt = vot_setup
    ckpt.unlink()  # a broken setup: the recorded checkpoint is gone
    run = _vot(cli, ["evaluate", "tmtrack_net"], workspace)
    log = _logs(workspace)  # the toolkit writes the tracker's output to <workspace>/logs/ on an error
    assert f"checkpoint {ckpt.resolve()} does not exist" in log, run.stdout[-2000:] + run.stderr[-2000:] + log
    assert "Tracker output written to file" in run.stdout + run.stderr
