"""The got10k preset against the got10k toolkit's own ExperimentGOT10k.report on a small val-style root."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import write_run  # noqa: E402

from pytracking import analyze  # noqa: E402

SIZE = (160, 120)


def _val_root(tmp_path: Path, rng) -> dict:
    val = tmp_path / "got10k" / "val"
    val.mkdir(parents=True)
    names = ["GOT-10k_Val_000001", "GOT-10k_Val_000002", "GOT-10k_Val_000003"]
    (val / "list.txt").write_text("\n".join(names))
    data = {}
    for k, name in enumerate(names):
        n = 12 + 5 * k
        folder = val / name
        folder.mkdir()
        gt = np.cumsum(rng.normal(0, 3, size=(n, 4)), axis=0) + [40, 30, 50, 40]
        gt[:, 2:] = np.abs(gt[:, 2:]) + 5
        gt[-2:, 0] = [-10, 130]  # boxes leaving the image: bounded by the toolkit
        cover = rng.integers(1, 9, size=n)
        cover[[3, 4]] = 0  # absent frames
        for i in range(1, n + 1):
            (folder / f"{i:08d}.jpg").write_bytes(b"\xff\xd8")
        np.savetxt(folder / "groundtruth.txt", gt, fmt="%.4f", delimiter=",")
        np.savetxt(folder / "cover.label", cover, fmt="%d")
        np.savetxt(folder / "absence.label", (cover == 0).astype(int), fmt="%d")
        np.savetxt(folder / "cut_by_image.label", np.zeros(n, int), fmt="%d")
        (folder / "meta_info.ini").write_text(f"[METAINFO]\nresolution: ({SIZE[0]}, {SIZE[1]})\nobject_class: toy\n")
        pred = gt + rng.normal(0, 6, size=gt.shape)
        pred[5, 0] = -25
        data[name] = pred
    return data


def test_got10k_preset_matches_the_toolkit_report(tmp_path, capsys):
    experiments = pytest.importorskip("got10k.experiments", reason="got10k (pip install --no-deps got10k) absent")
    rng = np.random.default_rng(5)
    preds = _val_root(tmp_path, rng)
    root = tmp_path / "got10k"
    # the toolkit's result layout: <result_dir>/GOT-10k/<tracker>/<seq>/<seq>_001.txt
    for name, pred in preds.items():
        folder = tmp_path / "tk_results" / "GOT-10k" / "toy" / name
        folder.mkdir(parents=True)
        np.savetxt(folder / f"{name}_001.txt", pred, fmt="%.4f", delimiter=",")
        np.savetxt(folder / f"{name}_time.txt", np.full(len(pred), 0.01), fmt="%.6f")
    exp = experiments.ExperimentGOT10k(str(root), subset="val", result_dir=str(tmp_path / "tk_results"),
                                       report_dir=str(tmp_path / "tk_reports"))
    theirs = exp.report(["toy"])["toy"]["overall"]

    write_run(Path(os.environ["DCTRACK_RESULTS_DIR"]), "toy", "default", "got10k", preds)
    out = tmp_path / "ours.json"
    code = analyze.main(["--dataset", "got10k", "--split", "val", "--root", str(root), "--trackers", "toy/default",
                         "--no-plots", "--json", str(out)])
    assert code == 0, capsys.readouterr().err
    ours = json.loads(out.read_text())["trackers"]["toy/default"]
    assert ours["overall"]["AO"]["mean"] == pytest.approx(theirs["ao"], abs=1e-4)
    assert ours["overall"]["SR0.5"]["mean"] == pytest.approx(theirs["sr"], abs=1e-9)
    np.testing.assert_allclose(ours["curves"]["success_curve"], theirs["succ_curve"], atol=1e-9)
