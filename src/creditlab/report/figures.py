"""Figures in the papers' style, and the checks every saved figure passes.

``figure(width, height)`` makes a matplotlib figure without pyplot; ``save_figure(fig,
path)`` writes it after :func:`figure_problems` has looked at it, and warns
(:class:`FigureWarning`) of each problem a program can see: wider than 180 mm (a journal's
two-column width; at the reports' dpi no wider than a 1400-pixel browser window), an axis
without tick labels or without a label (its quantity and unit). What a program cannot
see — a legend over data, clashing labels — is checked by eye on the screenshots in
``docs/screenshots`` (``scripts/screenshots.py``). The tests turn the warning into an
error, so every figure a test draws passes the checks.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAX_WIDTH_MM = 180.0
MM_PER_INCH = 25.4
DPI = 150  # 180 mm at 150 dpi: 1063 pixels


class FigureWarning(UserWarning):
    """A saved figure has a problem :func:`figure_problems` can see."""


def figure(width: float, height: float, layout: str | None = "constrained"):
    """A matplotlib figure ``width`` × ``height`` inches, drawn with Agg, without
    importing pyplot (which is slow). At most 180 mm (7.09 in) wide.

    ``layout=None`` leaves the margins to the caller: the constrained layout costs about
    0.15 s a figure, which a short run waits for at its end."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    drawn = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(drawn)
    return drawn


def figure_title(fig: Any, text: str, fontsize: float = 10) -> None:
    """``text`` as ``fig``'s title, broken into lines that fit its width (matplotlib's
    own ``wrap`` is applied only when drawing, after a layout has measured the line)."""
    import textwrap

    characters = int(fig.get_figwidth() * 72 / (0.6 * fontsize))  # ~0.6 em a character
    fig.suptitle(textwrap.fill(text, max(20, characters)), fontsize=fontsize)


def _shared(ax: Any, name: str) -> list:
    group = ax.get_shared_x_axes() if name == "x" else ax.get_shared_y_axes()
    return [other for other in group.get_siblings(ax) if other is not ax]


def _tick_labels(ax: Any, name: str) -> list[str]:
    axis = ax.xaxis if name == "x" else ax.yaxis
    low, high = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())
    return [
        tick.label1.get_text() or tick.label2.get_text()
        for tick in axis.get_major_ticks()
        if (tick.label1.get_visible() or tick.label2.get_visible())
        and (tick.label1.get_text() or tick.label2.get_text())
        and low - 1e-12 * abs(low) <= tick.get_loc() <= high + 1e-12 * abs(high)
    ]


def figure_problems(fig: Any, *, draw: bool = True) -> list[str]:
    """What a reader would miss in ``fig``: more than 180 mm wide; an axis (of a visible
    axes, a colorbar's short side and the inner side of shared axes excepted) with no
    tick label inside its limits, or with no label; a title or axis label cut off at
    the figure's edge or drawn over another. ``draw=False`` for a figure just saved
    (tick labels are made when a figure is drawn)."""
    problems = []
    width_mm = fig.get_figwidth() * MM_PER_INCH
    if width_mm > MAX_WIDTH_MM + 0.5:
        problems.append(f"{width_mm:.0f} mm wide (at most {MAX_WIDTH_MM:.0f})")
    if draw:
        fig.canvas.draw()
    for ax in fig.axes:
        if not ax.get_visible() or not ax.axison:
            continue
        name_of_axes = ax.get_title() or ax.get_ylabel() or ax.get_xlabel() or "an axes"
        colorbar = getattr(ax, "_colorbar", None)
        for name in ("x", "y"):
            axis = ax.xaxis if name == "x" else ax.yaxis
            if not axis.get_visible():
                continue
            if colorbar is not None and name != (
                "y" if colorbar.orientation == "vertical" else "x"
            ):
                continue
            labelled = _tick_labels(ax, name) or any(
                _tick_labels(o, name) for o in _shared(ax, name)
            )
            if not labelled:
                problems.append(f"{name_of_axes!r}: no {name} tick labels")
            titled = axis.get_label_text() or any(
                (o.xaxis if name == "x" else o.yaxis).get_label_text() for o in _shared(ax, name)
            )
            if not titled and colorbar is None:
                problems.append(f"{name_of_axes!r}: the {name} axis has no label")
            elif colorbar is not None and not axis.get_label_text():
                problems.append(f"{name_of_axes!r}: the colour bar has no label")
    return problems + _text_problems(fig)


def _labels(fig: Any) -> list[Any]:
    """The figure's titles and its visible axes' labels and titles (non-empty)."""
    texts = [fig._suptitle] if getattr(fig, "_suptitle", None) is not None else []
    for ax in fig.axes:
        if ax.get_visible() and ax.axison:
            texts += [ax.xaxis.label, ax.yaxis.label, ax.title, ax._left_title, ax._right_title]
    return [t for t in texts if t.get_visible() and t.get_text().strip()]


