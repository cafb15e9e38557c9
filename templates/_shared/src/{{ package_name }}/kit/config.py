"""Configuration files read one way: a YAML or TOML mapping validated by a typed pydantic model.

`load_config` reads the file and validates it; every problem is one `ConfigError` naming the file
and each key (`params.yaml: unknown key 'data.taks'`), never a traceback and never a silently
ignored setting (the template's models forbid unknown keys). The model may be a pydantic
`BaseModel` or a pydantic dataclass.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from .errors import ConfigError

T = TypeVar("T")


def load_config(
    path: Path,
    model: type[T],
    *,
    renamed: Mapping[str, str] | None = None,
    error: type[ConfigError] = ConfigError,
) -> T:
    """PATH read (`read_config`) and validated against MODEL (`validate_config`)."""
    raw = read_config(path, error=error)
    return validate_config(raw, model, path, renamed=renamed, error=error)


def read_config(path: Path, *, error: type[ConfigError] = ConfigError) -> dict[str, Any]:
    """The mapping in PATH (`.toml` is TOML, anything else YAML); ERROR naming the file if not."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror or exc}).") from None
    raw = _toml(text, path, error) if path.suffix == ".toml" else _yaml(text, path, error)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise error(f"{path}: must be a mapping of sections (key: value), not a list or a value.")
    return raw


def validate_config(
    raw: Mapping[str, Any],
    model: type[T],
    source: Path | str,
    *,
    renamed: Mapping[str, str] | None = None,
    error: type[ConfigError] = ConfigError,
) -> T:
    """RAW as a MODEL; one ERROR naming SOURCE and every bad key (RENAMED: old key -> new)."""
    from pydantic import TypeAdapter, ValidationError

    _refuse_renamed(raw, source, renamed or {}, error)
    try:
        return TypeAdapter(model).validate_python(dict(raw))
    except ValidationError as exc:
        found = problems(exc)
        if len(found) == 1:
            raise error(f"{source}: {found[0]}") from None
        listed = "".join(f"\n  - {line}" for line in found)
        raise error(
            f"{source} has {len(found)} problems:{listed}",
            "Fix the keys or values named above.",
        ) from None


def problems(exc: Any) -> list[str]:
    """One line per error of a pydantic `ValidationError`, each naming its dotted key."""
    lines = []
    for found in exc.errors():
        where = ".".join(str(part) for part in found["loc"])
        if found["type"] == "extra_forbidden":
            lines.append(f"unknown key '{where}'")
        elif found["type"] == "missing":
            lines.append(f"missing key '{where}'")
        else:
            message = found["msg"].removeprefix("Value error, ")
            got = "" if found["type"] == "value_error" else f" (got {found.get('input')!r})"
            lines.append(f"{where + ': ' if where else ''}{message}{got}")
    return lines


def _refuse_renamed(
    raw: Mapping[str, Any], source: Path | str, renamed: Mapping[str, str], error: type[ConfigError]
) -> None:
    """Keys of an earlier version of the file: say what each became rather than 'unknown'."""
    found = []
    for old, new in renamed.items():
        section, _, key = old.rpartition(".")
        node = raw.get(section) if section else raw
        if isinstance(node, Mapping) and key in node:
            found.append(f"  - '{old}' is now {new}")
    if found:
        raise error(
            f"{source} uses key(s) of an earlier version:\n" + "\n".join(found),
            "Rename them as shown.",
        )


def _yaml(text: str, path: Path, error: type[ConfigError]) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error(f"{path}: not valid YAML ({str(exc).splitlines()[0]}).") from None


def _toml(text: str, path: Path, error: type[ConfigError]) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML ({exc}).") from None
