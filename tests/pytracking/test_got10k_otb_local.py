"""The GOT-10k toolkit's OTB experiment on a local root with only some sequences, offline (test extra ``got10k``)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from common.boxes import to_one_based
from common.datasets import load_dataset
from pytracking.api import load_tracker, track_sequence


def test_toolkit_otb_experiment_on_a_partial_local_root(tmtrack, shared_data, tmp_path, monkeypatch, capsys):
    pytest.importorskip("got10k", reason="optional test extra: pip install --no-deps got10k shapely fire wget")
    import got10k.experiments.otb as toolkit_otb

    def no_download(*args, **kwargs):
        raise AssertionError("the toolkit's OTB downloader was called")

    monkeypatch.setattr(toolkit_otb, "OTB", no_download)
    from pytracking.adapters.got10k_otb_local import main

    root = shared_data / "sequences" / "otb"
    out = tmp_path / "toolkit"
    assert main([tmtrack, "default", "--root", str(root), "--sequences", "Couple", "Crossing", "--max-frames", "25",
                 "--baseline", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    perf = json.loads((out / "reports" / "OTB2015" / "tmtrack_default" / "performance.json").read_text())
    ours, static = (perf[n]["overall"]["success_score"] for n in ("tmtrack_default", "IdentityTracker"))
    assert ours > static + 0.1 and f"tmtrack_default: success {ours:.3f}" in printed
    # the toolkit's record is this toolkit's own tracking in the toolkit's 1-based convention
    seq = next(s for s in load_dataset("otb", None, str(root)) if s.name == "Couple")
    seq.frames, seq.ground_truth = seq.frames[:25], seq.ground_truth[:25]
    boxes, _, _ = track_sequence(load_tracker(tmtrack), seq)
    recorded = np.loadtxt(out / "results" / "OTB2015" / "tmtrack_default" / "Couple.txt", delimiter=",")
    np.testing.assert_allclose(recorded, to_one_based(boxes), atol=1e-3)


def test_unknown_sequence_names_the_root(tmtrack, shared_data, capsys):
    pytest.importorskip("got10k")
    from pytracking.adapters.got10k_otb_local import main

    root = shared_data / "sequences" / "otb"
    assert main([tmtrack, "--root", str(root), "--sequences", "Basketball"]) == 2
    assert f"{root}: no sequence Basketball" in capsys.readouterr().err
