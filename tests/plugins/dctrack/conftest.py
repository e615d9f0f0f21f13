"""Fixtures of the dctrack plugin tests (helpers live in dctrack_fakes.py, put on sys.path here)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _few_threads(one_torch_thread):
    """Keep the tests light on the shared 2-core machine (tests/conftest.py: one_torch_thread)."""


@pytest.fixture(autouse=True)
def _shared_sequence_roots(isolated_settings, monkeypatch):
    """Point the benchmark dataset roots at the shared real sequences when present (settings such as
    ``real_cpu`` refuse to build without them); otherwise leave them unset."""
    repo = Path(__file__).resolve().parents[3]
    shared = Path(os.environ.get("DCTRACK_SHARED_DATA", repo.parent / "shared" / "data")).resolve()
    sequences = shared / "sequences"
    for name in ("otb", "dsst", "vot", "uav123"):
        if (sequences / name).is_dir():
            monkeypatch.setenv(f"DCTRACK_{name.upper()}_DIR", str(sequences / name))
