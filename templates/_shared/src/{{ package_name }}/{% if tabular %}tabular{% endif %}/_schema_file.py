"""Parse a schema YAML file strictly, so an edit mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import DataError
from .schema import KINDS, MAX_CATEGORIES, TASKS, Column, Schema

COLUMN_KEYS = {"kind", "nullable", "categories", "min", "max"}


def parse(path: Path) -> Schema:
    """The Schema in PATH (see schema.HEADER for the format)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot read the schema ({exc.strerror or exc}).") from None
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML ({str(exc).splitlines()[0]}).") from None
    where = _Where(path)
    if not isinstance(data, dict):
        raise where.error("", "the file must hold a mapping (target:, task:, columns:, ...)")
    task = where.choice(data, "task", TASKS)
    classes = data.get("classes")
    if task == "classification":
        if not isinstance(classes, list) or len(classes) < 2:
            raise where.error("classes", "a classification needs a list of at least two classes")
        classes = [str(c) for c in classes]
    columns = where.mapping(data, "columns")
    if not columns:
        raise where.error("columns", "at least one feature column is needed")
    return Schema(
        target=str(where.required(data, "target")),
        task=task,
        classes=classes if task == "classification" else None,
        columns={str(name): _column(where, str(name), spec) for name, spec in columns.items()},
        dropped={str(k): str(v) for k, v in where.mapping(data, "dropped", optional=True).items()},
        max_categories=where.integer(data, "max_categories", MAX_CATEGORIES),
    )


def _column(where: _Where, name: str, spec: Any) -> Column:
    key = f"columns.{name}"
    if not isinstance(spec, dict):
        raise where.error(key, "must be a mapping with at least a kind")
    unknown = sorted(set(spec) - COLUMN_KEYS)
    if unknown:
        raise where.error(
            f"{key}.{unknown[0]}", f"unknown key (use {', '.join(sorted(COLUMN_KEYS))})"
        )
    kind = where.choice(spec, "kind", KINDS, prefix=key)
    column = Column(kind=kind, nullable=bool(spec.get("nullable", False)))
    if kind == "category":
        categories = spec.get("categories")
        if not isinstance(categories, list) or not categories:
            raise where.error(f"{key}.categories", "a category column needs a list of categories")
        column.categories = [str(c) for c in categories]
    for bound in ("min", "max"):
        value = spec.get(bound)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise where.error(f"{key}.{bound}", f"must be a number, not {value!r}")
        setattr(column, bound, value)
    return column


class _Where:
    """Builds DataErrors that say 'file: key: problem'."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, key: str, problem: str) -> DataError:
        place = f"{self.path}: {key}: " if key else f"{self.path}: "
        return DataError(
            place + problem + ".", "Fix the schema file, or delete it to infer it again."
        )

    def required(self, data: dict[str, Any], key: str, prefix: str = "") -> Any:
        if data.get(key) is None:
            raise self.error(f"{prefix}.{key}" if prefix else key, "missing")
        return data[key]

    def choice(
        self, data: dict[str, Any], key: str, allowed: tuple[str, ...], prefix: str = ""
    ) -> str:
        value = self.required(data, key, prefix)
        if value not in allowed:
            name = f"{prefix}.{key}" if prefix else key
            raise self.error(name, f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    def mapping(self, data: dict[str, Any], key: str, optional: bool = False) -> dict[Any, Any]:
        value = (data.get(key) or {}) if optional else self.required(data, key)
        if not isinstance(value, dict):
            raise self.error(key, "must be a mapping")
        return value

    def integer(self, data: dict[str, Any], key: str, default: int) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise self.error(key, f"must be a whole number of at least 2, not {value!r}")
        return value


def read_schema(path: Path) -> Schema:
    """The schema in PATH; DataError naming the file and the key when it is wrong."""
    return parse(Path(path))
