"""Fixtures of the data-pipeline tests (helpers live in ltr_data_helpers.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ltr_data_helpers import TOY_GEOMETRY, write_sequence  # noqa: E402


@pytest.fixture
def toy_geometry():
    return TOY_GEOMETRY


@pytest.fixture(scope="session")
def toy_jpeg_sequences(tmp_path_factory):
    """Three short JPEG sequences."""
    root = tmp_path_factory.mktemp("toyseq")
    return [write_sequence(root, f"seq{i}", 12, seed=i) for i in range(3)]
