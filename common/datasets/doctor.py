"""Dataset-root checks of ``python -m settings doctor``: is each configured root there, readable, and read by
its reader with at least one sequence.

Registered with the doctor through the ``dctrack.doctor`` entry point (``pyproject.toml``), so ``settings``
imports nothing of ours.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable, Iterator, Optional, Union

from common.datasets import available_datasets, load_dataset
from settings.doctor import Check
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
    if name not in available_datasets():
        return Check(key, str(root), "reader not available", f"no reader registered for '{name}' yet")
    split_name = split(root) if callable(split) else split
    try:
        sequences = load_dataset(name, split=split_name, root=root)
    except Exception as exc:  # any reader failure is a finding of the doctor, reported with its type
        log.debug("reader %s failed on %s", name, root, exc_info=True)
        return Check(key, str(root), "reader error", f"{type(exc).__name__}: {exc}", ok=False)
    label = f"{name}" + (f" ({split_name})" if split_name else "")
    if not sequences:
        return Check(key, str(root), "no sequences", f"{label}: the reader found no sequences", ok=False)
    return Check(key, str(root), "ok", f"{label}: {len(sequences)} sequences")


def run_dataset_checks(settings: Settings) -> Iterator[Check]:
    """One check per dataset-root setting, in the settings' order (the doctor's ``dctrack.doctor`` entry)."""
    for key in DATASET_CHECKS:
        yield check_dataset_root(key, getattr(settings, key))
