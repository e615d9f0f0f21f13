"""Checks behind ``python -m settings doctor``: writable folders, optional modules, and every check registered
under the ``dctrack.doctor`` entry point (the dataset roots: ``common.datasets.doctor``).

Each check is a ``Check`` row; ``ok`` is False only for a real problem (a configured root that is missing,
unreadable, empty or that its reader rejects; a workspace folder that cannot be written). This module imports
nothing of ours: the dataset checks live where the datasets live and are found through their entry point.
"""
from __future__ import annotations

import dataclasses
import importlib
import os
from importlib.metadata import entry_points
from pathlib import Path
from typing import Callable, Iterator

from settings.fields import Settings

OPTIONAL_MODULES = ("visdom", "jpeg4py")


@dataclasses.dataclass
class Check:
    """One row of the doctor's table."""

    name: str
    value: str
    status: str
    detail: str = ""
    ok: bool = True


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable(key: str, folder: Path) -> Check:
    """Check that ``folder`` is a writable folder, or can be created."""
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            return Check(key, str(folder), "not a folder", "a file is in the way", ok=False)
        if not os.access(folder, os.W_OK | os.X_OK):
            return Check(key, str(folder), "not writable", "no permission to write into it", ok=False)
        return Check(key, str(folder), "ok", "writable")
    parent = _nearest_existing(folder.parent)
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return Check(key, str(folder), "ok", f"will be created (in {parent})")
    return Check(key, str(folder), "not writable", f"cannot be created: {parent} is not writable", ok=False)


def check_module(name: str) -> Check:
    """Check that an optional module imports (jpeg4py: and that libturbojpeg loads); a warning, never a failure."""
    try:
        module = importlib.import_module(name)
        if name == "jpeg4py":
            import numpy as np

            module.JPEG(np.zeros(0, np.uint8))  # loads libturbojpeg
    except (ImportError, OSError, AttributeError) as exc:
        return Check(name, "-", "not available", f"{type(exc).__name__}: {exc}")
    version = getattr(module, "__version__", "")
    return Check(name, "-", "ok", f"importable {version}".strip())


CHECKS_GROUP = "dctrack.doctor"


def registered_checks() -> list[Callable[[Settings], Iterator["Check"]]]:
    """The check providers registered under the ``dctrack.doctor`` entry point, by name."""
    return [ep.load() for ep in sorted(entry_points(group=CHECKS_GROUP), key=lambda ep: ep.name)]


def run_checks(settings: Settings) -> Iterator[Check]:
    """All checks in table order (yielded one by one, since a large dataset takes a while to read)."""
    for key in ("workspace_dir", "results_dir", "pretrained_dir"):
        yield check_writable(key, getattr(settings, key))
    providers = registered_checks()
    if not providers:
        yield Check("datasets", "-", "not checked",
                    f"no '{CHECKS_GROUP}' entry point found: install the project (pip install -e .)")
    for provider in providers:
        yield from provider(settings)
    for module in OPTIONAL_MODULES:
        yield check_module(module)
