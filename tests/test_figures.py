"""Figures a reader can read: every axis has tick labels inside its limits and a label,
a log axis is labelled even inside one decade, and no figure is wider than 180 mm. The
suite turns :class:`FigureWarning` into an error (pyproject.toml), so each figure a test
draws anywhere passes these checks; here they are shown to fail where they must."""

import warnings

import numpy as np
import pytest
from PIL import Image

from creditlab.report import (
    DPI,
    FigureWarning,
    figure,
    figure_problems,
    plot_learning_curves,
    readable_log_axis,
    save_figure,
)


def rows(losses, accuracy=None):
    out = [{"iteration": i, "loss": float(v)} for i, v in enumerate(losses)]
    for row, value in zip(out, accuracy if accuracy is not None else [], strict=False):
        row["accuracy"] = float(value)
    return out


def test_a_loss_inside_one_decade_gets_numbered_ticks(tmp_path) -> None:
    losses = np.linspace(0.69, 0.55, 40)  # the demo's range: between 0.5 and 0.7
    runs = {"bptt": rows(losses, np.linspace(0.5, 0.9, 40)), "eprop": rows(losses + 0.01)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FigureWarning)
        plot_learning_curves(runs, tmp_path / "curves.png", title="evidence accumulation")
    width, _ = Image.open(tmp_path / "curves.png").size
    assert width <= 180 / 25.4 * DPI + 1


def test_the_checks_fail_where_they_must() -> None:
    fig = figure(8.0, 3.0)  # 203 mm
    ax = fig.subplots()
    ax.plot([1, 2], [0.6, 0.65])
    ax.set_yscale("log")
    ax.minorticks_off()  # what the learning curves did: no tick inside 0.6–0.65
    problems = figure_problems(fig)
    assert any("203 mm wide" in p for p in problems)
    assert any("no y tick labels" in p for p in problems)
    assert any("the x axis has no label" in p for p in problems)
    readable_log_axis(ax)
    ax.set(xlabel="iteration", ylabel="loss")
    assert figure_problems(fig) == ["203 mm wide (at most 180)"]


def test_a_figure_with_a_problem_warns_when_saved(tmp_path) -> None:
    fig = figure(4.0, 3.0)
    fig.subplots().plot([0, 1], [0, 1])
    with pytest.warns(FigureWarning, match="no label"):
        save_figure(fig, tmp_path / "bare.png")


def test_a_label_cut_off_or_drawn_over_another_is_caught() -> None:
    fig = figure(3.0, 2.0, layout=None)
    ax = fig.add_axes((0.02, 0.3, 0.9, 0.6))  # no room on the left for its label
    ax.plot([0, 1], [0, 1])
    ax.set(xlabel="time [s]", ylabel="rate [Hz]", title="first")
    over = fig.add_axes((0.02, 0.3, 0.9, 0.6))  # a second panel in the same place
    over.set(xlabel="time [s]", ylabel="rate [Hz]", title="second")
    problems = figure_problems(fig)
    assert "'rate [Hz]' is cut off at the figure's edge" in problems
    assert "'first' and 'second' are drawn over one another" in problems
    fixed = figure(3.0, 2.0)  # the constrained layout makes room and keeps them apart
    left, right = fixed.subplots(1, 2)
    for panel, name in ((left, "first"), (right, "second")):
        panel.plot([0, 1], [0, 1])
        panel.set(xlabel="time [s]", ylabel="rate [Hz]", title=name)
    assert figure_problems(fixed) == []
