"""The parameters worth showing: those that differ from the estimator's own defaults.

A fitted pipeline has dozens of parameters (``verbose``, ``warm_start``, ...) that nobody chose.
:func:`changed_params` keeps the ones whose value differs from the default in the estimator's
``__init__`` signature (the same rule scikit-learn's ``print_changed_only`` display follows),
recursing into nested estimators (pipeline steps, column transformers, meta-estimators) with
scikit-learn's ``outer__inner`` names. Missing-value markers (NaN) equal each other; arrays
compare by value; an estimator-valued parameter is never compared, only recursed into.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np

#: Named in the run's params elsewhere (``seed``): not repeated per estimator.
SEED_PARAMS = ("random_state",)


def changed_params(
    estimator: Any, prefix: str = "", *, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``{prefix + name: value}`` for every parameter of ESTIMATOR set away from its default.

    Names in SKIP (e.g. :data:`SEED_PARAMS`) are left out at every depth.
    """
    changed: dict[str, Any] = {}
    defaults = _defaults(type(estimator))
    for name, value in estimator.get_params(deep=False).items():
        if name in skip:
            continue
        key = f"{prefix}{name}"
        if _is_estimator(value):
            changed.update(changed_params(value, f"{key}__", skip=skip))
        elif _nested(value):
            for step, inner in _nested(value):
                changed.update(changed_params(inner, f"{prefix}{step}__", skip=skip))
        elif name not in defaults or not same_value(value, defaults[name]):
            changed[key] = value
    return changed


def same_value(left: Any, right: Any) -> bool:
    """Whether two parameter values are the same: NaN equals NaN, arrays by value, else ``==``."""
    if left is right:
        return True
    if _is_nan(left) and _is_nan(right):
        return True
    if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
        try:
            return bool(np.array_equal(np.asarray(left), np.asarray(right)))
        except (TypeError, ValueError):
            return False
    if type(left) is not type(right) and not (_number(left) and _number(right)):
        return False
    try:
        return bool(left == right)
    except (TypeError, ValueError):  # objects whose == is elementwise or refuses
        return repr(left) == repr(right)


def display_value(value: Any) -> str:
    """A parameter value as a logged string (what MLflow stores)."""
    return str(value)[:6000]


def _defaults(cls: type) -> dict[str, Any]:
    """The defaults of CLS's ``__init__`` (parameters without one are absent)."""
    try:
        signature = inspect.signature(cls.__init__)  # type: ignore[misc]
    except (TypeError, ValueError):
        return {}
    return {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _is_estimator(value: Any) -> bool:
    return hasattr(value, "get_params") and not isinstance(value, type)


def _nested(value: Any) -> list[tuple[str, Any]]:
    """The named estimators in a list of steps (Pipeline.steps, ColumnTransformer.transformers)."""
    if not isinstance(value, (list, tuple)) or not value:
        return []
    found = []
    for item in value:
        if not (isinstance(item, tuple) and len(item) >= 2 and isinstance(item[0], str)):
            return []
        if _is_estimator(item[1]):
            found.append((item[0], item[1]))
    return found


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
