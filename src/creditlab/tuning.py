"""Tuning hyperparameters with one declared budget: the same search for every rule.

The search is coordinate-wise. Each hyperparameter in turn (in the order given) is
swept over ``candidates`` values log-spaced across ``decades`` around its default, the
ones before it held at their best so far and the ones after at their defaults. Then
``rounds − 1`` further rounds of the same size follow, for every rule and every
hyperparameter:

- shifted by ``decades`` past the edge where the best candidate lay at an edge;
- else centred on the best.

So no rule gets more tries than another. The best over all rounds is kept, and the
next hyperparameter is swept with it.

Candidates are ranked by a :class:`Score` (a primary criterion, and a secondary one
that decides only among exact ties of the primary, e.g. a saturated accuracy).
Remaining ties go to the candidate nearest the default in log space. A flat score is
no evidence, so it moves nothing. NaN ranks last.

An experiment supplies ``evaluate``: candidates (dicts of hyperparameter values) in,
one :class:`Score` each out, so it may run a round's candidates in parallel.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd


class Budget(NamedTuple):
    """Candidates per hyperparameter and round, the decades they span, the rounds."""

    candidates: int = 5
    decades: float = 2.0
    rounds: int = 2


class Score(NamedTuple):
    """A candidate's criterion; ``secondary`` breaks exact ties of ``primary``."""

    primary: float
    secondary: float = 0.0


class Tried(NamedTuple):
    """One evaluated candidate: the swept hyperparameter, its round and value, every
    hyperparameter's value in that run (``setting``), and its score."""

    hyperparameter: str
    round: int
    value: float
    default: float
    setting: dict[str, float]
    score: Score


Evaluate = Callable[[list[dict[str, float]]], list[Score]]
DECLARED_BUDGET = Budget()
# Calibration animals are seeds CALIBRATION_SEED + k; an evaluation with a tuning must
# use seeds below it, so no tuned number is measured on the animals it was tuned on.
CALIBRATION_SEED = 1_000_000


def check_evaluation_seed(seed: int, tuned: bool) -> None:
    """Refuse an evaluation that reads a tuning (``tuned``) on calibration animals
    (``seed`` ≥ CALIBRATION_SEED)."""
    if tuned and seed >= CALIBRATION_SEED:
        raise ValueError(
            f"seed {seed} is a calibration seed (≥ {CALIBRATION_SEED}: the animals the "
            "shipped tuning was chosen on); evaluate on a lower seed, or set tuned=False"
        )


def grid(centre: float, budget: Budget) -> np.ndarray:
    """``candidates`` values log-spaced over ``decades`` centred on ``centre``."""
    half = budget.decades / 2
    return centre * 10.0 ** np.linspace(-half, half, budget.candidates)


def best_index(values: np.ndarray, scores: list[Score], reference: float) -> int:
    """The best candidate: highest primary, then highest secondary (NaN lowest), then
    nearest ``reference`` in log space."""

    def rank(index: int) -> tuple[float, float, float]:
        primary, secondary = scores[index]
        distance = abs(np.log10(values[index] / reference))
        return (
            -np.inf if np.isnan(primary) else primary,
            -np.inf if np.isnan(secondary) else secondary,
            -distance,
        )

    return max(range(len(values)), key=rank)


def next_centre(values: np.ndarray, scores: list[Score], budget: Budget) -> float:
    """The next round's centre: ``decades`` past the edge where the best lay at an edge,
    else the best (ties counted from this round's middle, so a flat score stays put)."""
    middle = float(np.sqrt(values[0] * values[-1]))
    best = best_index(values, scores, middle)
    if best == 0:
        return float(values[0] / 10.0 ** (budget.decades / 2))
    if best == len(values) - 1:
        return float(values[-1] * 10.0 ** (budget.decades / 2))
    return float(values[best])


def search(
    defaults: Mapping[str, float],
    evaluate: Evaluate,
    budget: Budget = DECLARED_BUDGET,
    upper: Mapping[str, float] | None = None,
) -> tuple[list[Tried], dict[str, float]]:
    """Every candidate tried and the chosen values (module docstring). ``upper`` caps a
    hyperparameter's candidates (a rate in (0, 1])."""
    upper = upper or {}
    chosen = dict(defaults)
    tried: list[Tried] = []
    for name, default in defaults.items():
        centre, seen_values, seen_scores = default, [], []
        for round_ in range(1, budget.rounds + 1):
            values = np.minimum(grid(centre, budget), upper.get(name, np.inf))
            settings = [{**chosen, name: float(value)} for value in values]
            scores = [Score(*map(float, score)) for score in evaluate(settings)]
            tried += [
                Tried(name, round_, float(value), default, setting, score)
                for value, setting, score in zip(values, settings, scores, strict=True)
            ]
            seen_values += list(values)
            seen_scores += scores
            centre = next_centre(values, scores, budget)
        everything = np.array(seen_values)
        chosen[name] = float(everything[best_index(everything, seen_scores, default)])
    return tried, chosen


class Search(NamedTuple):
    """One rule's search: its name, feedback origin (``"-"`` for none), the tuned
    hyperparameters' defaults and the evaluation of its settings."""

    rule: str
    feedback: str
    defaults: dict[str, float]
    evaluate: Evaluate


