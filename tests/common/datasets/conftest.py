"""Fixtures for the dataset reader tests: tiny generated JPEG frames in real on-disk layouts."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np
import pytest


def _write_frames(folder: Path, names: Iterable[str], size: tuple = (32, 24)) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for name in names:
        path = folder / name
        img = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        assert cv2.imwrite(str(path), img)
        paths.append(path)
    return paths


@pytest.fixture
def write_frames() -> Callable[..., list[Path]]:
    """``write_frames(folder, names, size=(w, h))`` writes tiny random JPEG/PNG files."""
    return _write_frames


@pytest.fixture
def link() -> Callable[[Path, Path], Path]:
    """``link(src, dst)`` symlinks a read-only shared file/folder into a temporary layout."""

    def make(src: Path, dst: Path) -> Path:
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.symlink_to(src, target_is_directory=src.is_dir())
        return dst

    return make
