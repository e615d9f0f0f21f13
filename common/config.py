"""Configuration as data: nested dataclasses, validation, ``--set key=value`` overrides, JSON round trip.

A config is a dataclass whose fields are plain values (bool, int, float, str, None, lists, tuples,
dicts) or nested dataclasses. Any dataclass may define ``validate(self) -> None`` raising
``ConfigError``; ``validate_config`` calls it on every nested section.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import types
import typing
from typing import Any, Iterable


class ConfigError(ValueError):
    """A configuration value or key is wrong; the message names the key."""


def is_config(obj: Any) -> bool:
    """True for a dataclass instance (a config section)."""
    return dataclasses.is_dataclass(obj) and not isinstance(obj, type)


def to_dict(cfg: Any) -> Any:
    """Config to plain JSON-able data (tuples become lists)."""
    if is_config(cfg):
        return {f.name: to_dict(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, (list, tuple)):
        return [to_dict(v) for v in cfg]
    if isinstance(cfg, dict):
        return {str(k): to_dict(v) for k, v in cfg.items()}
    return cfg


def to_json(cfg: Any) -> str:
    """Config as indented, key-sorted JSON."""
    return json.dumps(to_dict(cfg), indent=2, sort_keys=True)


def _field_type(cfg: Any, name: str) -> Any:
    hints = typing.get_type_hints(type(cfg))
    return hints.get(name, Any)


def _coerce(value: Any, annotation: Any, key: str) -> Any:
    """Coerce a parsed value to the annotated field type, or raise ConfigError naming ``key``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is Any or annotation is None:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{key}: cannot use {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise ConfigError(f"{key}: {value!r} is not one of {list(args)}")
        return value
    if origin in (list, tuple) or annotation in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        if origin is tuple and args and args[-1] is not Ellipsis and len(args) != len(value):
            raise ConfigError(f"{key}: expected {len(args)} values, got {len(value)}")
        item_types = args if origin is tuple and args and args[-1] is not Ellipsis else None
        elem = args[0] if args and item_types is None else Any
        items = [_coerce(v, item_types[i] if item_types else elem, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if (origin is tuple or annotation is tuple) else items
    if origin is dict or annotation is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(annotation):
        if is_config(value):
            return value
        if isinstance(value, dict):
            return update_from_dict(annotation(), value, prefix=key + ".")
        raise ConfigError(f"{key}: expected a section, got {value!r}")
    if annotation is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            return value.lower() in ("true", "yes", "on", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return value
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        return float(value)
    if annotation is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    return value


def parse_value(text: str) -> Any:
    """Parse the right-hand side of ``key=value``: a Python/JSON literal, else the plain string."""
    text = text.strip()
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def set_value(cfg: Any, dotted_key: str, value: Any, prefix: str = "") -> None:
    """Set ``a.b.c`` in a nested config, coercing to the field's type; unknown keys raise ConfigError.

    ``prefix`` (e.g. ``"optim."``) is prepended to the keys named in errors when ``cfg`` is a nested section.
    """
    parts = dotted_key.split(".")
    node = cfg
    for i, part in enumerate(parts):
        path = prefix + ".".join(parts[: i + 1])
        if not is_config(node):
            raise ConfigError(f"{path}: '{prefix}{'.'.join(parts[:i])}' is not a section")
        names = [f.name for f in dataclasses.fields(node)]
        if part not in names:
            close = [n for n in names if n.startswith(part[:3])] or names
            raise ConfigError(f"unknown key '{path}' (known here: {', '.join(close)})")
        if i == len(parts) - 1:
            current = getattr(node, part)
            annotation = _field_type(node, part)
            if is_config(current) and isinstance(value, dict):
                update_from_dict(current, value, prefix=path + ".")
                return
            if annotation is Any and current is not None and value is not None and not is_config(current):
                annotation = type(current)
            setattr(node, part, _coerce(value, annotation, path))
        else:
            node = getattr(node, part)


def apply_overrides(cfg: Any, overrides: Iterable[str]) -> Any:
    """Apply ``key=value`` strings (as given to ``--set``) to ``cfg`` in place and return it."""
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"--set expects key=value, got '{item}'")
        key, text = item.split("=", 1)
        if not key.strip():
            raise ConfigError(f"--set expects key=value, got '{item}'")
        set_value(cfg, key.strip(), parse_value(text))
    return cfg


def update_from_dict(cfg: Any, data: dict, prefix: str = "", strict: bool = True) -> Any:
    """Update ``cfg`` in place from nested plain data (e.g. a stored ``config.json``)."""
    names = {f.name for f in dataclasses.fields(cfg)}
    for key, value in data.items():
        if key not in names:
            if strict:
                raise ConfigError(f"unknown key '{prefix}{key}'")
            continue
        current = getattr(cfg, key)
        if is_config(current) and isinstance(value, dict):
            update_from_dict(current, value, prefix=f"{prefix}{key}.", strict=strict)
        else:
            set_value(cfg, key, value, prefix=prefix)
    return cfg


def validate_config(cfg: Any, prefix: str = "") -> Any:
    """Run ``validate()`` of every nested section; errors are re-raised with the section's key."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if is_config(value):
            validate_config(value, prefix=f"{prefix}{f.name}.")
    check = getattr(cfg, "validate", None)
    if callable(check):
        try:
            check()
        except ConfigError as exc:
            raise ConfigError(f"{prefix}{exc}" if prefix else str(exc)) from None
    return cfg


def diff_configs(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two configs (or their dict forms)."""
    da = a if isinstance(a, dict) else to_dict(a)
    db = b if isinstance(b, dict) else to_dict(b)
    keys = sorted(set(da) | set(db))
    out: list[str] = []
    for k in keys:
        va, vb = da.get(k, "<missing>"), db.get(k, "<missing>")
        if isinstance(va, dict) and isinstance(vb, dict):
            out += diff_configs(va, vb, prefix=f"{prefix}{k}.")
        elif va != vb:
            out.append(f"{prefix}{k}: {va!r} -> {vb!r}")
    return out


def require(condition: bool, message: str) -> None:
    """Raise ConfigError(message) unless ``condition`` holds (for use in ``validate``)."""
    if not condition:
        raise ConfigError(message)
