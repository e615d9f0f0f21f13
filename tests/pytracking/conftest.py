"""Fixtures for the evaluation tests: the throwaway ``tmtrack`` plugin on DCTRACK_PLUGIN_PATH."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tmtrack_plugin import write_plugin  # noqa: E402


@pytest.fixture(scope="session")
def plugin_root(tmp_path_factory) -> Path:
    """A folder holding the ``tmtrack`` plugin (written once per session)."""
    return write_plugin(tmp_path_factory.mktemp("plugins"))


@pytest.fixture
def tmtrack(plugin_root, monkeypatch) -> str:
    """Put the ``tmtrack`` plugin on DCTRACK_PLUGIN_PATH; returns its name."""
    monkeypatch.setenv("DCTRACK_PLUGIN_PATH", str(plugin_root))
    return "tmtrack"
