"""analyze.py: repeated --external flags add trackers; --json is strict JSON (null for NaN, e.g. external FPS)."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import make_otb_root  # noqa: E402

from common.boxes import to_one_based  # noqa: E402
from pytracking import analyze  # noqa: E402
from pytracking.analysis.tables import json_ready  # noqa: E402


def _external(folder: Path, gts: dict, shift: float) -> Path:
    folder.mkdir()
    for name, gt in gts.items():
        np.savetxt(folder / f"{name}.txt", to_one_based(gt) + [shift, 0, 0, 0], delimiter=",", fmt="%.3f")
    return folder


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_repeated_external_flags_accumulate_and_json_is_strict(tmp_path):
    gts = make_otb_root(tmp_path / "otb")
    a = _external(tmp_path / "a", gts, 0.0)
    b = _external(tmp_path / "b", gts, 3.0)
    out = tmp_path / "r.json"
    assert analyze.main(["--dataset", "otb", "--root", str(tmp_path / "otb"), "--external", f"A={a}",
                         "--external", f"B={b}", "--no-plots", "--json", str(out)]) == 0
    report = _strict(out.read_text())  # raises on NaN / Infinity
    assert sorted(report["trackers"]) == ["A", "B"]
    assert report["trackers"]["A"]["overall"]["AUC"]["mean"] > report["trackers"]["B"]["overall"]["AUC"]["mean"]
    assert "null" in out.read_text()  # external results have no timing: their FPS is null, not NaN


def test_json_ready_replaces_non_finite_numbers():
    data = {"a": float("nan"), "b": [1.0, np.float32("inf"), np.int64(3)], "c": np.array([0.5, np.nan]), 4: "x"}
    assert json_ready(data) == {"a": None, "b": [1.0, None, 3], "c": [0.5, None], "4": "x"}
    assert not math.isnan(json.loads(json.dumps(json_ready(data), allow_nan=False))["c"][0])
