"""Typed experiment configs: `--set key=value` parsed into a dataclass and checked."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from torchdojo.errors import DojoError


def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    """Convert `raw` (a string from the command line, or a JSON value) to `kind`."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(kind)
        if type(None) in args and (raw is None or str(raw).lower() in ("none", "null", "")):
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(name, raw, arg)
            except DojoError as e:
                errors.append(str(e))
        raise DojoError(errors[0] if errors else f"{name}: bad value {raw!r}")
    if origin is typing.Literal:
        choices = typing.get_args(kind)
        for choice in choices:
            if str(choice) == str(raw):
                return choice
        raise DojoError(f"{name} must be one of {', '.join(map(str, choices))}, not {raw!r}")
    if origin in (tuple, list):
        (item,) = typing.get_args(kind)[:1] or (str,)
        items = raw if isinstance(raw, list | tuple) else [s for s in str(raw).split(",") if s]
        return origin(_coerce(name, x, item) for x in items)
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise DojoError(f"{name} must be true or false, not {raw!r}")
    if kind in (int, float):
        if isinstance(raw, bool):
            raise DojoError(f"{name} must be {kind.__name__}, not {raw!r}")
        try:
            value = kind(raw) if kind is float else int(str(raw))
        except (TypeError, ValueError):
            raise DojoError(f"{name} must be {kind.__name__}, not {raw!r}") from None
        return value
    if kind is str:
        return str(raw)
    return raw


def replace(config: Any, overrides: dict[str, Any]) -> Any:
    """A copy of `config` with `overrides` applied, each converted to its field's type."""
    types_ = _field_types(type(config))
    changes = {}
    for key, raw in overrides.items():
        if key not in types_:
            valid = ", ".join(sorted(types_))
            raise DojoError(f"unknown setting '{key}' for {type(config).__module__.split('.')[-1]}"
                            f"; valid keys: {valid}")
        changes[key] = _coerce(key, raw, types_[key])
    return dataclasses.replace(config, **changes)


def parse_sets(items: list[str]) -> dict[str, str]:
    """`["epochs=3", "lr=1e-3"]` -> `{"epochs": "3", "lr": "1e-3"}`."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise DojoError(f"--set takes key=value, got {item!r} (e.g. --set epochs=3)")
        out[key.strip()] = value.strip()
    return out


def to_dict(config: Any) -> dict[str, Any]:
    """The config as JSON-ready data."""
    return dataclasses.asdict(config)
