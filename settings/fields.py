"""The settings of one machine: a dataclass whose fields say where workspace, results and datasets live.

Each field carries a one-line ``help`` in its metadata (used by ``python -m settings init`` and ``show``).
A field's value is resolved by ``settings.loader.load_settings`` from defaults, the local file and the
environment; ``Settings.source(name)`` says which of them it came from.
"""
from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKSPACE = REPO_ROOT / "workspace"


class SettingsError(ValueError):
    """A settings file or variable is malformed; the message names the file, line and key (or the variable)."""


def _path(default: Path, help: str):
    return dataclasses.field(default_factory=lambda: default, metadata={"help": help})


def _root(help: str):
    return dataclasses.field(default=None, metadata={"help": help})


@dataclasses.dataclass
class Settings:
    """Where things are on this machine. Dataset roots are None when not configured."""

    workspace_dir: Path = _path(DEFAULT_WORKSPACE, "Training runs: checkpoints and logs.")
    results_dir: Path = _path(DEFAULT_WORKSPACE / "results", "Tracking results (result files, manifests).")
    pretrained_dir: Path = _path(DEFAULT_WORKSPACE / "pretrained", "Pretrained backbone weights.")
    got10k_dir: Optional[Path] = _root("GOT-10k training data: the folder holding train/ (and val/).")
    got10k_test_dir: Optional[Path] = _root("GOT-10k test split (when kept apart from got10k_dir).")
    lasot_dir: Optional[Path] = _root("LaSOT: the folder of class folders (airplane/airplane-1/img/...).")
    trackingnet_dir: Optional[Path] = _root("TrackingNet training chunks (TRAIN_0 ... TRAIN_11).")
    trackingnet_test_dir: Optional[Path] = _root("TrackingNet test split (TEST/).")
    coco_dir: Optional[Path] = _root("COCO 2017: images/ and annotations/ (still images used as videos).")
    imagenet_vid_dir: Optional[Path] = _root("ImageNet VID (ILSVRC2015: Data/ and Annotations/).")
    otb_dir: Optional[Path] = _root("OTB-100: folder of sequences (Basketball/img/0001.jpg, groundtruth_rect.txt).")
    uav123_dir: Optional[Path] = _root("UAV123: the folder holding data_seq/ and anno/.")
    nfs_dir: Optional[Path] = _root("Need for Speed (NfS): folder of sequences (30 fps versions).")
    vot_dir: Optional[Path] = _root("VOT: folder of sequences (frames + groundtruth.txt polygons).")
    dsst_dir: Optional[Path] = _root("Sequences in the DSST code layout (<seq>/imgs, <seq>_gt.txt).")
    generic_dir: Optional[Path] = _root("Your own sequences: folders of frames with one ground-truth file each.")
    unlabeled_dir: Optional[Path] = _root("Unlabeled videos (DAVIS / YouTube-VOS style frame folders).")
    visdom_host: str = dataclasses.field(default="127.0.0.1", metadata={"help": "Host of the visdom server for debug plots."})
    visdom_port: int = dataclasses.field(default=8097, metadata={"help": "Port of the visdom server."})

    def __post_init__(self) -> None:
        self._sources: dict[str, str] = {}

    def source(self, field: str) -> str:
        """Where ``field``'s value came from: ``default``, ``<file>:<line>`` or ``env DCTRACK_<FIELD>``."""
        check_name(field)
        return self._sources.get(field, "default")

    def dataset_root(self, name: str) -> Optional[Path]:
        """The configured root of dataset ``name`` (e.g. ``otb`` -> ``otb_dir``), or None when not set."""
        key = name if name.endswith("_dir") else f"{name}_dir"
        if key not in dataset_keys():
            known = ", ".join(k[: -len("_dir")] for k in dataset_keys())
            raise SettingsError(f"no settings key for dataset '{name}' (known: {known})")
        return getattr(self, key)


def setting_names() -> list[str]:
    """Names of all settings fields, in declaration order."""
    return [f.name for f in dataclasses.fields(Settings)]


def dataset_keys() -> list[str]:
    """Names of the dataset-root fields (``got10k_dir`` ... ``unlabeled_dir``)."""
    fixed = {"workspace_dir", "results_dir", "pretrained_dir"}
    return [n for n in setting_names() if n.endswith("_dir") and n not in fixed]


def field_help(name: str) -> str:
    """The one-line explanation of settings field ``name``."""
    check_name(name)
    return next(f.metadata.get("help", "") for f in dataclasses.fields(Settings) if f.name == name)


def close_matches(name: str) -> list[str]:
    """Settings names that look like ``name`` (for 'did you mean' messages)."""
    return difflib.get_close_matches(name, setting_names(), n=3, cutoff=0.6)


def check_name(name: str) -> None:
    """Raise SettingsError unless ``name`` is a settings field; the message lists close matches."""
    if name not in setting_names():
        close = close_matches(name)
        hint = f"; did you mean {', '.join(close)}?" if close else f"; known keys: {', '.join(setting_names())}"
        raise SettingsError(f"unknown settings key '{name}'{hint}")
