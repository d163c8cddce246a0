"""The BCI findings and session measurements on synthetic tables whose answers are known:
each test passes on data built to show the finding and fails on data built not to."""

import re

import numpy as np
import pandas as pd
import pytest

from creditlab.analysis.statistics import holm
from creditlab.experiments.bci.findings import (
    alternates,
    inhibition_impairs,
    inhibition_impairs_within,
    learns,
    residual_outcome,
    residual_predicted,
    residual_predicts_change,
    residual_sign,
    sparsification,
    with_holm,
)
from creditlab.experiments.bci.measurements import error_falling, session_tables
from creditlab.io.nwb import ImagingSession

MICE, DAYS = 6, 6
rng = np.random.default_rng(0)


def daily(slope: float) -> pd.DataFrame:
    rows = [
        {"mouse": m, "day": d, "accuracy": 0.3 + slope * d + rng.normal(0, 0.02)}
        for m in range(MICE)
        for d in range(1, DAYS + 1)
    ]
    return pd.DataFrame(rows)


def test_learning_over_days_is_detected_only_when_accuracy_rises() -> None:
    assert learns(daily(0.08)).reproduced
    assert not learns(daily(0.0)).reproduced
    assert not learns(daily(-0.05)).reproduced
    found = learns(daily(0.08))
    assert found.low < found.value < found.high and found.minimum == 0.05


def test_a_rule_that_learns_within_the_first_session_is_reported_as_learning() -> None:
    # Probe accuracy jumps between day 1's probe and day 2's, then stays: the early third
    # already holds learned days, so late − early is ~0, yet the rule has learned.
    rows = [
        {"mouse": m, "day": d, "block": "probe",
         "accuracy": (0.25 if d == 1 else 0.8) + rng.normal(0, 0.02)}
        for m in range(MICE) for d in range(1, DAYS + 1)
    ]  # fmt: skip
    found = learns(pd.DataFrame(rows))
    assert found.reproduced and "within the first session" in found.detail
    flat = pd.DataFrame(rows).assign(accuracy=lambda t: 0.25 + rng.normal(0, 0.02, len(t)))
    assert not learns(flat).reproduced


def test_holm_correction_decides_the_column() -> None:
    found = [learns(daily(0.0))._replace(p=0.03, effect_ok=True) for _ in range(3)]
    assert with_holm(found[:1])[0].reproduced  # alone, p = 0.03 passes
    assert not any(f.reproduced for f in with_holm(found))  # Holm: 0.09 each
    expected = [0.03, 0.06, np.nan, 0.06]
    assert holm([0.01, 0.04, np.nan, 0.03]) == pytest.approx(expected, nan_ok=True)


def neurons(plus: float, minus: float) -> pd.DataFrame:
    rows = []
    for m in range(MICE):
        for neuron, label in enumerate(["P+"] * 5 + ["P-"] * 5 + ["P0"] * 20):
            start = rng.uniform(8, 20)
            factor = {"P+": plus, "P-": minus, "P0": 1.0}[label]
            for d in range(1, DAYS + 1):
                fraction = (d - 1) / (DAYS - 1)
                rate = start * (1 + (factor - 1) * fraction) * rng.normal(1, 0.03)
                rows.append(
                    {
                        "mouse": m,
                        "day": d,
                        "neuron": neuron,
                        "population": label,
                        "rate_per_min": rate,
                        "matched": label == "P0" and neuron < 20,
                    }
                )
    return pd.DataFrame(rows)


def test_sparsification_needs_p_minus_down_and_p_plus_kept() -> None:
    found = sparsification(neurons(plus=1.0, minus=0.5))
    assert found.reproduced and found.value > 0.3
    assert not sparsification(neurons(plus=1.0, minus=1.0)).reproduced
    assert not sparsification(neurons(plus=1.8, minus=0.5)).reproduced  # P+ not kept
    assert not sparsification(neurons(plus=1.3, minus=0.5)).reproduced  # beyond the margin
    assert sparsification(neurons(plus=1.1, minus=0.5)).reproduced  # within ±25 %


