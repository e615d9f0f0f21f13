"""Plugin discovery through DCTRACK_PLUGIN_PATH, with throwaway plugin packages written for the test."""
from __future__ import annotations

import os
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from common.config import ConfigError
from common.plugins import (PluginError, PluginSpec, available_plugins, get_plugin, list_modules, load_parameters,
                            load_train_config, parameter_names, plugin_roots, setting_names)

INIT = '''
from common.plugins import PluginSpec

def build_network(model_cfg):
    return ("network", model_cfg)

def build_actor(network, train_cfg):
    return ("actor", network)

class Tracker:
    def __init__(self, params, network):
        self.params, self.network = params, network

PLUGIN = PluginSpec(name="{name}", build_network=build_network, build_actor=build_actor, tracker_class=Tracker,
                    train_settings="{name}.train_settings", parameters="{name}.parameters", description="a toy")
'''

SETTING = '''
import dataclasses

@dataclasses.dataclass
class Config:
    plugin: str = ""
    setting: str = ""
    epochs: int = 10

def config():
    return Config(epochs={epochs})
'''

PARAMS = '''
import dataclasses

@dataclasses.dataclass
class Params:
    search_factor: float = {factor}

def parameters():
    return Params()
'''


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A plugin root on DCTRACK_PLUGIN_PATH holding one working plugin; returns (root, plugin name)."""
    name = f"toyplug_{uuid.uuid4().hex[:8]}"  # unique: imported plugin modules stay in sys.modules
    root = tmp_path / "plugins"
    write(root / name / "__init__.py", INIT.format(name=name))
    write(root / name / "train_settings" / "__init__.py", "")
    write(root / name / "train_settings" / "default.py", SETTING.format(epochs=10))
    write(root / name / "train_settings" / "fast.py", SETTING.format(epochs=2))
    write(root / name / "train_settings" / "_helpers.py", "X = 1\n")
    write(root / name / "parameters" / "__init__.py", "")
    write(root / name / "parameters" / "default.py", PARAMS.format(factor=4.0))
    write(root / name / "parameters" / "wide.py", PARAMS.format(factor=5.5))
    monkeypatch.setenv("DCTRACK_PLUGIN_PATH", os.pathsep.join([str(tmp_path / "absent"), str(root)]))
    yield root, name
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".") or m.startswith("broken_")]:
        del sys.modules[module]


def test_plugin_on_the_path_is_listed(plugin_dir):
    root, name = plugin_dir
    assert root.resolve() in plugin_roots()
    assert name in available_plugins()


def test_get_plugin_returns_its_spec(plugin_dir):
    _, name = plugin_dir
    spec = get_plugin(name)
    assert isinstance(spec, PluginSpec) and spec.name == name and spec.description == "a toy"
    assert spec.build_network("cfg") == ("network", "cfg")
    tracker = spec.tracker_class("params", "net")
    assert (tracker.params, tracker.network) == ("params", "net")
    assert get_plugin(name) is spec  # imported once


def test_load_train_config_and_parameters_call_the_files(plugin_dir):
    _, name = plugin_dir
    cfg = load_train_config(name, "fast")
    assert (cfg.epochs, cfg.plugin, cfg.setting) == (2, name, "fast")
    assert load_train_config(name, "default").epochs == 10
    assert load_parameters(name, "wide").search_factor == 5.5
    assert list_modules(f"{name}.train_settings") == ["default", "fast"]  # _helpers is private


def test_unknown_plugin_lists_the_available_ones(plugin_dir):
    _, name = plugin_dir
    with pytest.raises(PluginError, match=rf"unknown plugin 'nosuch'\. Available plugins: .*{name}"):
        get_plugin("nosuch")


def test_unknown_setting_and_parameter_list_the_available_ones(plugin_dir):
    _, name = plugin_dir
    with pytest.raises(PluginError, match=r"unknown train setting 'fastest'.*Available: default, fast$"):
        load_train_config(name, "fastest")
    with pytest.raises(PluginError, match=r"unknown parameter file 'narrow'.*Available: default, wide$"):
        load_parameters(name, "narrow")
    with pytest.raises(PluginError, match="unknown train setting '_helpers'"):
        load_train_config(name, "_helpers")


def test_plugin_without_declaration_gives_a_clear_error(plugin_dir):
    root, _ = plugin_dir
    name = f"broken_{uuid.uuid4().hex[:8]}"
    write(root / name / "__init__.py", "VALUE = 1\n")
    with pytest.raises(PluginError, match=rf"plugin '{name}' \(.*{name}/__init__.py\) does not define PLUGIN"):
        get_plugin(name)


def test_plugin_with_wrong_declaration_type(plugin_dir):
    root, _ = plugin_dir
    name = f"broken_{uuid.uuid4().hex[:8]}"
    write(root / name / "__init__.py", "PLUGIN = {'name': 'x'}\n")
    with pytest.raises(PluginError, match="does not define PLUGIN = PluginSpec"):
        get_plugin(name)


def test_setting_file_without_config_function(plugin_dir):
    root, name = plugin_dir
    write(root / name / "train_settings" / "empty.py", "EPOCHS = 3\n")
    write(root / name / "parameters" / "empty.py", "FACTOR = 3\n")
    with pytest.raises(PluginError, match=r"train setting .*empty\.py does not define config\(\)"):
        load_train_config(name, "empty")
    with pytest.raises(PluginError, match=r"parameter file .*empty\.py does not define parameters\(\)"):
        load_parameters(name, "empty")


def test_folders_that_are_not_plugins_are_not_listed(plugin_dir):
    root, name = plugin_dir
    (root / "just_a_folder").mkdir()
    write(root / "_private" / "__init__.py", "")
    write(root / ".hidden" / "__init__.py", "")
    names = available_plugins()
    assert name in names and "just_a_folder" not in names and "_private" not in names and ".hidden" not in names


def test_without_the_path_the_plugin_is_gone(plugin_dir, monkeypatch):
    _, name = plugin_dir
    monkeypatch.delenv("DCTRACK_PLUGIN_PATH")
    assert name not in available_plugins()
    with pytest.raises(PluginError, match=f"unknown plugin '{name}'"):
        get_plugin(name)


VARIANT_INIT = '''
from common.plugins import PluginSpec, Variant

def double(cfg):
    cfg.epochs *= 2
    return cfg

PLUGIN = PluginSpec(
    name="{name}", build_network=None, build_actor=None, tracker_class=None,
    train_settings="{name}.train_settings", parameters="{name}.parameters",
    setting_variants={{"short": Variant(("epochs=3",), "fewer epochs"),
                       "short_doubled": Variant((), "short, then the recipe", base="short", finish=double),
                       "typo": Variant(("epoch=3",), "a misspelt key"),
                       "loop_a": Variant((), "", base="loop_b"), "loop_b": Variant((), "", base="loop_a")}},
    parameter_variants={{"wide": Variant(("search_factor=5.5",), "a wider search")}},
    retired={{"old_short": "renamed: use 'short'"}})
'''

DESCRIBED_SETTING = '''
import dataclasses

@dataclasses.dataclass
class Config:
    plugin: str = ""
    setting: str = ""
    description: str = ""
    epochs: int = 10

def config():
    return Config(description="the default")
'''


@pytest.fixture
def variant_plugin(plugin_dir):
    """The toy plugin with a variant table instead of its ``fast`` / ``wide`` files."""
    root, name = plugin_dir
    write(root / name / "__init__.py", VARIANT_INIT.format(name=name))
    write(root / name / "train_settings" / "default.py", DESCRIBED_SETTING)
    (root / name / "train_settings" / "fast.py").unlink()
    (root / name / "parameters" / "wide.py").unlink()
    return name


def test_table_rows_resolve_like_files(variant_plugin):
    name = variant_plugin
    cfg = load_train_config(name, "short")
    assert (cfg.epochs, cfg.setting, cfg.description) == (3, "short", "fewer epochs")
    assert load_train_config(name, "short_doubled").epochs == 6  # base row, then the finishing recipe
    assert load_parameters(name, "wide").search_factor == 5.5
    assert load_parameters(name, "wide", ["search_factor=6"]).search_factor == 6
    assert "short" in setting_names(name) and "default" in setting_names(name)
    assert parameter_names(name) == ["default", "wide"]
    assert get_plugin(name).setting_variants["short_doubled"].describe() == f"short then {name}"


def test_retired_names_and_bad_rows_are_clear_errors(variant_plugin):
    name = variant_plugin
    with pytest.raises(PluginError, match=r"train setting 'old_short' of plugin .* is gone: renamed: use 'short'"):
        load_train_config(name, "old_short")
    with pytest.raises(ConfigError, match=r"train setting 'typo' \(variant table of plugin .*\): .*epoch"):
        load_train_config(name, "typo")
    with pytest.raises(PluginError, match="loops: loop_a -> loop_b -> loop_a"):
        load_train_config(name, "loop_a")
    with pytest.raises(PluginError, match=r"unknown train setting 'nope'.*Available: default, loop_a"):
        load_train_config(name, "nope")


def test_a_twin_must_switch_something_off():
    from common.plugins import Twin

    with pytest.raises(PluginError, match="at least one setting override"):
        Twin(())
    twin = Twin(("model.branch=False",), ("use_branch=False",), "branch off")
    assert twin.setting_overrides == ("model.branch=False",) and twin.label == "branch off"
