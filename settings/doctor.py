"""Checks behind ``python -m settings doctor``: dataset roots, writable folders, optional modules.

Each check is a ``Check`` row; ``ok`` is False only for a real problem (a configured root that is missing,
unreadable, empty or that its reader rejects; a workspace folder that cannot be written). The dataset
readers are reached through ``common.datasets.load_dataset`` (imported when the checks run).
"""
from __future__ import annotations

import dataclasses
import importlib
import logging
import os
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

from settings.fields import Settings

log = logging.getLogger(__name__)

SplitChoice = Union[None, str, Callable[[Path], str]]


def _got10k_split(root: Path) -> str:
    """GOT-10k's validation split when the root holds one, else its training split."""
    return "val" if (root / "val").is_dir() else "train"


# settings key -> (dataset name, split: None for the reader's default, a name, or a function of the root)
DATASET_CHECKS: dict[str, tuple[str, SplitChoice]] = {
    "got10k_dir": ("got10k", _got10k_split),
    "got10k_test_dir": ("got10k", "test"),
    "lasot_dir": ("lasot", "test"),
    "trackingnet_dir": ("trackingnet", "train"),
    "trackingnet_test_dir": ("trackingnet", "test"),
    "coco_dir": ("coco", None),
    "imagenet_vid_dir": ("imagenet_vid", None),
    "otb_dir": ("otb", None),
    "uav123_dir": ("uav123", None),
    "nfs_dir": ("nfs", None),
    "vot_dir": ("vot", None),
    "dsst_dir": ("dsst", None),
    "generic_dir": ("generic", None),
    "unlabeled_dir": ("unlabeled", None),
}

OPTIONAL_MODULES = ("visdom", "jpeg4py")


@dataclasses.dataclass
class Check:
    """One row of the doctor's table."""

    name: str
    value: str
    status: str
    detail: str = ""
    ok: bool = True


def _reader_available(name: str) -> bool:
    from common.datasets import available_datasets

    return name in available_datasets()


def check_dataset_root(key: str, root: Optional[Path]) -> Check:
    """Check one dataset root: set, exists, readable, and read by its reader with at least one sequence."""
    name, split = DATASET_CHECKS[key]
    if root is None:
        return Check(key, "-", "not set")
    root = Path(root)
    if not root.exists():
        return Check(key, str(root), "missing", "the folder does not exist", ok=False)
    if not os.access(root, os.R_OK) or (root.is_dir() and not os.access(root, os.X_OK)):
        return Check(key, str(root), "unreadable", "no permission to read it", ok=False)
    if not _reader_available(name):
        return Check(key, str(root), "reader not available", f"no reader registered for '{name}' yet")
    split_name = split(root) if callable(split) else split
    from common.datasets import load_dataset

    try:
        sequences = load_dataset(name, split=split_name, root=root)
    except Exception as exc:  # any reader failure is a finding of the doctor, reported with its type
        log.debug("reader %s failed on %s", name, root, exc_info=True)
        return Check(key, str(root), "reader error", f"{type(exc).__name__}: {exc}", ok=False)
    label = f"{name}" + (f" ({split_name})" if split_name else "")
    if not sequences:
        return Check(key, str(root), "no sequences", f"{label}: the reader found no sequences", ok=False)
    return Check(key, str(root), "ok", f"{label}: {len(sequences)} sequences")


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


def run_checks(settings: Settings) -> Iterator[Check]:
    """All checks in table order (yielded one by one, since a large dataset takes a while to read)."""
    for key in ("workspace_dir", "results_dir", "pretrained_dir"):
        yield check_writable(key, getattr(settings, key))
    for key in DATASET_CHECKS:
        yield check_dataset_root(key, getattr(settings, key))
    for module in OPTIONAL_MODULES:
        yield check_module(module)
