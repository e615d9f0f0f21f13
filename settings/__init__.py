"""Where things are on this machine: workspace, results, pretrained weights and dataset roots.

``load_settings()`` resolves built-in defaults < ``settings/local.toml`` (or ``$DCTRACK_SETTINGS_FILE``)
< environment variables ``DCTRACK_<FIELD>``; ``Settings.source(field)`` tells which one won.
Write a commented template with ``python -m settings init``; inspect with ``show`` and ``doctor``.
This package imports nothing else of dctrack (the doctor reaches the dataset readers only when it runs).
"""
from settings.fields import Settings, SettingsError, dataset_keys, field_help, setting_names
from settings.loader import env_name, load_settings, settings_file

__all__ = ["Settings", "SettingsError", "load_settings", "settings_file", "env_name", "setting_names",
           "dataset_keys", "field_help"]
