"""Plugin discovery: a tracker is a package under ``plugins/`` (or a folder on ``DCTRACK_PLUGIN_PATH``)
whose ``__init__.py`` defines ``PLUGIN = PluginSpec(...)``.

The core never names a tracker: it lists the plugin folders, imports the one asked for, and uses
what its declaration provides.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable, Optional

from common.config import apply_overrides, validate_config

BUILTIN_ROOT = Path(__file__).resolve().parent.parent / "plugins"
PLUGIN_PATH_ENV = "DCTRACK_PLUGIN_PATH"


class PluginError(LookupError):
    """An unknown plugin, setting or parameter file, or a malformed declaration."""


@dataclasses.dataclass(frozen=True)
class PluginSpec:
    """What a tracker plugin provides to the two halves.

    - ``build_network(model_cfg) -> nn.Module``: the network from its model config section.
    - ``build_actor(network, train_cfg) -> Actor``: turns a batch into (loss, stats).
    - ``tracker_class(params, network)``: the online tracker (``pytracking.tracker.Tracker`` subclass).
    - ``train_settings`` / ``parameters``: dotted module paths of the folders holding the setting files
      (each a module with ``config() -> TrainConfig``) and parameter files (``parameters() -> params``).
    """

    name: str
    build_network: Callable[..., Any]
    build_actor: Callable[..., Any]
    tracker_class: Any
    train_settings: str
    parameters: str
    description: str = ""
    build_loaders: Optional[Callable[..., Any]] = None  # (train_cfg, network, rank, world_size) -> (train, val); default: ltr.data
    tracking_validation: Optional[Callable[..., dict]] = None  # (network, train_cfg, epoch) -> {'auc', ...}


def plugin_roots() -> list[Path]:
    """Folders searched for plugins: the built-in ``plugins/`` then ``DCTRACK_PLUGIN_PATH`` entries."""
    roots = [BUILTIN_ROOT]
    for entry in os.environ.get(PLUGIN_PATH_ENV, "").split(os.pathsep):
        if entry.strip():
            roots.append(Path(entry).expanduser().resolve())
    return roots


def _plugin_folders() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in plugin_roots():
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if (child / "__init__.py").is_file() and not child.name.startswith(("_", ".")):
                found.setdefault(child.name, child)
    return found


def available_plugins() -> list[str]:
    """Names of the plugins that can be loaded."""
    return sorted(_plugin_folders())


def _import_plugin_module(name: str, folder: Path) -> ModuleType:
    if folder.parent == BUILTIN_ROOT:
        return importlib.import_module(f"plugins.{name}")
    if name in sys.modules and Path(getattr(sys.modules[name], "__file__", "")).parent == folder:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, folder / "__init__.py", submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def get_plugin(name: str) -> PluginSpec:
    """Load the plugin ``name`` and return its declaration; unknown names list the available ones."""
    folders = _plugin_folders()
    if name not in folders:
        raise PluginError(f"unknown plugin '{name}'. Available plugins: {', '.join(sorted(folders)) or '(none)'}")
    module = _import_plugin_module(name, folders[name])
    spec = getattr(module, "PLUGIN", None)
    if not isinstance(spec, PluginSpec):
        raise PluginError(f"plugin '{name}' ({folders[name]}/__init__.py) does not define PLUGIN = PluginSpec(...)")
    return spec


def _package_folder(dotted: str) -> Path:
    module = importlib.import_module(dotted)
    return Path(module.__file__).parent


def list_modules(dotted: str) -> list[str]:
    """Names of the setting or parameter files in a plugin's folder (``train_settings`` / ``parameters``)."""
    folder = _package_folder(dotted)
    return sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))


def load_module(dotted: str, name: str, kind: str) -> ModuleType:
    """Import ``<dotted>.<name>``; an unknown name lists the available ones (``kind`` names them)."""
    names = list_modules(dotted)
    if name not in names:
        raise PluginError(f"unknown {kind} '{name}' in {dotted}. Available: {', '.join(names) or '(none)'}")
    return importlib.import_module(f"{dotted}.{name}")


def load_train_config(plugin: str, setting: str) -> Any:
    """Build the train config of ``plugin``'s setting file ``setting`` (its ``config()`` function)."""
    spec = get_plugin(plugin)
    module = load_module(spec.train_settings, setting, "train setting")
    if not hasattr(module, "config"):
        raise PluginError(f"train setting {module.__file__} does not define config()")
    cfg = module.config()
    for field, value in (("plugin", plugin), ("setting", setting)):
        if hasattr(cfg, field):
            setattr(cfg, field, value)
    return cfg


def load_parameters(plugin: str, param: str, overrides: Iterable[str] = ()) -> Any:
    """Build the tracker parameters of ``plugin``'s parameter file ``param`` (its ``parameters()`` function), then
    apply ``key=value`` ``overrides`` (validated; a wrong key or value raises ``ConfigError`` naming it)."""
    spec = get_plugin(plugin)
    module = load_module(spec.parameters, param, "parameter file")
    if not hasattr(module, "parameters"):
        raise PluginError(f"parameter file {module.__file__} does not define parameters()")
    params = module.parameters()
    overrides = list(overrides)
    if overrides:
        validate_config(apply_overrides(params, overrides))
    return params
