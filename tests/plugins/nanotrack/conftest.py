"""Fixtures of the nanotrack plugin tests."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _few_threads(one_torch_thread):
    """Keep the tests light on the shared 2-core machine (tests/conftest.py: one_torch_thread)."""


@pytest.fixture
def published_weights(shared_data):
    """The published nanotrackv2.pth (skips when the shared data or the file is absent)."""
    path = shared_data / "weights" / "nanotrack" / "nanotrackv2.pth"
    if not path.is_file():
        pytest.skip(f"published NanoTrack weights {path} are absent")
    return path
