"""NanoTrack v2 with the published weights, tracking as OpenCV 5.0's cv2.TrackerNano does (see TrackerParams)."""
from __future__ import annotations

from plugins.nanotrack.config import TrackerParams


def parameters() -> TrackerParams:
    """cv2.TrackerNano's values and rounding (window influence 0.455, penalty_k 0.055, lr 0.37)."""
    return TrackerParams()
