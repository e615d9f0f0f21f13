"""Bad frames: a corrupt, truncated, empty or missing image is a clear error naming the file; a PNG,
grayscale or 16-bit frame where a JPEG was expected reads fine as RGB."""
from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

import robustness_helpers as rh
from common.datasets import load_dataset
from common.image_io import ImageReadError, read_image


@pytest.fixture
def good_jpeg() -> bytes:
    return rh.encode(rh.frame_image(0))


def test_corrupt_jpeg_is_a_clear_error_naming_the_file(tmp_path, good_jpeg):
    """Corrupt JPEG (garbage headers, markers intact): ImageReadError naming the path and 'corrupt'."""
    path = tmp_path / "0001.jpg"
    path.write_bytes(rh.corrupt_jpeg(good_jpeg))
    with pytest.raises(ImageReadError, match=re.escape(str(path))) as info:
        read_image(path)
    assert "corrupt" in str(info.value) or "cannot decode" in str(info.value)


def test_truncated_jpeg_is_a_clear_error_naming_the_file(tmp_path, good_jpeg):
    """Truncated JPEG (half the file): ImageReadError naming the path and saying 'truncated'."""
    path = tmp_path / "0001.jpg"
    path.write_bytes(rh.truncated_jpeg(good_jpeg))
    with pytest.raises(ImageReadError, match=re.escape(str(path)) + ".*truncated"):
        read_image(path)


def test_zero_byte_image_is_a_clear_error_naming_the_file(tmp_path):
    """Zero-byte image: ImageReadError naming the path and saying 'empty'."""
    path = tmp_path / "0001.jpg"
    path.write_bytes(b"")
    with pytest.raises(ImageReadError, match=re.escape(str(path)) + ".*empty"):
        read_image(path)


def test_missing_frame_is_a_clear_error_naming_the_file(tmp_path):
    """Missing frame: ImageReadError naming the path ('no such image file'), also through Sequence.frame."""
    folder = rh.make_sequence_folder(tmp_path / "root", "seq", frames=4)
    seq = load_dataset("generic", root=tmp_path / "root")[0]
    gone = folder / "img" / "0004.jpg"
    gone.unlink()
    with pytest.raises(ImageReadError, match=re.escape(str(gone)) + ".*no such image"):
        seq.frame(3)


def test_frame_missing_in_the_middle_keeps_boxes_aligned(tmp_path, caplog):
    """Missing frame in the middle of a sequence: later boxes stay with their frames (no silent shift);
    reading the missing frame fails naming it and the reader warns at load time."""
    folder = rh.make_sequence_folder(tmp_path / "root", "seq", frames=6)
    (folder / "img" / "0003.jpg").unlink()
    seq = load_dataset("generic", root=tmp_path / "root")[0]
    assert len(seq) == 6 and len(seq.ground_truth) == 6
    assert seq.frame_path(3).endswith("0004.jpg")  # frame 4 keeps box 4
    np.testing.assert_allclose(seq.ground_truth[3], [20 + 2 * 3, 20 + 3, 24, 20])
    with pytest.raises(ImageReadError, match="0003.jpg"):
        seq.frame(2)
    assert "0003.jpg" in caplog.text


@pytest.mark.parametrize("kind", ["png", "gray", "gray16", "rgb16"])
def test_png_grayscale_or_16bit_frame_where_jpeg_expected_reads_as_rgb(tmp_path, kind):
    """PNG, grayscale or 16-bit frame stored as ``.jpg``: read as RGB uint8 HxWx3 with the right content."""
    rgb = rh.frame_image(1)
    if kind == "png":
        data, expected = rh.encode(rgb, ".png"), rgb
    elif kind == "gray":
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        data, expected = rh.encode(gray, ".png"), np.dstack([gray] * 3)
    elif kind == "gray16":
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        data, expected = rh.encode(gray.astype(np.uint16) * 257, ".png"), np.dstack([gray] * 3)
    else:
        data, expected = rh.encode(rgb.astype(np.uint16) * 257, ".png"), rgb
    path = tmp_path / "0001.jpg"
    path.write_bytes(data)
    img = read_image(path)
    assert img.dtype == np.uint8 and img.shape == rgb.shape
    np.testing.assert_array_equal(img, expected)


def test_verify_reports_each_bad_frame_by_sequence_and_file(tmp_path, good_jpeg):
    """``python -m ltr.data verify generic``: corrupt / truncated / empty / missing frames are ERROR rows
    naming the frame file, exit code 1; PNG, grayscale and 16-bit frames pass."""
    root = tmp_path / "root"
    bad = {"corrupt": rh.corrupt_jpeg(good_jpeg), "truncated": rh.truncated_jpeg(good_jpeg), "empty": b""}
    for name, data in bad.items():
        folder = rh.make_sequence_folder(root, name, frames=3)
        (folder / "img" / "0002.jpg").write_bytes(data)
    missing = rh.make_sequence_folder(root, "missing", frames=3)
    (missing / "img" / "0002.jpg").unlink()
    odd = rh.make_sequence_folder(root, "odd_formats", frames=3)
    gray = cv2.cvtColor(rh.frame_image(1), cv2.COLOR_RGB2GRAY)
    (odd / "img" / "0001.jpg").write_bytes(rh.encode(rh.frame_image(0), ".png"))
    (odd / "img" / "0002.jpg").write_bytes(rh.encode(gray, ".png"))
    (odd / "img" / "0003.jpg").write_bytes(rh.encode(gray.astype(np.uint16) * 257, ".png"))
    proc = rh.run_module("ltr.data", ["verify", "generic", "--root", root, "--full"])
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    rh.assert_clean_error(out)
    for name in ("corrupt", "truncated", "empty", "missing"):
        assert re.search(rf"ERROR {name}: frame 1: .*{name}/img/0002\.jpg", out), out
    assert re.search(r"^odd_formats\s.*\bok\s*$", out, re.MULTILINE), out
    assert "5 sequences, 4 with errors" in out
