"""A throwaway plugin for the trainer tests: a tiny regression network, its actor and in-memory loaders.

The tests copy this folder to ``<tmp>/plugins/tinyplug`` and put ``<tmp>/plugins`` on DCTRACK_PLUGIN_PATH.
"""
from common.plugins import DebugPanel, PluginSpec

from .core import build_actor, build_loaders, build_network

PLUGIN = PluginSpec(name="tinyplug", build_network=build_network, build_actor=build_actor, tracker_class=None,
                    train_settings=f"{__name__}.train_settings", parameters=f"{__name__}.parameters",
                    description="trainer test plugin", build_loaders=build_loaders,
                    debug_maps=(DebugPanel("template", image="template"),
                                DebugPanel("current", image="search_cur", map="output.cls", logits=True),
                                DebugPanel("previous", image="search_prev", map="output.warped_prior")))
