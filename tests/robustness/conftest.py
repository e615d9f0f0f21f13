"""Fixtures of the robustness matrix: throwaway plugins, generated dataset folders, CLI runners, a visdom server.

The tests run with ``--import-mode=importlib``: shared helpers live in ``robustness_helpers`` (this folder is
put on ``sys.path``), and the evaluation tests' ``tmtrack`` plugin source is imported from ``tests/pytracking``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for extra in (HERE, HERE.parent / "pytracking"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import robustness_helpers as rh  # noqa: E402
from tmtrack_plugin import write_plugin  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    """Keep torch to one thread on 2-core machines (tests/conftest.py: one_torch_thread)."""


@pytest.fixture(scope="session")
def tmtrack_root(tmp_path_factory) -> Path:
    """A folder holding the parameter-free ``tmtrack`` test plugin (written once)."""
    return write_plugin(tmp_path_factory.mktemp("rb_plugins"))


@pytest.fixture
def tmtrack(tmtrack_root, monkeypatch) -> str:
    """Put ``tmtrack`` on DCTRACK_PLUGIN_PATH (also for subprocesses); returns its name."""
    monkeypatch.setenv("DCTRACK_PLUGIN_PATH", str(tmtrack_root))
    monkeypatch.delenv("TMTRACK_SLEEP", raising=False)
    return "tmtrack"


@pytest.fixture
def workspace() -> Path:
    """The (temporary) workspace folder the isolated settings point at."""
    return Path(os.environ["DCTRACK_WORKSPACE_DIR"])


@pytest.fixture
def results_root() -> Path:
    """The (temporary) results folder the isolated settings point at."""
    return Path(os.environ["DCTRACK_RESULTS_DIR"])


@pytest.fixture
def visdom_server(tmp_path):
    """A real visdom server on a free loopback port: yields ``(port, process)``; killed at the end."""
    proc, port = rh.start_visdom(tmp_path / "visdom_env")
    try:
        yield port, proc
    finally:
        rh.stop(proc)
