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
from typing import Any, Callable, Iterable, Mapping, Optional

from common.config import ConfigError, apply_overrides, validate_config

BUILTIN_ROOT = Path(__file__).resolve().parent.parent / "plugins"
PLUGIN_PATH_ENV = "DCTRACK_PLUGIN_PATH"


class PluginError(LookupError):
    """An unknown plugin, setting or parameter file, or a malformed declaration."""


@dataclasses.dataclass(frozen=True)
class DebugPanel:
    """One picture of a training sample that the debug views draw (``PluginSpec.debug_maps``; ``--debug 2`` and
    ``python -m ltr.data show``).

    ``image``: batch key of a 3xHxW crop; ``boxes``: batch keys of ``[x, y, w, h]`` boxes in that crop (drawn
    green, yellow, red in order); ``map``: ``'batch.<key>'`` or ``'output.<key>'`` (the network's training output),
    drawn over the crop, or alone without ``image``, from the geometry's ``grid`` ('score' or 'feature'); ``logits``:
    shown through a sigmoid; ``prediction``: also draw the box decoded from the output's 'cls' and 'box' maps.
    """

    name: str
    title: str = ""
    image: Optional[str] = None
    boxes: tuple[str, ...] = ()
    map: Optional[str] = None
    grid: str = "score"
    logits: bool = False
    prediction: bool = False

    def __post_init__(self) -> None:
        if self.map is not None and self.map.split(".", 1)[0] not in ("batch", "output"):
            raise PluginError(f"debug panel '{self.name}': map must be 'batch.<key>' or 'output.<key>', got '{self.map}'")
        if self.grid not in ("score", "feature"):
            raise PluginError(f"debug panel '{self.name}': grid must be 'score' or 'feature', got '{self.grid}'")

    def map_value(self, batch: dict, output: dict) -> Any:
        """The panel's map from the batch or the output (None when absent)."""
        if self.map is None:
            return None
        source, key = self.map.split(".", 1)
        return (batch if source == "batch" else output).get(key)


@dataclasses.dataclass(frozen=True)
class Twin:
    """A plugin's own branch switched off (``PluginSpec.twin``): the ``--set`` overrides that turn any of its train
    settings into the twin without the branch, and the tracker-parameter overrides that go with that network.

    ``run_training.py --benchmark`` times a setting and its twin at equal batch size; ``benchmark.py
    --compare-reference`` times the twin's tracker against a plain reference pipeline of the same network.
    """

    setting_overrides: tuple[str, ...]
    param_overrides: tuple[str, ...] = ()
    label: str = "twin"

    def __post_init__(self) -> None:
        if not self.setting_overrides:
            raise PluginError("a Twin needs at least one setting override (what it switches off)")


@dataclasses.dataclass(frozen=True)
class PluginSpec:
    """What a tracker plugin provides to the two halves.

    - ``build_network(model_cfg) -> nn.Module``: the network from its model config section.
    - ``build_actor(network, train_cfg) -> Actor``: turns a batch into (loss, stats).
    - ``tracker_class(params, network)``: the online tracker (``pytracking.tracker.Tracker`` subclass).
    - ``train_settings`` / ``parameters``: dotted module paths of the folders holding the setting files
      (each a module with ``config() -> TrainConfig``) and parameter files (``parameters() -> params``).
    - ``setting_variants`` / ``parameter_variants``: tables of named ``Variant`` rows (a base plus ``--set``
      overrides) that resolve like files; ``retired``: former names -> the message naming their replacement.
    - ``build_processing(train_cfg, geometry)``: what the core loader (``ltr.data``) calls to turn a sampled
      ``Triplet`` into a sample (dict of tensors); or ``build_loaders`` for a plugin's own loaders.
    - ``upgrade_config(stored) -> stored``: brings a checkpoint's stored config to today's fields (renamed or
      removed keys) before it is read; a value it cannot carry over is a ``ConfigError``.
    - ``frame_step(network)``: the per-frame network work that ``pytracking/benchmark.py`` times: an object with
      ``prepare(template, first_search)``, ``__call__(search)`` (one frame, its own caches) and ``backbone(search)``.
    - ``debug_maps``: the ``DebugPanel``s (crops, boxes, maps by batch / output key) the training debug views draw.
    - ``tracking_validation``: the tracking score the trainer logs each ``val.tracking_every_epochs``
      (e.g. ``pytracking.validation``).
    - ``twin``: the ``Twin`` without the plugin's own branch (training's ``--benchmark`` and the tracking benchmark's
      ``--compare-reference`` time it).
    """

    name: str
    build_network: Callable[..., Any]
    build_actor: Callable[..., Any]
    tracker_class: Any
    train_settings: str
    parameters: str
    description: str = ""
    build_loaders: Optional[Callable[..., Any]] = None  # (train_cfg, network, rank, world_size) -> (train, val); default: ltr.data
    build_processing: Optional[Callable[..., Any]] = None  # (train_cfg, geometry) -> processing(triplet, rng, cropper)
    debug_maps: tuple[DebugPanel, ...] = ()  # what the training debug views draw of a sample, in order
    upgrade_config: Optional[Callable[[dict], dict]] = None  # a stored config of an older run -> today's layout
    frame_step: Optional[Callable[[Any], Any]] = None  # network -> step: prepare(template, search); step(search)
    tracking_validation: Optional[Callable[..., dict]] = None  # (network, train_cfg, epoch) -> {'auc', ...}
    # (params) -> Tracker: a peer, an outside implementation of the same tracker (e.g. OpenCV's) benchmark times alongside
    peer_tracker: Optional[Callable[..., Any]] = None
    twin: Optional[Twin] = None  # the plugin's own branch switched off: what its extra cost is measured against
    setting_variants: Mapping[str, "Variant"] = dataclasses.field(default_factory=dict)    # name -> table row
    parameter_variants: Mapping[str, "Variant"] = dataclasses.field(default_factory=dict)  # name -> table row
    retired: Mapping[str, str] = dataclasses.field(default_factory=dict)  # former name -> what replaces it


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