def events(
    sign_plus: float,
    sign_minus: float,
    outcome_coded: bool,
    rising_sign: float = 0.0,
    network_coded: bool = False,
) -> tuple:
    """Events of control neurons in trials: residuals with the given signs while the
    error falls (``rising_sign`` × those signs while it rises), larger P+ residuals
    before a failure (if ``outcome_coded``), and network activity that predicts the
    residual (if ``network_coded``; else independent of it)."""
    rows, trials = [], []
    for m in range(MICE):
        for d in range(1, DAYS + 1):
            for trial in range(30):
                success = rng.random() < 0.5
                trials.append({"mouse": m, "day": d, "trial": trial, "success": success})
                for neuron, label in enumerate(["P+"] * 4 + ["P-"] * 4):
                    falling = rng.random() < 0.5
                    sign = sign_plus if label == "P+" else sign_minus
                    sign = sign if falling else rising_sign * sign
                    coded = 0.05 * (not success) * (1 if label == "P+" else -1) * outcome_coded
                    network = rng.normal(0, 1, 3)
                    drive = 0.05 * network[0] if network_coded else 0.0
                    rows.append(
                        {
                            "mouse": m,
                            "day": d,
                            "neuron": neuron,
                            "population": label,
                            "trial": trial,
                            "since_outcome_s": -1.0,
                            "error_falling": falling,
                            "error_rising": not falling,
                            "network_P+": network[0],
                            "network_P-": network[1],
                            "network_P0": network[2],
                            "residual": sign * 0.03 + coded + drive + rng.normal(0, 0.1),
                        }
                    )
    return pd.DataFrame(rows), pd.DataFrame(trials)


def test_residual_sign_and_outcome() -> None:
    vectorized, trials = events(1.0, -1.0, outcome_coded=True)
    assert residual_sign(vectorized).reproduced
    assert residual_outcome(vectorized, trials).reproduced
    broadcast, trials = events(1.0, 1.0, outcome_coded=False)
    assert not residual_sign(broadcast).reproduced
    assert not residual_outcome(broadcast, trials).reproduced


def test_residual_sign_must_not_hold_while_the_error_rises() -> None:
    tied, _ = events(1.0, -1.0, outcome_coded=False, rising_sign=-1.0)
    assert residual_sign(tied).reproduced
    everywhere, _ = events(1.0, -1.0, outcome_coded=False, rising_sign=1.0)
    assert not residual_sign(everywhere).reproduced  # the sign ignores the error


def test_network_activity_predicts_the_residual_only_beyond_a_shuffled_null() -> None:
    coded, _ = events(1.0, -1.0, outcome_coded=False, network_coded=True)
    found = residual_predicted(coded)
    assert found.reproduced and found.value > found.minimum
    uncoded, _ = events(1.0, -1.0, outcome_coded=False)
    assert not residual_predicted(uncoded).reproduced


