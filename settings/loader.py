"""Resolve the settings: built-in defaults < local TOML file < ``DCTRACK_<FIELD>`` environment variables.

The local file is ``settings/local.toml`` unless ``DCTRACK_SETTINGS_FILE`` names another. It is parsed
with ``tomllib`` (data, never executed). Relative paths in it are relative to its folder; ``~`` expands.
"""
from __future__ import annotations

import dataclasses
import difflib
import logging
import os
import re
import tomllib
import typing
from pathlib import Path
from typing import Any, Optional

from settings.fields import REPO_ROOT, Settings, SettingsError, close_matches, setting_names

log = logging.getLogger(__name__)

ENV_PREFIX = "DCTRACK_"
SETTINGS_FILE_ENV = "DCTRACK_SETTINGS_FILE"
DEFAULT_SETTINGS_FILE = REPO_ROOT / "settings" / "local.toml"
_ERROR_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def env_name(field: str) -> str:
    """The environment variable of settings field ``field`` (``otb_dir`` -> ``DCTRACK_OTB_DIR``)."""
    return ENV_PREFIX + field.upper()


def settings_file() -> Path:
    """The local settings file in effect: ``$DCTRACK_SETTINGS_FILE`` or ``<repo>/settings/local.toml``."""
    named = os.environ.get(SETTINGS_FILE_ENV, "").strip()
    return Path(named).expanduser().absolute() if named else DEFAULT_SETTINGS_FILE


def _key_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level ``key = ...`` in TOML text (before the first table header)."""
    lines: dict[str, int] = {}
    pattern = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[=.]""")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("["):
            break
        match = pattern.match(line)
        if match:
            lines.setdefault(next(g for g in match.groups() if g), number)
    return lines


def _header_lines(text: str) -> dict[str, int]:
    """1-based line of each top-level table header ``[name]`` or ``[[name]]``."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^\s*\[\[?\s*([^\].\s]+)", line)
        if match:
            lines.setdefault(match.group(1).strip("\"'"), number)
    return lines


def _unclosed_quote_line(lines: list[str], message: str) -> Optional[int]:
    """1-based line of the first ``key = ...`` line with an odd number of the quote tomllib expected at the end
    of the document (tomllib reports an unclosed string at the end, not where it starts)."""
    quote = re.search(r'Expected "([\'"])"', message)
    if quote is None:
        return None
    for number, line in enumerate(lines, start=1):
        if "=" in line and line.count(quote.group(1)) % 2 == 1:
            return number
    return None


def _decode_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> SettingsError:
    match = _ERROR_POSITION.search(str(exc))
    lines = text.splitlines()
    if not match:
        if "end of document" not in str(exc):
            return SettingsError(f"{path}: malformed TOML: {exc}")
        line_no = _unclosed_quote_line(lines, str(exc))
        if line_no is None:
            return SettingsError(f"{path}, line {max(len(lines), 1)}: malformed TOML: {exc} (unfinished value?)")
        line = lines[line_no - 1]
        key = line.split("=", 1)[0].strip()
        return SettingsError(f"{path}, line {line_no} (key '{key}'): malformed TOML: the string is not closed "
                             f"({exc}): {line.strip()!r}")
    line_no = int(match.group(1))
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
    key = line.split("=", 1)[0].strip() if "=" in line else ""
    where = f"{path}, line {line_no}" + (f" (key '{key}')" if key and re.fullmatch(r"[\w\"'-]+", key) else "")
    reason = _ERROR_POSITION.sub("", str(exc)).strip()
    return SettingsError(f"{where}: malformed TOML: {reason} (at column {match.group(2)}): {line.strip()!r}")


def read_settings_file(path: Path) -> dict[str, tuple[Any, int]]:
    """Parse the local file to ``{key: (value, line)}``; malformed files or unknown keys raise SettingsError."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the settings file ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _decode_error(path, text, exc) from None
    key_lines, header_lines = _key_lines(text), _header_lines(text)
    known = set(setting_names())
    out: dict[str, tuple[Any, int]] = {}
    for key, value in data.items():
        line = key_lines.get(key) or header_lines.get(key) or 0
        if key not in known:
            close = close_matches(key)
            hint = f"did you mean {', '.join(close)}?" if close else f"known keys: {', '.join(setting_names())}"
            where = f"{path}, line {line}" if line else str(path)
            raise SettingsError(f"{where}: unknown key '{key}'; {hint}")
        out[key] = (value, line)
    return out


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def _to_path(key: str, value: Any, optional: bool, base: Optional[Path], origin: str) -> Optional[Path]:
    if not isinstance(value, str):
        raise SettingsError(f"{key}: expected a path (a string), got {value!r} (from {origin})")
    if not value.strip():
        if optional:
            return None
        raise SettingsError(f"{key}: must not be empty (from {origin})")
    path = Path(value.strip()).expanduser()
    if not path.is_absolute():
        path = (base if base is not None else Path.cwd()) / path
    return Path(os.path.normpath(path))


def _to_int(key: str, value: Any, origin: str) -> int:
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise SettingsError(f"{key}: expected an integer, got {value!r} (from {origin})") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{key}: expected an integer, got {value!r} (from {origin})")
    if key.endswith("_port") and not 0 < value < 65536:
        raise SettingsError(f"{key}: a port must be in 1..65535, got {value} (from {origin})")
    return value


def coerce_value(key: str, value: Any, origin: str, base: Optional[Path] = None) -> Any:
    """Convert a raw file/env value of ``key`` to the field's type; errors name the key and ``origin``."""
    annotation = _field_types()[key]
    optional = typing.get_origin(annotation) is typing.Union and type(None) in typing.get_args(annotation)
    kind = next((a for a in typing.get_args(annotation) if a is not type(None)), annotation) if optional else annotation
    if kind is Path:
        return _to_path(key, value, optional, base, origin)
    if kind is int:
        return _to_int(key, value, origin)
    if kind is str:
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{key}: expected a non-empty string, got {value!r} (from {origin})")
        return value.strip()
    raise SettingsError(f"{key}: unsupported settings type {annotation} (from {origin})")


_warned: set[str] = set()


def _warn_unknown_env() -> None:
    """Warn once per process about a ``DCTRACK_*`` variable that is no setting but looks like one (a typo)."""
    known = [env_name(n) for n in setting_names()]
    for var in os.environ:
        if var.startswith(ENV_PREFIX) and var not in known and var not in _warned:
            close = difflib.get_close_matches(var, known, n=1, cutoff=0.85)
            if close:
                _warned.add(var)
                log.warning("environment variable %s is not a dctrack setting (did you mean %s?)", var, close[0])


def load_settings(path: Optional[str | os.PathLike] = None) -> Settings:
    """Resolve the settings (defaults < local file < environment); not cached, so env changes are seen."""
    settings = Settings()
    file = Path(path).expanduser().absolute() if path is not None else settings_file()
    if file.exists():
        for key, (value, line) in read_settings_file(file).items():
            origin = f"{file}:{line}"
            setattr(settings, key, coerce_value(key, value, origin, base=file.parent))
            settings._sources[key] = origin
    for key in setting_names():
        var = env_name(key)
        if var in os.environ:
            origin = f"env {var}"
            setattr(settings, key, coerce_value(key, os.environ[var], origin))
            settings._sources[key] = origin
    _warn_unknown_env()
    return settings


def default_values() -> dict[str, Any]:
    """The built-in default of every field (no file, no environment)."""
    defaults = Settings()
    return {f.name: getattr(defaults, f.name) for f in dataclasses.fields(Settings)}
