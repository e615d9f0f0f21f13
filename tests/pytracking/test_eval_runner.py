"""Runner and run_tracker.py: parallel == sequential, failures, unsafe names, sharding, sequence selection."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from common.datasets import load_dataset, register_dataset
from common.datasets.base import Sequence
from pytracking import run_tracker
from pytracking.evaluation.runner import DatasetRef, evaluate

SYN = [DatasetRef("synthetic", "test")]


def _result_files(directory: Path, with_times: bool = False) -> dict:
    files = sorted(p for p in directory.rglob("*.txt") if with_times or not p.name.endswith("_time.txt"))
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in files}


def test_parallel_and_sequential_give_identical_files(tmtrack, tmp_path):
    seq_report = evaluate(tmtrack, "default", SYN, tmp_path / "a", threads=0)
    par_report = evaluate(tmtrack, "default", SYN, tmp_path / "b", threads=2)
    assert not seq_report.failures and not par_report.failures
    a, b = _result_files(seq_report.run_dir), _result_files(par_report.run_dir)
    assert len(a) == 16 and a == b  # 8 sequences: boxes and scores byte-identical
    times = _result_files(par_report.run_dir, with_times=True)
    assert len(times) == 24
    first = (seq_report.run_dir / "synthetic" / "test-0000-plain.txt").read_text().splitlines()
    assert len(first) == 60 and all(len(v.split(".")[1]) >= 2 for v in first[5].split(","))


def test_failing_sequences_summary_and_exit_code(tmtrack, tmp_path, capsys, monkeypatch):
    xs = sorted(s.init_box[0] for s in load_dataset("synthetic", "test"))
    monkeypatch.setenv("TMTRACK_FAIL_X", str((xs[3] + xs[4]) / 2))  # the 4 leftmost starts fail
    code = run_tracker.main(["tmtrack", "failing", "--dataset", "synthetic", "--threads", "2",
                             "--results-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "4 sequence(s) FAILED" in out and out.count("RuntimeError: tmtrack: deliberate failure") == 4
    assert "Traceback" in out
    assert len(list((tmp_path / "tmtrack" / "failing" / "synthetic").glob("*_score.txt"))) == 4


@register_dataset("pt_escape_test", None, ("test",))
def _escape_reader(root, split):
    frame = np.zeros((32, 32, 3), np.uint8)
    gt = np.tile([[8.0, 8, 8, 8]], (3, 1))
    return [Sequence(name, "pt_escape_test", ground_truth=gt, frame_reader=lambda i: frame, num_frames=3)
            for name in ("ok", "../escaped", "..")]


def test_path_escaping_sequence_names_are_refused(tmtrack, tmp_path):
    report = evaluate(tmtrack, "default", [DatasetRef("pt_escape_test", "test")], tmp_path / "r")
    failed = {r.seq_name: r.error for r in report.failures}
    assert set(failed) == {"../escaped", ".."} and all("UnsafeNameError" in e for e in failed.values())
    assert (report.run_dir / "pt_escape_test" / "ok.txt").is_file()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(report.run_dir in p.parents for p in written)


def test_ranks_take_disjoint_shares(tmtrack, tmp_path, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "3")
    shares = []
    for rank in range(3):
        monkeypatch.setenv("RANK", str(rank))
        report = evaluate(tmtrack, "default", SYN, tmp_path, runid=0)
        assert report.world_size == 3 and report.rank == rank
        shares.append({r.seq_name for r in report.results})
    assert sum(len(s) for s in shares) == 8 and len(set().union(*shares)) == 8
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="explicit --runid"):
        evaluate(tmtrack, "default", SYN, tmp_path, runid="auto")


def test_slurm_variables_are_used(monkeypatch):
    from pytracking.evaluation.runner import distributed_rank

    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setenv("SLURM_PROCID", "2")
    monkeypatch.setenv("SLURM_NTASKS", "4")
    assert distributed_rank() == (2, 4)


def test_sequence_selection_and_errors(tmtrack, tmp_path, capsys):
    base = ["tmtrack", "--dataset", "synthetic", "--results-dir", str(tmp_path)]
    assert run_tracker.main(base + ["--sequence", "test-0003-out_of_view"]) == 0
    assert run_tracker.main(base + ["--sequence", "5"]) == 0
    names = sorted(p.name for p in (tmp_path / "tmtrack" / "default" / "synthetic").glob("*_score.txt"))
    assert names == ["test-0003-out_of_view_score.txt", "test-0005-blur_score.txt"]
    capsys.readouterr()
    assert run_tracker.main(base + ["--sequence", "nope"]) == 2
    assert "test-0000-plain" in capsys.readouterr().err  # lists the available names
    assert run_tracker.main(["tmtrack", "net", "--dataset", "synthetic", "--results-dir", str(tmp_path)]) == 2
    assert "python ltr/run_training.py tmtrack s1" in capsys.readouterr().err


def test_parameter_overrides_reach_every_worker_and_the_manifest(tmtrack, tmp_path, capsys):
    xs = sorted(s.init_box[0] for s in load_dataset("synthetic", "test"))
    threshold = (xs[3] + xs[4]) / 2
    code = run_tracker.main(["tmtrack", "default", "--dataset", "synthetic", "--threads", "2",
                             "--set", f"fail_if_init_x_below={threshold}", "--results-dir", str(tmp_path)])
    assert code == 1 and "4 sequence(s) FAILED" in capsys.readouterr().out
    manifest = next(tmp_path.rglob("manifest.json")).read_text()
    assert str(threshold) in manifest


def test_a_wrong_parameter_override_names_the_key(tmtrack, tmp_path, capsys):
    code = run_tracker.main(["tmtrack", "default", "--dataset", "synthetic", "--set", "no_such_key=1",
                             "--results-dir", str(tmp_path)])
    assert code == 2 and "no_such_key" in capsys.readouterr().err
