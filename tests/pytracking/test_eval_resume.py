"""Resuming and re-running: a killed run leaves only whole results; a changed checkpoint never reuses old ones."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pytracking import run_tracker
from pytracking.evaluation.runner import DatasetRef, evaluate
from test_eval_runner import _result_files
from tmtrack_plugin import write_checkpoint

REPO = Path(__file__).resolve().parents[2]
SYN = [DatasetRef("synthetic", "test")]


def test_killed_run_leaves_no_partial_result_and_rerun_completes_missing(tmtrack, tmp_path):
    results = tmp_path / "results"
    cmd = [sys.executable, str(REPO / "pytracking" / "run_tracker.py"), tmtrack, "--dataset", "synthetic",
           "--results-dir", str(results)]
    env = dict(os.environ, TMTRACK_SLEEP="0.02")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out_dir = results / tmtrack / "default" / "synthetic"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(out_dir.glob("*_score.txt"))) < 2:
        time.sleep(0.05)
    time.sleep(0.3)  # kill mid-sequence
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done = sorted(p for p in out_dir.glob("*.txt") if not p.name.endswith(("_time.txt", "_score.txt")))
    assert 2 <= len(done) < 8
    for box_file in done:  # every result present is whole: 60 lines and its two companion files
        assert len(box_file.read_text().splitlines()) == 60
        assert box_file.with_name(box_file.stem + "_time.txt").is_file()
    stems = {d.stem for d in done}
    before = {p.name: p.stat().st_mtime_ns for p in out_dir.glob("*.txt") 
              if p.name[:-4].removesuffix("_time").removesuffix("_score") in stems}
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done)} of 8 sequences already have results" in rerun.stderr
    after = {p.name: p.stat().st_mtime_ns for p in out_dir.glob("*.txt")}
    assert len(before) == 3 * len(done) and all(after[n] == t for n, t in before.items())  # not redone
    clean = evaluate(tmtrack, "default", SYN, tmp_path / "clean")
    assert _result_files(results / tmtrack / "default") == _result_files(clean.run_dir)


def test_changed_checkpoint_is_refused_or_gets_new_runid(tmtrack, tmp_path, capsys):
    ck_a = write_checkpoint(tmp_path / "a.pth", shift=0.0)
    ck_b = write_checkpoint(tmp_path / "b.pth", shift=2.0)
    base = ["tmtrack", "net", "--dataset", "synthetic", "--sequence", "0", "--results-dir", str(tmp_path / "r")]
    assert run_tracker.main(base + ["--checkpoint", str(ck_a)]) == 0
    first = (tmp_path / "r" / "tmtrack" / "net" / "synthetic" / "test-0000-plain.txt").read_text()
    capsys.readouterr()
    assert run_tracker.main(base + ["--checkpoint", str(ck_b)]) == 2
    err = capsys.readouterr().err
    assert "checkpoint_sha256" in err and "--runid auto" in err
    assert run_tracker.main(base + ["--checkpoint", str(ck_b), "--runid", "auto"]) == 0
    second = (tmp_path / "r" / "tmtrack" / "net_001" / "synthetic" / "test-0000-plain.txt").read_text()
    assert second != first  # the new network's results, not the old ones reused
    # the original run is still intact and reusable with its own checkpoint
    assert run_tracker.main(base + ["--checkpoint", str(ck_a)]) == 0
    assert (tmp_path / "r" / "tmtrack" / "net" / "synthetic" / "test-0000-plain.txt").read_text() == first