def reported(one: Search, on_candidate: Callable[[dict], None] | None) -> Evaluate:
    """``one``'s evaluation, each scored candidate also passed to ``on_candidate``."""
    if on_candidate is None:
        return one.evaluate

    def evaluate(settings: list[dict[str, float]]) -> list[Score]:
        scores = one.evaluate(settings)
        for setting, score in zip(settings, scores, strict=True):
            row = {"rule": one.rule, "feedback": one.feedback, **setting}
            on_candidate(row | {"score": score.primary, "area": score.secondary})
        return scores

    return evaluate


def run_searches(
    searches: list[Search],
    budget: Budget,
    cohort_seed: int,
    upper: Mapping[str, float],
    on_candidate: Callable[[dict], None] | None = None,
) -> tuple[list[dict], list[dict]]:
    """Every candidate of every search (one row each: rule, feedback, hyperparameter,
    round, value, default, setting, seed, score, area, best) and the chosen values (the
    tuning table's rows, :mod:`creditlab.tuning_table`); ``on_candidate`` gets each
    candidate's row as soon as it is scored."""
    rows, chosen_rows = [], []
    label = f"{budget.candidates}x{budget.decades:g}dec x{budget.rounds}"
    for one in searches:
        tried, chosen = search(one.defaults, reported(one, on_candidate), budget, upper)
        names = {"rule": one.rule, "feedback": one.feedback}
        rows += [
            names
            | {
                "hyperparameter": candidate.hyperparameter,
                "round": candidate.round,
                "value": candidate.value,
                "default": candidate.default,
                "setting": ", ".join(f"{k}={v:.3g}" for k, v in candidate.setting.items()),
                "seed": cohort_seed,
                "score": candidate.score.primary,
                "area": candidate.score.secondary,
                "best": candidate.value == chosen[candidate.hyperparameter],
            }
            for candidate in tried
        ]
        chosen_rows += [
            names
            | {"hyperparameter": name, "value": value}
            | {"cohort_seed": cohort_seed, "budget": label}
            for name, value in chosen.items()
        ]
    return rows, chosen_rows


def plot_tuning(table: pd.DataFrame, path: Path, criterion: str) -> None:
    """Score against each hyperparameter's candidates (log axis), one panel per rule and
    feedback origin (``criterion``: the y label); each chosen value is filled."""
    from creditlab.report import figure, save_figure

    groups = list(table.groupby(["rule", "feedback"], sort=False))
    columns = min(2, len(groups))
    lines = -(-len(groups) // columns)
    fig = figure(3.5 * columns, 2.6 * lines)
    axes = np.atleast_1d(fig.subplots(lines, columns, squeeze=False)).ravel()
    for axis, ((rule, origin), rows) in zip(axes, groups, strict=False):
        for index, (name, swept) in enumerate(rows.groupby("hyperparameter", sort=False)):
            colour = f"C{index}"
            relative = swept.value / swept.default
            axis.plot(relative, swept.score, "o", mfc="none", color=colour, label=name)
            best = swept[swept.best]
            axis.plot(best.value / best.default, best.score, "o", color=colour)
        title = rule if origin == "-" else f"{rule}, {origin}"
        axis.set(xscale="log", xlabel="candidate / untuned default", title=title)
        axis.set_ylabel(textwrap.fill(criterion, 28))  # a long criterion on two lines
        axis.axhline(0.0, color="#7f7f7f", lw=0.5)
        axis.legend(frameon=False, fontsize=7)
    for axis in axes[len(groups) :]:
        axis.set_visible(False)
    save_figure(fig, path)


def write_tuning(directory: Path, table: pd.DataFrame, chosen: pd.DataFrame, criterion: str) -> str:
    """``tuning.parquet`` (every candidate), ``tuned.csv`` (the chosen values),
    ``tuning.png``, ``tuning.md`` and ``tuning.html``; returns the chosen values as a
    Markdown table. ``criterion``: what the score is (the figure's y label)."""
    from creditlab.report import frame_markdown, write_markdown_page
    from creditlab.tuning_table import write_tuned

    directory = Path(directory)
    table.to_parquet(directory / "tuning.parquet", index=False)
    write_tuned(chosen, directory / "tuned.csv")
    plot_tuning(table, directory / "tuning.png", criterion)
    chosen_table = frame_markdown(chosen)
    budget = DECLARED_BUDGET
    text = (
        "# Tuning on calibration animals\n\n"
        f"Every rule had the same budget: {budget.candidates} candidates per hyperparameter "
        f"across {budget.decades:g} decades around its default, {budget.rounds} rounds, one "
        f"hyperparameter at a time. Score: {criterion}, on calibration animals (seeds "
        f"from {CALIBRATION_SEED:,}) that no evaluation uses. Chosen values:\n\n"
        f"{chosen_table}\n\n![tuning](tuning.png)\n"
    )
    (directory / "tuning.md").write_text(text)
    how = (
        "One panel per rule (and origin of its feedback B). x: a candidate's value as a "
        "multiple of the rule's untuned default (log axis); y: its score, "
        f"{criterion} (grey line: 0). One colour per hyperparameter; open circles: every "
        "candidate tried, filled: the one chosen. A flat row of circles means the score "
        "did not depend on that hyperparameter, and its default was kept."
    )
    write_markdown_page(directory / "tuning.md", how={"tuning.png": how})
    return chosen_table