@dataclasses.dataclass(frozen=True)
class Variant:
    """One row of a plugin's variant table: the setting (or parameter file) ``base`` with ``--set`` overrides.

    ``finish`` (train settings only) is a recipe applied after the overrides, for variants of a recipe whose
    result depends on the switch (e.g. a recipe that picks its training data by the model the switch chose). ``reason`` is the one line that says why the variant exists; it becomes the description.
    """

    overrides: tuple[str, ...]
    reason: str
    base: str = "default"
    finish: Optional[Callable[[Any], Any]] = None

    def describe(self) -> str:
        """``base + overrides [then finish]`` in one line."""
        text = self.base + (f" --set {' '.join(self.overrides)}" if self.overrides else "")
        return text + (f" then {self.finish.__module__.rsplit('.', 1)[-1]}" if self.finish else "")


def load_module(dotted: str, name: str, kind: str) -> ModuleType:
    """Import ``<dotted>.<name>``; an unknown name lists the available ones (``kind`` names them)."""
    names = list_modules(dotted)
    if name not in names:
        raise PluginError(f"unknown {kind} '{name}' in {dotted}. Available: {', '.join(names) or '(none)'}")
    return importlib.import_module(f"{dotted}.{name}")


@dataclasses.dataclass(frozen=True)
class _Kind:
    """Train settings or parameter files: where a plugin keeps their files, table and entry function."""

    label: str
    folder: str
    variants: Mapping[str, Variant]
    entry: str


def _kind(spec: PluginSpec, train: bool) -> _Kind:
    if train:
        return _Kind("train setting", spec.train_settings, spec.setting_variants, "config")
    return _Kind("parameter file", spec.parameters, spec.parameter_variants, "parameters")


def _names(kind: _Kind) -> list[str]:
    return sorted(set(list_modules(kind.folder)) | set(kind.variants))


def setting_names(plugin: str) -> list[str]:
    """Every train setting of ``plugin``: its setting files and the rows of its variant table."""
    spec = get_plugin(plugin)
    return _names(_kind(spec, True))


def parameter_names(plugin: str) -> list[str]:
    """Every parameter set of ``plugin``: its parameter files and the rows of its parameter variant table."""
    spec = get_plugin(plugin)
    return _names(_kind(spec, False))


def _build(spec: PluginSpec, kind: _Kind, name: str, seen: tuple[str, ...] = ()) -> Any:
    """The config of setting/parameter ``name``: a file's entry function, or a table row built on its base."""
    if name in seen:
        raise PluginError(f"{kind.label} table of plugin '{spec.name}' loops: {' -> '.join(seen + (name,))}")
    if name in list_modules(kind.folder):
        module = importlib.import_module(f"{kind.folder}.{name}")
        if not hasattr(module, kind.entry):
            raise PluginError(f"{kind.label} {module.__file__} does not define {kind.entry}()")
        return getattr(module, kind.entry)()
    row = kind.variants.get(name)
    if row is None:
        if name in spec.retired:
            raise PluginError(f"{kind.label} '{name}' of plugin '{spec.name}' is gone: {spec.retired[name]}")
        raise PluginError(f"unknown {kind.label} '{name}' of plugin '{spec.name}'. "
                          f"Available: {', '.join(_names(kind)) or '(none)'}")
    cfg = _build(spec, kind, row.base, seen + (name,))
    try:
        apply_overrides(cfg, list(row.overrides))
    except ConfigError as exc:
        raise ConfigError(f"{kind.label} '{name}' (variant table of plugin '{spec.name}'): {exc}") from None
    if row.finish is not None:
        cfg = row.finish(cfg)
    if hasattr(cfg, "description"):
        cfg.description = row.reason
    return cfg


def load_train_config(plugin: str, setting: str) -> Any:
    """Build the train config of ``plugin``'s setting ``setting``: a setting file's ``config()``, or a row of the
    plugin's variant table; a retired name raises ``PluginError`` naming its replacement."""
    spec = get_plugin(plugin)
    cfg = _build(spec, _kind(spec, True), setting)
    for field, value in (("plugin", plugin), ("setting", setting)):
        if hasattr(cfg, field):
            setattr(cfg, field, value)
    return cfg


def load_parameters(plugin: str, param: str, overrides: Iterable[str] = ()) -> Any:
    """Build the tracker parameters ``param`` of ``plugin`` (a parameter file's ``parameters()`` or a row of its
    parameter table), then apply ``key=value`` ``overrides`` (validated; a wrong key or value raises ``ConfigError``
    naming it)."""
    spec = get_plugin(plugin)
    params = _build(spec, _kind(spec, False), param)
    overrides = list(overrides)
    if overrides:
        validate_config(apply_overrides(params, overrides))
    return params


def upgrade_stored_config(plugin: Optional[str], stored: dict) -> dict:
    """``stored`` (a checkpoint's train config as plain data) through its plugin's ``upgrade_config``, if any."""
    if not plugin or plugin not in available_plugins():
        return stored
    upgrade = get_plugin(plugin).upgrade_config
    return upgrade(stored) if upgrade is not None else stored
