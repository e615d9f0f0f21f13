"""The text of a fresh local settings file: every key, commented out at its default, with a one-line help."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from settings.fields import field_help
from settings.loader import default_values, env_name

HEADER = """\
# dctrack local settings: where things are on this machine. Written by `python -m settings init`.
# Every line below is commented out at its built-in default: uncomment one and edit it to change it.
# Relative paths are relative to this file's folder; ~ expands to your home folder; "" means not set.
# An environment variable DCTRACK_<KEY IN CAPITALS> (e.g. {example}) wins over this file.
# Check the result with `python -m settings show` and `python -m settings doctor`.
"""


def toml_value(value: Any) -> str:
    """A TOML literal for a settings value (paths and strings as basic strings, None as "")."""
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Path):
        value = str(value)
    return json.dumps(str(value), ensure_ascii=False)


def render_template() -> str:
    """The full text of a new local settings file."""
    parts = [HEADER.format(example=env_name("otb_dir"))]
    for key, value in default_values().items():
        parts.append(f"\n# {field_help(key)}\n# {key} = {toml_value(value)}\n")
    return "".join(parts)
