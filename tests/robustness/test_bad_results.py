"""Bad result files: too few lines or a malformed line. ``pytracking/analyze.py`` exits 2 with a message
naming the file (and what is wrong), or completes them only when asked (``--missing repeat``)."""
from __future__ import annotations

import re

import pytest

import robustness_helpers as rh
from pytracking.evaluation.results import read_boxes
from pytracking.evaluation.runner import DatasetRef, evaluate

ANALYZE = rh.REPO / "pytracking" / "analyze.py"
VICTIM = "test-0001-distractor"


@pytest.fixture
def results(tmtrack, results_root):
    """tmtrack results on the synthetic test split (in the settings' results folder)."""
    report = evaluate(tmtrack, "default", [DatasetRef("synthetic", "test")], results_root)
    assert not report.failures
    return report.run_dir / "synthetic"


def _analyze(*extra):
    return rh.run_script(ANALYZE, ["--dataset", "synthetic", "--split", "test", "--trackers", "tmtrack/default",
                                   "--no-plots", "--no-cache", "--no-sequences", *extra], timeout=120)


def test_result_file_with_too_few_lines_is_a_clear_error_in_analyze(results):
    """A result file with 59 of 60 lines: analyze.py exits 2 naming the file and both counts, no traceback;
    with ``--missing repeat`` it completes the file and succeeds."""
    path = results / f"{VICTIM}.txt"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:59]))
    proc = _analyze()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    rh.assert_clean_error(proc.stderr, VICTIM)
    assert re.search(r"59\b.*60\b|60\b.*59\b", proc.stderr), proc.stderr
    repeat = _analyze("--missing", "repeat")
    assert repeat.returncode == 0, repeat.stderr[-3000:]


def test_malformed_result_line_names_file_and_line(results):
    """A result line with 3 values or a word: read_boxes raises naming file:line; analyze.py exits 2 naming it."""
    path = results / f"{VICTIM}.txt"
    lines = path.read_text().splitlines(keepends=True)
    lines[6] = "1.0,2.0,oops,4.0\n"
    path.write_text("".join(lines))
    with pytest.raises(ValueError, match=re.escape(f"{path}:7")):
        read_boxes(path)
    proc = _analyze()
    assert proc.returncode == 2
    rh.assert_clean_error(proc.stderr, f"{VICTIM}.txt")
