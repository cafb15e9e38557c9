"""Drawing figures: matplotlib's ``Figure`` with the Agg canvas (no pyplot state, no display).

Output is byte-for-byte repeatable (no software/date metadata), so re-running `make writeup` on
unchanged runs leaves ``docs/img/`` unchanged in git.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .document import write_atomic

COLOURS = {"ours": "#4c72b0", "other": "#dd8452", "baseline": "#7f7f7f", "bad": "#c44e52"}


def new_axes(width: float = 7.0, height: float = 4.0) -> tuple[Any, Any]:
    """A fresh figure and its one axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def save(figure: Any, path: Path) -> None:
    """Write FIGURE as PNG at PATH atomically, without metadata that changes between runs."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    write_atomic(path, buffer.getvalue())


def grouped_bars(
    path: Path,
    *,
    groups: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    xlabel: str,
    ylabel: str,
) -> None:
    """Bars of several SERIES side by side for each of GROUPS, labelled with their values."""
    figure, axes = new_axes()
    width = 0.8 / max(len(series), 1)
    palette = [COLOURS["ours"], COLOURS["other"], COLOURS["baseline"], COLOURS["bad"]]
    for index, (label, values) in enumerate(series.items()):
        offsets = [g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))]
        bars = axes.bar(offsets, values, width, label=label, color=palette[index % len(palette)])
        axes.bar_label(bars, labels=[f"{value:.3g}" for value in values], padding=2, fontsize=8)
    axes.set_xticks(range(len(groups)), list(groups))
    decorate(axes, title, xlabel, ylabel)
    axes.legend(loc="best")
    axes.margins(y=0.15)
    save(figure, path)


def horizontal_bars(
    path: Path,
    *,
    names: Sequence[str],
    values: Sequence[float],
    title: str,
    xlabel: str,
    ylabel: str,
) -> None:
    """One horizontal bar per name, labelled with its value."""
    figure, axes = new_axes(7, 0.45 * len(names) + 1.5)
    bars = axes.barh(list(names), list(values), color=COLOURS["ours"])
    axes.bar_label(bars, labels=[f"{value:.3g}" for value in values], padding=3)
    axes.invert_yaxis()
    decorate(axes, title, xlabel, ylabel)
    axes.margins(x=0.15)
    save(figure, path)


def decorate(axes: Any, title: str, xlabel: str, ylabel: str) -> None:
    """Title and axis labels (with units), a light grid."""
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    if ylabel:
        axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3)