def _text_problems(fig: Any) -> list[str]:
    """Titles and axis labels cut off at the figure's edge or drawn over one another
    (more than 2 pixels each way)."""
    renderer = fig.canvas.get_renderer()
    edge = fig.bbox
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in _labels(fig)]
    problems = [
        f"{name!r} is cut off at the figure's edge"
        for name, box in boxes
        if box.x0 < edge.x0 - 1 or box.y0 < edge.y0 - 1 or box.x1 > edge.x1 + 1
        or box.y1 > edge.y1 + 1
    ]  # fmt: skip
    for index, (name, box) in enumerate(boxes):
        for other, other_box in boxes[index + 1 :]:
            wide = min(box.x1, other_box.x1) - max(box.x0, other_box.x0)
            high = min(box.y1, other_box.y1) - max(box.y0, other_box.y0)
            if wide > 2 and high > 2:
                problems.append(f"{name!r} and {other!r} are drawn over one another")
    return problems


def save_figure(fig: Any, path: Path | Any, *, dpi: int = DPI) -> None:
    """Write ``fig`` to ``path`` (PNG) at ``dpi``, warning of each of its
    :func:`figure_problems`."""
    fig.set_dpi(dpi)  # the checks read what savefig drew, in its pixels
    fig.savefig(path, dpi=dpi)
    for problem in figure_problems(fig, draw=False):
        warnings.warn(f"{path}: {problem}", FigureWarning, stacklevel=2)


def readable_log_axis(ax: Any, name: str = "y") -> None:
    """A log-scaled axis whose ticks are labelled however narrow its range: at 1, 2 and 5
    times each decade, or at every integer multiple where the data stay inside one
    decade, written as plain numbers (0.3, not 3×10⁻¹)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    axis = ax.xaxis if name == "x" else ax.yaxis
    (ax.set_xscale if name == "x" else ax.set_yscale)("log")
    low, high = sorted(ax.get_xlim() if name == "x" else ax.get_ylim())
    decades = np.log10(high / low) if low > 0 else np.inf
    subs = (1.0, 2.0, 5.0) if decades >= 1.0 else tuple(np.arange(1.0, 10.0))
    if decades < 0.3:
        subs = tuple(np.arange(1.0, 10.0, 0.5))
    axis.set_major_locator(LogLocator(base=10, subs=subs, numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.3g}"))
    axis.set_minor_locator(NullLocator())


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Running mean over ``window`` iterations (shorter at the start)."""
    values = np.asarray(values, float)
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[np.arange(1, len(values) + 1) - counts]) / counts


def plot_band(axis, x, mean, sem, colour=None, label=None, style="-"):
    """A mean line with a shaded ± s.e.m. band; returns the line."""
    (line,) = axis.plot(x, mean, style, color=colour, label=label)
    axis.fill_between(x, mean - sem, mean + sem, color=line.get_color(), alpha=0.2, linewidth=0)
    return line


def plot_learning_curves(
    runs: Mapping[str, Sequence[Mapping[str, float]]], path: Path | Any, *, title: str
) -> None:
    """Loss (log axis, labelled ticks) and accuracy where present against iteration, one
    line per run: each iteration's batch (faint) and its running mean over 5 % of the
    run; held-out evaluations as dots where the run has them."""
    has_accuracy = any("accuracy" in rows[0] for rows in runs.values() if rows)
    width = 7.0 if has_accuracy else 4.2
    fig = figure(width, 3.0)
    axes = np.atleast_1d(fig.subplots(1, 2 if has_accuracy else 1))
    for label, rows in runs.items():
        iterations = [row["iteration"] for row in rows]
        window = max(1, len(rows) // 20)
        losses = [row["loss"] for row in rows]
        line = axes[0].plot(iterations, losses, alpha=0.25)[0]
        axes[0].plot(iterations, smooth(losses, window), color=line.get_color(), label=label)
        held = [
            (row["iteration"], row)
            for row in rows
            if np.isfinite(row.get("validation_loss", np.nan))
        ]
        if held:
            axes[0].plot([i for i, _ in held], [r["validation_loss"] for _, r in held], "o",
                         ms=3, color=line.get_color(), label=f"{label}, held-out")  # fmt: skip
        if has_accuracy and rows and "accuracy" in rows[0]:
            axes[1].plot(iterations, smooth([row["accuracy"] for row in rows], window),
                         color=line.get_color(), label=label)  # fmt: skip
    axes[0].set(xlabel="iteration", ylabel="loss (faint: per batch)")
    axes[0].set_title(title, fontsize=10)
    readable_log_axis(axes[0])
    axes[0].legend(frameon=False, fontsize=8)
    if has_accuracy:
        axes[1].set(xlabel="iteration", ylabel="accuracy (running mean)", ylim=(0, 1.02))
        axes[1].axhline(0.5, color="grey", lw=0.8, ls=":", label="0.5")
        axes[1].legend(frameon=False, fontsize=8, loc="lower right")
    save_figure(fig, path, dpi=DPI)
