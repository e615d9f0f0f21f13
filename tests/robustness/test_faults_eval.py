"""Evaluation faults: SIGKILL mid-run, a full disk while writing results, the visdom server dying. No partial
result file is ever left, a re-run completes only the missing sequences, and tracking goes on without visdom."""
from __future__ import annotations

import errno
import os
import re
import signal
from pathlib import Path

import robustness_helpers as rh
from pytracking import run_tracker

FRAMES = 60  # synthetic test split: 8 sequences of 60 frames


def _box_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.txt") if not p.name.endswith(("_time.txt", "_score.txt")))


def _assert_whole(folder: Path) -> None:
    """Every result present is complete: 60 box lines, and its time and score files beside it."""
    for box_file in _box_files(folder):
        assert len(box_file.read_text().splitlines()) == FRAMES, box_file
        for suffix in ("_time.txt", "_score.txt"):
            companion = box_file.with_name(box_file.stem + suffix)
            assert len(companion.read_text().splitlines()) == FRAMES, companion
    stray = [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert not stray or all(p.startswith(".") for p in stray)


def test_sigkill_during_evaluation_leaves_no_partial_result_and_rerun_completes_the_rest(tmtrack, tmp_path):
    """SIGKILL while run_tracker writes results: only whole sequences exist; the re-run reports how many
    were done, leaves them untouched and writes exactly the missing ones."""
    results = tmp_path / "results"
    args = [tmtrack, "--dataset", "synthetic", "--results-dir", results]
    out_dir = results / tmtrack / "default" / "synthetic"
    proc = rh.start_script(rh.TRACK_SCRIPT, args, TMTRACK_SLEEP="0.01")
    try:
        assert rh.wait_for(lambda: len(_box_files(out_dir)) >= 1 or proc.poll() is not None, timeout=90)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        rh.stop(proc)
    assert proc.returncode == -signal.SIGKILL
    done = _box_files(out_dir)
    assert 1 <= len(done) < 8, "the run finished before it was killed"
    _assert_whole(out_dir)
    before = {p.name: p.stat().st_mtime_ns for p in out_dir.iterdir()}
    rerun = rh.run_script(rh.TRACK_SCRIPT, args, timeout=120)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"{len(done)} of 8 sequences already have results" in rerun.stderr
    after = {p.name: p.stat().st_mtime_ns for p in out_dir.iterdir()}
    assert all(after[name] == stamp for name, stamp in before.items() if name.endswith(".txt"))
    assert len(_box_files(out_dir)) == 8
    _assert_whole(out_dir)


def test_full_disk_while_writing_a_result_fails_that_sequence_clearly(tmtrack, tmp_path, monkeypatch, capsys):
    """ENOSPC while writing one sequence's result: run_tracker exits 1 naming the sequence and the file with
    'No space left on device'; it has no box file and nothing half-written, the others are whole, and a
    re-run completes it."""
    results = tmp_path / "results"
    victim = "test-0002-occlusion"
    real_fsync = os.fsync

    def fsync(fd):
        if f"{victim}_score.txt" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    argv = [tmtrack, "--dataset", "synthetic", "--results-dir", str(results)]
    monkeypatch.setattr(os, "fsync", fsync)
    assert run_tracker.main(argv) == 1
    out = capsys.readouterr().out
    assert re.search(rf"synthetic/{victim}\n.*No space left on device: '[^']*{victim}_score\.txt'", out, re.S), out
    out_dir = results / tmtrack / "default" / "synthetic"
    assert not (out_dir / f"{victim}.txt").exists() and len(_box_files(out_dir)) == 7  # not counted as done
    assert all(len(p.read_text().splitlines()) == FRAMES for p in out_dir.glob(f"{victim}*"))  # none half-written
    _assert_whole(out_dir)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert run_tracker.main(argv) == 0
    assert len(_box_files(out_dir)) == 8
    _assert_whole(out_dir)


def test_visdom_server_killed_mid_tracking_tracking_goes_on(tmtrack, visdom_server, tmp_path):
    """run_tracker --debug 1 against a real visdom server that is SIGKILLed after the first sequence:
    every sequence is tracked (exit 0) and one warning says the server was lost."""
    port, server = visdom_server
    results = tmp_path / "results"
    out_dir = results / "_debug" / tmtrack / "default" / "synthetic"  # a debug run writes to the scratch run
    log_file = tmp_path / "track.log"
    proc = rh.start_script(rh.TRACK_SCRIPT, [tmtrack, "--dataset", "synthetic", "--debug", "1", "--results-dir",
                                             results], log_file=log_file, DCTRACK_VISDOM_PORT=port)
    try:
        assert rh.wait_for(lambda: len(_box_files(out_dir)) >= 1 or proc.poll() is not None, timeout=90)
        rh.stop(server)
        proc.wait(timeout=120)
    finally:
        rh.stop(proc)
    out = log_file.read_text()
    assert proc.returncode == 0, out[-3000:]
    assert len(_box_files(out_dir)) == 8
    assert len(re.findall(r"visdom debug output disabled", out)) == 1 and "lost the visdom server" in out, out[-3000:]
