"""Model tests run torch single-threaded (small ops on a loaded 2-core machine are much faster that way)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread_torch():
    """torch.set_num_threads(1) for the test, restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
