"""Plugin discovery through DCTRACK_PLUGIN_PATH, with throwaway plugin packages written for the test."""
from __future__ import annotations

import os
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from common.plugins import (PluginError, PluginSpec, available_plugins, get_plugin, list_modules, load_parameters,
                            load_train_config, plugin_roots)

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
