"""Bad annotations: NaN, degenerate, outside or miscounted boxes, a wrong delimiter, an empty sequence.
Each is either read with a documented meaning (NaN = absent) and flagged by ``verify``, or a clear error
naming the file and the line."""
from __future__ import annotations

import re

import numpy as np
import pytest

import robustness_helpers as rh
from common.annotations import AnnotationError, load_boxes
from common.datasets import DatasetError, load_dataset


def _gt(tmp_path, text: str):
    path = tmp_path / "groundtruth_rect.txt"
    path.write_text(text)
    return path


def test_nan_rows_mean_absent_target(tmp_path):
    """NaN annotation rows (one or four NaN values): the row is NaN and the frame is not visible."""
    root = tmp_path / "root"
    rh.make_sequence_folder(root, "seq", frames=4, lines=["21,21,24,20", "NaN,NaN,NaN,NaN", "nan", "27,24,24,20"])
    seq = load_dataset("generic", root=root)[0]
    assert seq.visible.tolist() == [True, False, False, True]
    assert np.isnan(seq.ground_truth[1:3]).all()
    np.testing.assert_allclose(seq.ground_truth[3], [26, 23, 24, 20])


def test_non_numeric_value_names_file_line_and_token(tmp_path):
    """A non-number in a box line: AnnotationError naming file:line and the token."""
    path = _gt(tmp_path, "1,2,3,4\n5,6,seven,8\n")
    with pytest.raises(AnnotationError, match=re.escape(f"{path}:2") + ".*'seven'"):
        load_boxes(path, one_based=True)


@pytest.mark.parametrize("line", ["10|20|30|40", "10/20/30/40", "10:20:30:40"])
def test_wrong_delimiter_names_file_and_line(tmp_path, line):
    """A wrong delimiter (|, /, :): AnnotationError naming file:line (never a silently wrong box)."""
    path = _gt(tmp_path, f"1,2,3,4\n{line}\n")
    with pytest.raises(AnnotationError, match=re.escape(f"{path}:2")):
        load_boxes(path, one_based=True)


def test_accepted_delimiters_give_the_same_boxes(tmp_path):
    """Commas, tabs, spaces, semicolons and mixtures are all accepted and give identical boxes."""
    expected = np.array([[0, 1, 3, 4], [4, 5, 7, 8]], dtype=float)
    for i, text in enumerate(["1,2,3,4\n5,6,7,8\n", "1\t2\t3\t4\n5\t6\t7\t8\n", "1 2 3 4\n5 6 7 8\n",
                              "1;2;3;4\n5;6;7;8\n", "1, 2\t3 4\n5;6 ,7,8\n"]):
        path = tmp_path / f"gt{i}.txt"
        path.write_text(text)
        np.testing.assert_array_equal(load_boxes(path, one_based=True), expected)


def test_wrong_number_of_values_names_file_and_line(tmp_path):
    """3 or 5 values on a line: AnnotationError naming file:line and how many values it got."""
    path = _gt(tmp_path, "1,2,3,4\n1,2,3\n")
    with pytest.raises(AnnotationError, match=re.escape(f"{path}:2") + ".*got 3"):
        load_boxes(path, one_based=True)


def test_empty_annotation_file_is_a_clear_error(tmp_path):
    """Empty sequence annotation (an empty or blank ground-truth file): AnnotationError naming the file."""
    for text in ("", "\n\n  \n"):
        path = _gt(tmp_path, text)
        with pytest.raises(AnnotationError, match=re.escape(str(path)) + ".*empty"):
            load_boxes(path, one_based=True)


def test_empty_sequence_folder_is_a_clear_error(tmp_path):
    """An OTB sequence folder without frames, or a generic root without sequences: DatasetError naming it."""
    root = tmp_path / "otb"
    folder = rh.make_sequence_folder(root, "Empty", frames=0, lines=["1,2,3,4"])
    with pytest.raises(DatasetError, match=re.escape(str(folder / "img"))):
        load_dataset("otb", root=root)
    with pytest.raises(DatasetError, match=re.escape(str(root))):
        load_dataset("generic", root=root)


def test_more_boxes_than_frames_warns_naming_the_file(tmp_path, caplog):
    """More boxes than frames: the sequence keeps the frames it has and a warning names the ground-truth file."""
    root = tmp_path / "root"
    folder = rh.make_sequence_folder(root, "seq", frames=3, lines=rh.box_lines(5))
    seq = load_dataset("generic", root=root)[0]
    assert len(seq) == 3 and len(seq.ground_truth) == 3
    assert str(folder / "groundtruth_rect.txt") in caplog.text and "5 boxes but only 3 frames" in caplog.text


def test_fewer_boxes_than_frames_evaluates_the_annotated_frames(tmp_path):
    """Fewer boxes than frames (OTB's Football1): the extra frames are dropped, boxes stay aligned."""
    root = tmp_path / "otb"
    rh.make_sequence_folder(root, "Seq", frames=6, lines=rh.box_lines(4))
    seq = load_dataset("otb", root=root)[0]
    assert len(seq) == 4 and seq.frame_path(3).endswith("0004.jpg")
    np.testing.assert_allclose(seq.ground_truth[3], [26, 23, 24, 20])


def test_verify_flags_degenerate_outside_and_miscounted_boxes(tmp_path):
    """``python -m ltr.data verify``: zero/negative width and wholly-outside boxes are warnings naming the
    first bad frame; more boxes than frames is a warning naming the ground-truth file; NaN rows pass."""
    root = tmp_path / "root"
    good = rh.box_lines(4)
    rh.make_sequence_folder(root, "nan_rows", frames=4, lines=[good[0], "NaN,NaN,NaN,NaN", good[2], good[3]])
    rh.make_sequence_folder(root, "zero_width", frames=4, lines=[good[0], "21,21,0,20", good[2], good[3]])
    rh.make_sequence_folder(root, "negative_width", frames=4, lines=[good[0], good[1], "21,21,-5,20", good[3]])
    rh.make_sequence_folder(root, "outside", frames=4, lines=[good[0], good[1], good[2], "500,400,24,20"])
    rh.make_sequence_folder(root, "more_boxes", frames=3, lines=rh.box_lines(5))
    proc = rh.run_module("ltr.data", ["verify", "generic", "--root", root])
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert re.search(r"warning zero_width: 1 degenerate boxes \(first at frame 1", out), out
    assert re.search(r"warning negative_width: 1 degenerate boxes \(first at frame 2", out), out
    assert re.search(r"warning outside: 1 boxes entirely outside the 96x72 image", out), out
    assert re.search(r"more_boxes/groundtruth_rect\.txt: 5 boxes but only 3 frames", out), out
    assert re.search(r"^nan_rows\s.*\bok\s*$", out, re.MULTILINE), out


@pytest.mark.parametrize("case", ["wrong_delimiter", "empty_gt"])
def test_verify_on_a_malformed_annotation_is_a_clear_error(tmp_path, case):
    """``verify`` on a folder with a wrong-delimiter or an empty ground-truth file: exit code != 0 and a
    one-line error naming the file (and line), not a traceback."""
    root = tmp_path / "root"
    lines = ["21|21|24|20"] * 3 if case == "wrong_delimiter" else []
    folder = rh.make_sequence_folder(root, case, frames=3, lines=lines)
    proc = rh.run_module("ltr.data", ["verify", "generic", "--root", root])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    where = f"{folder / 'groundtruth_rect.txt'}:1"
    rh.assert_clean_error(out, where)
