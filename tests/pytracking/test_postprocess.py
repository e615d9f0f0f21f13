"""pytracking.postprocess: cosine window, change penalty, windowed score."""
from __future__ import annotations

import cv2
import numpy as np

from pytracking.postprocess import change, change_penalty, cosine_window, padded_size, windowed_score


def test_cosine_window_and_its_square_root_match_numpy_and_opencv():
    w = np.hanning(16)
    assert np.allclose(cosine_window(16), np.outer(w, w).ravel())
    assert np.allclose(cosine_window(16, sqrt=True), cv2.createHanningWindow((16, 16), cv2.CV_32F).ravel(), atol=1e-6)
    assert cosine_window(1).tolist() == [1.0]


def test_penalty_is_one_for_an_unchanged_box_and_smaller_otherwise():
    w, h = np.array([30.0, 60.0, 30.0]), np.array([20.0, 40.0, 40.0])
    p = change_penalty(w, h, 30.0, 20.0, penalty_k=0.1)
    assert p[0] == 1.0 and p[1] < 1.0 and p[2] < 1.0
    assert np.allclose(change(np.array([2.0, 0.5])), [2.0, 2.0])
    assert padded_size(10.0, 10.0) == 20.0
    # a given reference padded size replaces the reference box's in the scale change
    assert change_penalty(np.array([30.0]), np.array([20.0]), 30.0, 20.0, 0.1, ref_padded_size=2 * padded_size(30, 20))[0] < 1


def test_windowed_score_mixes_score_and_window():
    score, window = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert np.allclose(windowed_score(score, np.ones(2), window, 0.25), [0.75, 0.25])
