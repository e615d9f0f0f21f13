"""Shared test fixtures: the shared real data folder, and settings isolated from the user's own."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("DCTRACK_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """Point settings at an empty local file and temporary workspace/results folders."""
    base = tmp_path_factory.mktemp("dctrack")
    monkeypatch.setenv("DCTRACK_SETTINGS_FILE", str(base / "local.toml"))
    monkeypatch.setenv("DCTRACK_WORKSPACE_DIR", str(base / "workspace"))
    monkeypatch.setenv("DCTRACK_RESULTS_DIR", str(base / "results"))
    for key in list(os.environ):
        if key.startswith("DCTRACK_") and key.endswith("_DIR") and key not in ("DCTRACK_WORKSPACE_DIR", "DCTRACK_RESULTS_DIR"):
            monkeypatch.delenv(key)
    yield base


@pytest.fixture
def shared_data() -> Path:
    """The real data folder ``../shared/data``; the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture
def one_torch_thread():
    """torch.set_num_threads(1) for the test, restored afterwards (small ops on a loaded 2-core machine run
    faster that way). Folders opt in with an autouse fixture that requests it."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
