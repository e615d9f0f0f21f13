"""Model tests run torch single-threaded (small ops on a loaded 2-core machine are much faster that way)."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def single_thread_torch(one_torch_thread):
    """Every model test runs with one torch thread (tests/conftest.py: one_torch_thread)."""
