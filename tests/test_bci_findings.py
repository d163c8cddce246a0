"""The BCI findings and session measurements on synthetic tables whose answers are known:
each test passes on data built to show the finding and fails on data built not to."""

import numpy as np
import pandas as pd

from creditlab.experiments.bci.findings import (
    inhibition_impairs,
    learns,
    residual_outcome,
    residual_predicts_change,
    residual_sign,
    sparsification,
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


def events(sign_plus: float, sign_minus: float, outcome_coded: bool) -> tuple:
    """Events of control neurons: residuals with the given sign while the error falls,
    and (if ``outcome_coded``) larger P+ residuals before a failure."""
    rows, trials = [], []
    for m in range(MICE):
        for d in range(1, DAYS + 1):
            for trial in range(30):
                success = rng.random() < 0.5
                trials.append({"mouse": m, "day": d, "trial": trial, "success": success})
                for neuron, label in enumerate(["P+"] * 4 + ["P-"] * 4):
                    sign = sign_plus if label == "P+" else sign_minus
                    coded = 0.05 * (not success) * (1 if label == "P+" else -1) * outcome_coded
                    rows.append(
                        {
                            "mouse": m,
                            "day": d,
                            "neuron": neuron,
                            "population": label,
                            "trial": trial,
                            "since_outcome_s": -1.0,
                            "error_falling": True,
                            "residual": sign * 0.03 + coded + rng.normal(0, 0.1),
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


def test_residual_predicts_later_change() -> None:
    table, _ = events(1.0, -1.0, outcome_coded=False)
    early = table.groupby(["mouse", "neuron"]).residual.mean()
    rows = []
    for (m, neuron), residual in early.items():
        for d in range(1, DAYS + 1):
            rate = 10 * np.exp(20 * residual * (d - 1) / DAYS) * rng.normal(1, 0.02)
            rows.append(
                {
                    "mouse": m,
                    "day": d,
                    "neuron": neuron,
                    "rate_per_min": rate,
                    "population": "P+" if neuron < 4 else "P-",
                }
            )
    assert residual_predicts_change(table, pd.DataFrame(rows)).reproduced
    shuffled = pd.DataFrame(rows)
    shuffled["rate_per_min"] = rng.permutation(shuffled.rate_per_min.to_numpy())
    assert not residual_predicts_change(table, shuffled).reproduced


def test_inhibition_impairs_compares_the_same_mice() -> None:
    control, impaired = daily(0.08), daily(0.01)
    assert inhibition_impairs(control, impaired).reproduced
    assert not inhibition_impairs(control, daily(0.08)).reproduced
    lower = daily(0.08)
    lower["accuracy"] -= 0.2  # worse every day, but learning just as fast
    assert not inhibition_impairs(control, lower).reproduced


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
    falling = error_falling(angle, 15.0)
    assert falling[50:290].all() and not falling[420:700].any()
