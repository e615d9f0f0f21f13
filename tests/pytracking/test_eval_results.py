"""Result files and manifests: layout, safe names, atomic writes, run-id choice on a changed manifest."""
from __future__ import annotations

import json

import numpy as np
import pytest

from pytracking.evaluation import manifest as mf
from pytracking.evaluation.results import (UnsafeNameError, check_name, is_complete, read_boxes,
                                           read_sequence_results, run_dir, sequence_paths, write_sequence_results)


@pytest.mark.parametrize("name", ["../evil", "..", "a/b", "a\\b", "/abs", "", "x\x00y", "c:d"])
def test_unsafe_names_are_refused(tmp_path, name):
    with pytest.raises(UnsafeNameError):
        sequence_paths(tmp_path, "otb", name)


def test_safe_names_and_layout(tmp_path):
    assert check_name("GOT-10k_Test_000001") == "GOT-10k_Test_000001"
    assert check_name("Jogging-1.v2") == "Jogging-1.v2"
    d = run_dir(tmp_path, "dctrack", "default", 3)
    assert d == tmp_path / "dctrack" / "default_003"
    paths = sequence_paths(d, "otb", "Couple")
    assert paths["boxes"] == d / "otb" / "Couple.txt"
    assert paths["times"].name == "Couple_time.txt" and paths["scores"].name == "Couple_score.txt"


def test_write_and_read_round_trip(tmp_path):
    boxes = np.array([[1.0, 2.5, 10.25, 20.125], [np.nan, np.nan, np.nan, np.nan], [0.123456, 0, 3, 4]])
    times = np.array([0.1, 0.02, 0.03])
    scores = np.array([[1.0, 1], [0.2, 0], [0.9, 1]])
    write_sequence_results(tmp_path, "otb", "Seq", boxes, times, scores)
    assert is_complete(tmp_path, "otb", "Seq")
    text = (tmp_path / "otb" / "Seq.txt").read_text().splitlines()
    assert text[0] == "1.0000,2.5000,10.2500,20.1250"
    back = read_sequence_results(tmp_path, "otb", "Seq")
    np.testing.assert_allclose(back["boxes"], np.round(boxes, 4), equal_nan=True)
    np.testing.assert_allclose(back["times"], times)
    np.testing.assert_allclose(back["scores"], scores)
    assert not list((tmp_path / "otb").glob(".*tmp"))  # no temporary files left


def test_mismatched_lengths_write_nothing(tmp_path):
    with pytest.raises(ValueError, match="differ"):
        write_sequence_results(tmp_path, "otb", "Seq", np.zeros((3, 4)), np.zeros(2), np.zeros((3, 2)))
    assert not is_complete(tmp_path, "otb", "Seq")
    assert not (tmp_path / "otb" / "Seq.txt").exists()


def test_malformed_result_file_names_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("1,2,3,4\n1,2,x,4\n")
    with pytest.raises(ValueError, match=r"bad.txt:2"):
        read_boxes(path)


def _manifest(sha="a" * 64, scale=1.0):
    m = mf.build_manifest("tmtrack", "default", {"scale": scale}, None)
    m["checkpoint_sha256"] = sha
    return m


def test_manifest_written_and_reused(tmp_path):
    directory, runid = mf.choose_run_dir(tmp_path, _manifest())
    assert runid is None and directory == tmp_path / "tmtrack" / "default"
    stored = json.loads((directory / "manifest.json").read_text())
    for key in ("plugin", "param", "parameters", "checkpoint", "checkpoint_sha256", "git_commit", "date", "box_convention"):
        assert key in stored
    again, _ = mf.choose_run_dir(tmp_path, _manifest())  # same identity: same directory
    assert again == directory


def test_changed_checkpoint_refused_with_difference(tmp_path):
    mf.choose_run_dir(tmp_path, _manifest("a" * 64))
    with pytest.raises(mf.ManifestMismatch) as err:
        mf.choose_run_dir(tmp_path, _manifest("b" * 64))
    assert "checkpoint_sha256" in str(err.value) and "--runid auto" in str(err.value)


def test_runid_auto_and_new_runid(tmp_path):
    first, _ = mf.choose_run_dir(tmp_path, _manifest(scale=1.0))
    second, rid = mf.choose_run_dir(tmp_path, _manifest(scale=2.0), runid="auto")
    assert rid == 1 and second.name == "default_001"
    # auto finds the run with the matching manifest again instead of making another
    assert mf.choose_run_dir(tmp_path, _manifest(scale=2.0), runid="auto")[0] == second
    assert mf.choose_run_dir(tmp_path, _manifest(scale=1.0), runid="auto")[0] == first
    third, rid3 = mf.choose_run_dir(tmp_path, _manifest(scale=1.0), new_runid=True)
    assert rid3 == 2 and third.name == "default_002"


def test_results_without_manifest_are_not_adopted(tmp_path):
    d = tmp_path / "tmtrack" / "default" / "otb"
    d.mkdir(parents=True)
    (d / "Couple.txt").write_text("1,2,3,4\n")
    with pytest.raises(mf.ManifestMismatch, match="no manifest"):
        mf.choose_run_dir(tmp_path, _manifest())


def test_device_and_debug_parameters_do_not_split_runs(tmp_path):
    a = mf.build_manifest("p", "default", {"device": "cuda:0", "debug": 0, "scale": 1.0}, None)
    b = mf.build_manifest("p", "default", {"device": "cuda:1", "debug": 2, "scale": 1.0}, None)
    assert mf.manifest_differences(a, b) == []
    c = mf.build_manifest("p", "default", {"device": "cpu", "debug": 0, "scale": 1.5}, None)
    assert [d.split(":")[0].strip() for d in mf.manifest_differences(a, c)] == ["parameters.scale"]