def change_table(level: dict, coupled: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events whose neurons each have their own residual level, and rates that change
    with that level (``coupled``) or only with the population (P+ up, P− down)."""
    rows, rates = [], []
    for m in range(MICE):
        for neuron in range(10):
            label = "P+" if neuron < 5 else "P-"
            own = level[label] + rng.normal(0, 0.03)
            for d in range(1, DAYS + 1):
                for _ in range(20):
                    rows.append(
                        {"mouse": m, "day": d, "neuron": neuron, "population": label,
                         "since_outcome_s": -1.0, "residual": own + rng.normal(0, 0.05)}
                    )  # fmt: skip
                drift = own if coupled else level[label]
                rate = 10 * np.exp(10 * drift * (d - 1) / DAYS) * rng.normal(1, 0.02)
                rates.append(
                    {"mouse": m, "day": d, "neuron": neuron, "population": label,
                     "rate_per_min": rate}
                )  # fmt: skip
    return pd.DataFrame(rows), pd.DataFrame(rates)


def test_residual_predicts_later_change_within_each_population_not_only_pooled() -> None:
    levels = {"P+": 0.05, "P-": -0.05}
    assert residual_predicts_change(*change_table(levels, coupled=True)).reproduced
    pooled_only = residual_predicts_change(*change_table(levels, coupled=False))
    assert not pooled_only.reproduced
    pooled = float(re.search(r"pooled (-?[0-9.]+)", pooled_only.detail).group(1))
    assert pooled > 0.5  # pooled over P+ and P−, the populations' drifts alone correlate


def test_inhibition_impairs_compares_the_same_mice() -> None:
    control, impaired = daily(0.08), daily(0.01)
    assert inhibition_impairs(control, impaired).reproduced
    assert not inhibition_impairs(control, daily(0.08)).reproduced
    lower = daily(0.08)
    lower["accuracy"] -= 0.2  # worse every day, but learning just as fast
    assert not inhibition_impairs(control, lower).reproduced


def alternating(gain_off, gain_on, days: int = 10, counterbalanced: bool = True):
    """Probe accuracy rising by ``gain_off(day)`` after a session without inhibition and
    ``gain_on(day)`` after one with it, with noise; inhibition on alternate days, starting
    on day 1 in odd mice when ``counterbalanced``, else on day 2 in every mouse."""
    rows = []
    for m in range(MICE):
        accuracy = 0.25
        for d in range(1, days + 1):
            on = (d + (m if counterbalanced else 0)) % 2 == 0
            rows.append(
                {
                    "mouse": m,
                    "day": d,
                    "block": "probe",
                    "inhibited": False,
                    "accuracy": accuracy + rng.normal(0, 0.005),
                }
            )
            rows.append(
                {"mouse": m, "day": d, "block": "training", "inhibited": on, "accuracy": accuracy}
            )
            accuracy = min(1.0, accuracy + (gain_on(d) if on else gain_off(d)))
    return pd.DataFrame(rows)  # fmt: skip


def steady(gain: float):
    return lambda day: gain


def test_inhibition_impairs_within_mice_on_the_days_it_is_on() -> None:
    impaired = alternating(steady(0.06), steady(0.0))
    assert alternates(impaired)
    found = inhibition_impairs_within(impaired)
    assert found.reproduced and found.value == pytest.approx(0.06, abs=0.01)
    # learning as fast on inhibited days: must fail; so must inhibition that helps
    assert not inhibition_impairs_within(alternating(steady(0.03), steady(0.03))).reproduced
    assert not inhibition_impairs_within(alternating(steady(0.0), steady(0.06))).reproduced
    # a single condition's findings include it only when inhibition alternated
    uniform = alternating(steady(0.03), steady(0.03)).assign(inhibited=False)
    assert not alternates(uniform) and not alternates(daily(0.08))


def test_learning_in_the_first_session_alone_does_not_pass_as_impairment() -> None:
    # all learning in session 1, inhibited or not, then ceiling: counterbalanced, the
    # first session is inhibited in half the mice, so the test must fail
    first_only = lambda day: 0.6 if day == 1 else 0.0  # noqa: E731
    assert not inhibition_impairs_within(alternating(first_only, first_only)).reproduced
    # in the same order in every mouse, day 1 is never inhibited: the design would
    # pass by the order of the days, so it is not tested at all
    assert not alternates(alternating(first_only, first_only, counterbalanced=False))


def test_session_tables_count_trials_events_and_falling_error() -> None:
    frames, n = 900, 4
    soma = rng.normal(0, 0.02, (frames, n))
    soma[100:110, 0] += 0.5  # one transient on neuron 0, in the first trial
    soma[500:510, 0] += 0.5  # one in the second trial
    angle = np.full(frames, np.nan)
    angle[0:300] = np.linspace(0, 90, 300)  # rising: the error falls
    angle[400:700] = 30.0
    session = ImagingSession(
        mouse="m",
        day=1,
        frame_rate_hz=15.0,
        soma=soma,
        dendrite=soma.copy(),
        population=np.array(["P+", "P-", "P0", "P0"]),
        trial_start=np.array([0.0, 400 / 15]),
        trial_stop=np.array([350 / 15, 750 / 15]),
        success=np.array([True, False]),
        reward_time=np.array([21.0, np.nan]),
        time_to_target=np.array([20.0, np.nan]),
        angle=angle,
    )
    tables = session_tables(session)
    assert tables.daily.accuracy.iloc[0] == 0.5
    assert tables.daily.rewards_per_min.iloc[0] == 1.0
    found = tables.events[tables.events.neuron == 0]
    assert list(found.frame) == [100, 500] and list(found.trial) == [0, 1]
    assert found.error_falling.tolist() == [True, False]
    assert found.error_rising.tolist() == [False, False]
    falling = error_falling(angle, 15.0)
    assert falling[50:290].all() and not falling[420:700].any()
