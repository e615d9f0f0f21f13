"""The video writer picks a codec browsers play when OpenCV can write one (H.264, else VP9/VP8) and says which."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from pytracking import run_video
from pytracking.video_writer import CODECS, AtomicVideoWriter


def _frames(n: int = 6) -> list:
    out = []
    for i in range(n):
        img = np.zeros((48, 64, 3), np.uint8)
        img[8:24, 4 + 6 * i:20 + 6 * i] = (255, 40, 40)
        out.append(img)
    return out


def _read_back(path) -> tuple[int, str]:
    cap = cv2.VideoCapture(str(path))
    fourcc = int(cap.get(cv2.CAP_PROP_FOURCC)).to_bytes(4, "little").decode("ascii", "replace").lower()
    count = 0
    while cap.read()[0]:
        count += 1
    cap.release()
    return count, fourcc


def _can_write(suffix: str, fourcc: str, tmp_path) -> bool:
    probe = cv2.VideoWriter(str(tmp_path / f"probe{suffix}"), cv2.VideoWriter_fourcc(*fourcc), 25, (64, 48))
    ok = probe.isOpened()
    probe.release()
    return ok


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_first_writable_codec_is_used_and_named(suffix, tmp_path):
    expected = next((c for c in CODECS[suffix] if _can_write(suffix, c[0], tmp_path)), None)
    if expected is None:
        pytest.skip(f"this OpenCV writes no {suffix} codec")
    writer = AtomicVideoWriter(tmp_path / f"out{suffix}", fps=10)
    for frame in _frames():
        writer.write(frame)
    writer.close()
    assert (writer.fourcc, writer.codec) == expected
    count, fourcc = _read_back(tmp_path / f"out{suffix}")
    assert count == 6 and fourcc[:2] == expected[0].lower()[:2]  # avc1 / vp09 / vp90 / vp80 in the file
    assert writer.browser_playable == (expected[0] != "mp4v")
    assert writer.describe().startswith(f"{expected[1]} in {suffix}")


def test_run_video_says_which_codec(tmtrack, shared_data, tmp_path, capsys):
    frames = shared_data / "videos" / "bag.avi"
    out = tmp_path / "bag.mp4"
    code = run_video.main([tmtrack, "default", str(frames), "--box", "291.2,127.4,146.0,132.5", "--save-video",
                           str(out), "--max-frames", "5"])
    assert code == 0 and _read_back(out)[0] == 5
    printed = capsys.readouterr().out
    assert f"video with boxes: {out}: " in printed and " in .mp4 (" in printed


def test_unknown_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"out\.gif: video format must be one of \.mp4, \.webm, \.mkv, \.avi"):
        AtomicVideoWriter(tmp_path / "out.gif")
