"""common.annotations: delimiters, NaN rows, polygons, VOT RLE masks, 1-based origins, flag files, errors."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from common.annotations import (AnnotationError, load_boxes, load_flags, load_frame_range, mask_to_xywh,
                                rle_to_mask)


def write(tmp_path, text, name="gt.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("text", ["1,2,3,4\n5,6,7,8\n", "1\t2\t3\t4\n5\t6\t7\t8", "1 2  3 4\n5 6 7 8\n",
                                  "1, 2\t3 4\n5;6,7 ,8\n", "1,2,3,4,\n\n5,6,7,8\n"])
def test_delimiters_and_one_based(tmp_path, text):
    boxes = load_boxes(write(tmp_path, text), one_based=True)
    np.testing.assert_array_equal(boxes, [[0, 1, 3, 4], [4, 5, 7, 8]])
    assert boxes.dtype == np.float64
    np.testing.assert_array_equal(load_boxes(write(tmp_path, text), one_based=False)[0], [1, 2, 3, 4])


def test_nan_rows_are_kept(tmp_path):
    boxes = load_boxes(write(tmp_path, "1,2,3,4\nNaN,NaN,NaN,NaN\nnan\n2,3,4,5\n"), one_based=True)
    assert boxes.shape == (4, 4)
    assert np.isnan(boxes[1]).all() and np.isnan(boxes[2]).all()
    np.testing.assert_array_equal(boxes[3], [1, 2, 4, 5])


def test_polygon_to_box(tmp_path):
    boxes = load_boxes(write(tmp_path, "10,20,30,20,30,50,10,50\n11,21,31,22,30,50,10,49\n"), one_based=False)
    np.testing.assert_allclose(boxes[0], [10, 20, 20, 30])
    np.testing.assert_allclose(boxes[1], [10, 21, 21, 29])
    shifted = load_boxes(write(tmp_path, "10,20,30,20,30,50,10,50\n"), one_based=True)
    np.testing.assert_allclose(shifted[0], [9, 19, 20, 30])


def test_rle_mask_lines(tmp_path):
    # 4x2 patch at (10, 20): runs 2 bg, 3 fg, 1 bg, 2 fg -> rows [0,0,1,1], [1,0,1,1]
    np.testing.assert_array_equal(rle_to_mask([2, 3, 1, 2], 4, 2).astype(int), [[0, 0, 1, 1], [1, 0, 1, 1]])
    text = "m10,20,4,2,2,3,1,2\nm0,0,5,5,25\nm3,4,3,3,4,1\n"
    boxes = load_boxes(write(tmp_path, text), one_based=True)  # masks are pixel indices: never shifted
    np.testing.assert_array_equal(boxes[0], [10, 20, 4, 2])
    assert np.isnan(boxes[1]).all()  # empty mask -> absent
    np.testing.assert_array_equal(boxes[2], [4, 5, 1, 1])  # single pixel at patch (1, 1)


def test_mask_to_xywh_empty():
    assert np.isnan(mask_to_xywh(np.zeros((3, 3), bool))).all()


@pytest.mark.parametrize("text, line, fragment", [
    ("1,2,3,4\n1,2,x,4\n", 2, "'x' is not a number"),
    ("1,2,3,4\n\n1,2,3\n", 3, "got 3"),
    ("1,2,3,4,5\n", 1, "got 5"),
    ("m1,2,2,2,9\n", 1, "run lengths cover 9"),
])
def test_errors_name_file_and_line(tmp_path, text, line, fragment):
    path = write(tmp_path, text)
    with pytest.raises(AnnotationError) as info:
        load_boxes(path, one_based=True)
    assert f"{path}:{line}:" in str(info.value) and fragment in str(info.value)


def test_empty_and_missing_files(tmp_path):
    path = write(tmp_path, "\n \n")
    with pytest.raises(AnnotationError, match="empty annotation file"):
        load_boxes(path, one_based=False)
    assert load_boxes(path, one_based=False, allow_empty=True).shape == (0, 4)
    with pytest.raises(AnnotationError, match="no such annotation file"):
        load_boxes(tmp_path / "absent.txt", one_based=False)
    assert issubclass(AnnotationError, ValueError)


def test_max_rows_reads_first_box_only(tmp_path):
    path = write(tmp_path, "1,2,3,4\nnot,a,box\n")
    np.testing.assert_array_equal(load_boxes(path, one_based=False, max_rows=1), [[1, 2, 3, 4]])


def test_flag_files(tmp_path):
    np.testing.assert_array_equal(load_flags(write(tmp_path, "0\n1\n1\n0\n", "absence.label")), [0, 1, 1, 0])
    np.testing.assert_array_equal(load_flags(write(tmp_path, "0,0,1,1,0", "out_of_view.txt"), count=5), [0, 0, 1, 1, 0])
    with pytest.raises(AnnotationError, match="expected 4 flags"):
        load_flags(write(tmp_path, "0,1,0"), count=4)
    path = write(tmp_path, "0\n1\nyes\n")
    with pytest.raises(AnnotationError, match=rf"{path}:3: flag 'yes'"):
        load_flags(path)


def test_frame_range(tmp_path):
    assert load_frame_range(write(tmp_path, "1,1350\n")) == (1, 1350)
    with pytest.raises(AnnotationError, match="start,end"):
        load_frame_range(write(tmp_path, "5,2\n"))


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(*[st.floats(-1e4, 1e4, allow_nan=False)] * 4), min_size=1, max_size=20),
       st.sampled_from([",", "\t", " ", " , "]))
def test_round_trip_any_delimiter(tmp_path_factory, rows, delim):
    path = tmp_path_factory.mktemp("rt") / "gt.txt"
    path.write_text("\n".join(delim.join(repr(v) for v in row) for row in rows) + "\n")
    np.testing.assert_array_equal(load_boxes(path, one_based=False), np.asarray(rows, dtype=np.float64))
