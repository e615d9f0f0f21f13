"""Dataset registry: every reader returns a list of ``Sequence`` (see ``common.datasets.base``).

``load_dataset('otb')`` reads the root configured in settings (``otb_dir`` / ``DCTRACK_OTB_DIR``).
Readers register themselves with ``@register_dataset``; the modules are imported below.
"""
from __future__ import annotations

import dataclasses
import importlib
from pathlib import Path
from typing import Callable, Optional

from common.datasets.base import Sequence
from settings import load_settings


class DatasetError(LookupError):
    """An unknown dataset name, a missing root, or a malformed dataset layout."""


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """A registered dataset: its reader, the settings key of its root, and which splits it has."""

    name: str
    reader: Callable[..., list]
    root_key: Optional[str]
    splits: tuple = ("test",)
    description: str = ""


_REGISTRY: dict[str, DatasetInfo] = {}
_READER_MODULES = ("synthetic", "otb", "benchmarks", "training", "video")


def register_dataset(name: str, root_key: Optional[str], splits=("test",), description: str = ""):
    """Decorator registering ``reader(root: Path | None, split: str, **options) -> list[Sequence]``."""

    def wrap(reader):
        _REGISTRY[name] = DatasetInfo(name, reader, root_key, tuple(splits), description)
        return reader

    return wrap


def _import_readers() -> None:
    for module in _READER_MODULES:
        try:
            importlib.import_module(f"common.datasets.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"common.datasets.{module}":
                raise


def available_datasets() -> list[str]:
    """Names that ``load_dataset`` accepts."""
    _import_readers()
    return sorted(_REGISTRY)


def dataset_info(name: str) -> DatasetInfo:
    """The registry entry of ``name``; unknown names list the known ones."""
    _import_readers()
    if name not in _REGISTRY:
        raise DatasetError(f"unknown dataset '{name}'. Known datasets: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def evaluation_split(name: str, split: Optional[str] = None) -> str:
    """``split`` when given, else the dataset's test split, else val, else its first (what evaluation reads)."""
    if split:
        return split
    splits = dataset_info(name).splits
    return next((s for s in ("test", "val") if s in splits), splits[0])


def load_dataset(name: str, split: Optional[str] = None, root: Optional[str | Path] = None, **options) -> list[Sequence]:
    """Read dataset ``name`` (split defaults to its first) from ``root`` or the configured root."""
    info = dataset_info(name)
    split = split or info.splits[0]
    if split not in info.splits:
        raise DatasetError(f"dataset '{name}' has no split '{split}' (splits: {', '.join(info.splits)})")
    if info.root_key is not None and root is None:
        root = getattr(load_settings(), info.root_key)
        if not root:
            env = "DCTRACK_" + info.root_key.upper()
            raise DatasetError(f"dataset '{name}' has no root: set {info.root_key} in settings/local.toml or {env}")
    root_path = Path(root).expanduser() if root is not None else None
    if root_path is not None and not root_path.exists():
        raise DatasetError(f"dataset '{name}': root {root_path} does not exist")
    return info.reader(root_path, split, **options)


__all__ = ["Sequence", "DatasetError", "register_dataset", "available_datasets", "dataset_info", "evaluation_split", "load_dataset"]
