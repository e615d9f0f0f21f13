"""pytracking/analyze.py: run ids, external imports, missing lines, cache, plots, and the OTB-100 golden values."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers import make_otb_root, noisy, write_run  # noqa: E402

from common import metrics  # noqa: E402
from common.boxes import to_one_based  # noqa: E402
from pytracking import analyze  # noqa: E402

PUBLISHED_OTB100 = {"MDNet": (0.678, 0.909), "ATOM": (0.667, 0.879), "DaSiamRPN": (0.658, 0.880)}


@pytest.fixture
def otb(tmp_path):
    gts = make_otb_root(tmp_path / "otb")
    return tmp_path / "otb", gts


def _results_root() -> Path:
    return Path(os.environ["DCTRACK_RESULTS_DIR"])


def _analyze(root, *args, json_out=None):
    argv = ["--dataset", "otb", "--root", str(root), *args]
    if json_out is not None:
        argv += ["--json", str(json_out)]
    return analyze.main(argv)


def test_run_ids_are_averaged_with_std(otb, tmp_path, capsys):
    root, gts = otb
    for runid, sigma in enumerate((1.0, 6.0)):
        write_run(_results_root(), "toy", f"default_{runid:03d}", "otb", noisy(gts, sigma, runid))
    out = tmp_path / "report.json"
    assert _analyze(root, "--trackers", "toy/default", "--report", "toy", json_out=out) == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())["trackers"]["toy/default"]
    assert len(report["runs"]) == 2
    # the expected mean is the mean of each run scored alone
    single = []
    for runid in (0, 1):
        assert _analyze(root, "--trackers", f"toy/default_{runid:03d}", "--no-plots", json_out=out) == 0
        single.append(json.loads(out.read_text())["trackers"][f"toy/default_{runid:03d}"]["overall"]["AUC"]["mean"])
    assert report["overall"]["AUC"]["mean"] == pytest.approx(np.mean(single))
    assert report["overall"]["AUC"]["std"] == pytest.approx(np.std(single))
    assert report["overall"]["FPS"]["mean"] == pytest.approx(50.0)
    assert "±" in printed and "per attribute" in printed and "OCC" in printed
    assert "preset otb" in printed
    plots = _results_root() / "plots" / "toy"
    assert all((plots / f"{k}.{e}").stat().st_size > 1000 for k in ("success", "precision") for e in ("png", "pdf"))


def test_external_import_delimiters_case_and_convention(otb, tmp_path, capsys):
    root, gts = otb
    ext = tmp_path / "ext"
    ext.mkdir()
    names = list(gts)
    # 1-based boxes as OTB's published files, tab / space / comma separated, names in other cases
    for name, sep in zip(names[:2], ("\t", " ")):
        rows = to_one_based(gts[name])
        (ext / f"{name.lower().replace('-', '_')}.txt").write_text("".join(sep.join(f"{v:.3f}" for v in r) + "\n"
                                                                          for r in rows))
    out = tmp_path / "r.json"
    assert _analyze(root, "--external", f"perfect={ext}", "--no-plots", json_out=out) == 0
    printed = capsys.readouterr().out
    rep = json.loads(out.read_text())["trackers"]["perfect"]
    assert rep["missing"] == [names[2]]
    assert names[2] in printed and "without results" in printed
    assert rep["overall"]["AO"]["mean"] == pytest.approx(1.0, abs=1e-3)  # 3 decimals in the files
    assert rep["overall"]["P"]["mean"] == 1.0
    # the same files read as 0-based are shifted by one pixel: no longer perfect
    assert _analyze(root, "--external", f"shifted={ext}@zero_based", "--no-plots", json_out=out) == 0
    shifted = json.loads(out.read_text())["trackers"]["shifted"]["overall"]["AO"]["mean"]
    assert shifted < 0.99


def test_too_few_lines_is_a_clear_error(otb, capsys):
    root, gts = otb
    name = list(gts)[0]
    boxes = noisy(gts, 1.0, 0)
    boxes[name] = boxes[name][:-3]
    write_run(_results_root(), "toy", "short", "otb", boxes)
    assert _analyze(root, "--trackers", "toy/short", "--no-plots") == 2
    err = capsys.readouterr().err
    assert f"{name}.txt" in err and f"{len(gts[name]) - 3} boxes for the {len(gts[name])} frames" in err
    assert _analyze(root, "--trackers", "toy/short", "--no-plots", "--missing", "fail") == 0


def test_unknown_tracker_and_runid_selection(otb, capsys):
    root, gts = otb
    write_run(_results_root(), "toy", "default_000", "otb", noisy(gts, 1.0, 0))
    assert _analyze(root, "--trackers", "toy/other", "--no-plots") == 2
    assert "no results for dataset 'otb'" in capsys.readouterr().err
    assert _analyze(root, "--trackers", "toy/default_000", "--no-plots", "--no-sequences") == 0
    assert "toy/default_000" in capsys.readouterr().out


def test_cache_hits_and_is_never_stale(otb, tmp_path, capsys):
    root, gts = otb
    folder = write_run(_results_root(), "toy", "default", "otb", noisy(gts, 2.0, 0))
    out = tmp_path / "r.json"
    assert _analyze(root, "--trackers", "toy/default", "--no-plots", json_out=out) == 0
    first = json.loads(out.read_text())["trackers"]["toy/default"]["overall"]["AUC"]["mean"]
    assert "0 hits, 3 computed" in capsys.readouterr().out
    assert _analyze(root, "--trackers", "toy/default", "--no-plots", json_out=out) == 0
    assert "3 hits, 0 computed" in capsys.readouterr().out
    name = list(gts)[0]
    (folder / f"{name}.txt").write_text("".join(",".join(f"{v:.4f}" for v in r) + "\n" for r in gts[name] + 15))
    assert _analyze(root, "--trackers", "toy/default", "--no-plots", json_out=out) == 0
    assert "2 hits, 1 computed" in capsys.readouterr().out
    assert json.loads(out.read_text())["trackers"]["toy/default"]["overall"]["AUC"]["mean"] < first


def test_published_otb100_through_the_cli(shared_data, tmp_path, capsys):
    root = shared_data / "benchmarks" / "otb100"
    externals = [f"{name}={root / 'results' / name}" for name in PUBLISHED_OTB100]
    out = tmp_path / "otb.json"
    code = analyze.main(["--dataset", "otb", "--root", str(root), "--external", *externals, "--missing", "repeat",
                         "--report", "otb_published", "--no-sequences", "--no-cache", "--json", str(out)])
    assert code == 0
    report = json.loads(out.read_text())
    for name, (auc, prec) in PUBLISHED_OTB100.items():
        overall = report["trackers"][name]["overall"]
        assert overall["AUC"]["mean"] == pytest.approx(auc, abs=0.001)
        assert overall["P"]["mean"] == pytest.approx(prec, abs=0.002)
        assert report["trackers"][name]["missing"] == []
    assert report["preset"] == "otb"
    assert (_results_root() / "plots" / "otb_published" / "success.png").is_file()
    printed = capsys.readouterr().out
    assert "MDNet [" not in printed and "BC" in printed  # attribute table from the dataset files


def test_presets_follow_the_dataset():
    assert metrics.preset_for_dataset("uav123").name == "uav"
    assert metrics.preset_for_dataset("got10k").name == "got10k"
    assert metrics.preset_for_dataset("generic").name == "otb"


def test_external_spec_errors(tmp_path):
    from pytracking.analysis.results import AnalysisError, parse_external

    with pytest.raises(AnalysisError, match="expected NAME=DIR"):
        parse_external("nodir", "otb")
    with pytest.raises(AnalysisError, match="is not a folder"):
        parse_external(f"x={tmp_path / 'none'}", "otb")
    with pytest.raises(AnalysisError, match="one_based or zero_based"):
        parse_external(f"x={tmp_path}@two_based", "otb")
    assert parse_external(f"x={tmp_path}", "otb").one_based
    assert not parse_external(f"x={tmp_path}", "got10k").one_based


def test_paired_comparison_through_the_cli(otb, tmp_path, capsys):
    root, gts = otb
    for runid in range(2):
        write_run(_results_root(), "toy", f"good_{runid:03d}", "otb", noisy(gts, 1.0, runid))
    write_run(_results_root(), "toy", "bad", "otb", noisy(gts, 8.0, 7))
    out = tmp_path / "paired.json"
    assert _analyze(root, "--trackers", "toy/good", "toy/bad", "--paired", "toy/good", "toy/bad", "--no-plots",
                    json_out=out) == 0
    printed = capsys.readouterr().out
    assert "paired comparisons" in printed and "toy/good - toy/bad" in printed
    paired = json.loads(out.read_text())["paired"][0]
    per_tracker = json.loads(out.read_text())["trackers"]
    seqs = per_tracker["toy/good"]["per_sequence"]
    expected = {n: seqs[n]["AUC"] - per_tracker["toy/bad"]["per_sequence"][n]["AUC"] for n in seqs}
    assert paired["per_sequence"] == pytest.approx(expected)
    assert paired["runs_a"] == 2 and paired["runs_b"] == 1
    assert paired["low"] <= paired["mean"] <= paired["high"]
    assert _analyze(root, "--trackers", "toy/good", "--paired", "toy/good", "toy/nope", "--no-plots") == 2
    assert "toy/nope" in capsys.readouterr().err
