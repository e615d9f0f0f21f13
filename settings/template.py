"""The text of a fresh local settings file: every key, commented out at its default, with a one-line help."""
from __future__ import annotations

import json
import os
import tempfile
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


def write_new_file(file: Path, text: str) -> None:
    """Write ``text`` to ``file`` atomically, never replacing it (``FileExistsError`` if it exists).

    The text goes to a temporary file beside ``file`` first, which is then hard-linked into place: the link
    fails when ``file`` exists, so a user's file is never overwritten and a crash leaves no half-written one.
    """
    file = Path(file)
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, file)
    finally:
        os.unlink(tmp)
