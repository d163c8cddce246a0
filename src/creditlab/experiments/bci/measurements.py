"""What the experimenters measured, session by session, from an imaging session in the
NWB layout (:class:`creditlab.io.nwb.ImagingSession`), simulated or real.

``session_tables(session)`` reduces one mouse-day to four tables:

- ``daily``: one row, with accuracy, rewards per minute, trials, and the mean somatic
  transient rate [events/min] of P+, P− and P0.
- ``trials``: one row per trial, with success and time to target [s].
- ``neurons``: one row per neuron, with its population and its somatic and dendritic
  transient rates.
- ``events``: one row per somatic transient. Each row has the paired soma and dendrite
  sizes (peak ΔF/F0; :mod:`creditlab.analysis.residual`) and the context that the
  dendrite analyses need:
  - the trial the event falls in (−1 outside one);
  - its time relative to that trial's outcome [s] (reaching the target, or the time
    limit);
  - whether the error was falling or rising (smoothed angle rising or falling over the
    last second), in a trial;
  - the mean somatic ΔF/F0 of P+, P− and P0 at the onset: the "network activity".

The residuals themselves need every session of a neuron (one fit per neuron over all
days): see :func:`with_residuals`. :func:`block_tables` adds a session's block and
context; :func:`experiment_tables` joins every session's into the experiment's four
tables, for a simulation and for recordings (:mod:`.recordings`) alike.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from creditlab.analysis.events import detect_events, event_rate_per_minute
from creditlab.analysis.populations import activity_matched
from creditlab.analysis.residual import (
    PairedEvents,
    paired_event_sizes,
    somato_dendritic_residual,
)
from creditlab.io.nwb import ImagingSession


class SessionTables(NamedTuple):
    daily: pd.DataFrame
    trials: pd.DataFrame
    neurons: pd.DataFrame
    events: pd.DataFrame


def _running_mean(values: np.ndarray, window: int) -> np.ndarray:
    cumulative = np.cumsum(np.insert(np.nan_to_num(values), 0, 0.0))
    means = np.full(values.shape, np.nan)
    means[window - 1 :] = (cumulative[window:] - cumulative[:-window]) / window
    return means


def error_change(angle: np.ndarray, frame_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """``[frames]`` each, whether the error (distance to 90°) is falling or rising: the
    0.5 s mean angle is above or below that of the half second before it, on frames
    where a grating was shown throughout."""
    half = max(1, round(frame_rate_hz / 2))
    smooth = _running_mean(angle, half)
    shown = _running_mean(np.isfinite(angle).astype(float), 2 * half) == 1.0
    earlier = np.concatenate([np.full(half, np.nan), smooth[:-half]])
    return shown & (smooth > earlier), shown & (smooth < earlier)


def error_falling(angle: np.ndarray, frame_rate_hz: float) -> np.ndarray:
    """``[frames]``: whether the error is falling (:func:`error_change`)."""
    return error_change(angle, frame_rate_hz)[0]


def _trial_of_frame(session: ImagingSession, frames: int) -> np.ndarray:
    times = np.arange(frames) / session.frame_rate_hz
    trial = np.searchsorted(session.trial_start, times, side="right") - 1
    inside = (trial >= 0) & (times < session.trial_stop[np.maximum(trial, 0)])
    return np.where(inside, trial, -1)


def outcome_time(session: ImagingSession, time_limit_s: float = 28.0) -> np.ndarray:
    """When each trial ended [s from session start]: reaching the target, or the limit."""
    reached = np.nan_to_num(session.time_to_target, nan=time_limit_s)
    return session.trial_start + np.where(session.success, reached, time_limit_s)


def session_tables(session: ImagingSession, *, time_limit_s: float = 28.0) -> SessionTables:
    """The four tables of one session (module docstring)."""
    frames, n = session.soma.shape
    population = np.asarray(session.population, dtype=str)
    key = {"mouse": session.mouse, "day": session.day}
    soma_events = detect_events(session.soma)
    dendrite_events = detect_events(session.dendrite)
    soma_rate = event_rate_per_minute(soma_events, session.frame_rate_hz)
    dendrite_rate = event_rate_per_minute(dendrite_events, session.frame_rate_hz)

    minutes = frames / session.frame_rate_hz / 60.0
    finished = len(session.success)
    daily = {
        **key,
        "accuracy": float(np.mean(session.success)) if finished else np.nan,
        "rewards_per_min": float(np.sum(np.isfinite(session.reward_time))) / minutes,
        "trials": finished,
    }
    for label in ("P+", "P-", "P0"):
        daily[f"rate_{label}"] = float(np.mean(soma_rate[population == label]))

    trials = pd.DataFrame(
        {
            **key,
            "trial": np.arange(finished),
            "success": session.success.astype(bool),
            "time_to_target_s": session.time_to_target,
            "start_s": session.trial_start,
            "reward_time_s": session.reward_time,
        }
    )
    neurons = pd.DataFrame(
        {
            **key,
            "neuron": np.arange(n),
            "population": population,
            "rate_per_min": soma_rate,
            "dendrite_rate_per_min": dendrite_rate,
        }
    )

    paired = paired_event_sizes(soma_events, session.dendrite)
    trial_of_frame = _trial_of_frame(session, frames)
    trial = trial_of_frame[paired.frame]
    outcome = outcome_time(session, time_limit_s)
    since_outcome = np.where(
        trial >= 0, paired.frame / session.frame_rate_hz - outcome[np.maximum(trial, 0)], np.nan
    )
    falling, rising = (
        error_change(np.asarray(session.angle, float), session.frame_rate_hz)
        if session.angle is not None
        else (np.zeros(frames, bool), np.zeros(frames, bool))
    )
    network = {
        f"network_{label}": session.soma[:, population == label].mean(axis=1)[paired.frame]
        for label in ("P+", "P-", "P0")
    }
    events = pd.DataFrame(
        {
            **key,
            "neuron": paired.neuron,
            "population": population[paired.neuron],
            "frame": paired.frame,
            "soma": paired.soma,
            "dendrite": paired.dendrite,
            "trial": trial,
            "since_outcome_s": since_outcome,
            "error_falling": falling[paired.frame] & (since_outcome < 0),
            "error_rising": rising[paired.frame] & (since_outcome < 0),
            **network,
        }
    )
    return SessionTables(pd.DataFrame([daily]), trials, neurons, events)


def with_residuals(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` with a ``residual`` column: per mouse and neuron, one linear fit of
    dendritic on somatic event size over all its sessions."""
    out = events.copy()
    out["residual"] = np.nan
    for _, rows in out.groupby("mouse", sort=False):
        neuron = rows["neuron"].to_numpy()
        fit = somato_dendritic_residual(
            PairedEvents(
                neuron,
                rows["frame"].to_numpy(),
                rows["soma"].to_numpy(),
                rows["dendrite"].to_numpy(),
            ),
            int(neuron.max()) + 1,
        )
        out.loc[rows.index, "residual"] = fit.residual
    return out


def block_tables(
    session: ImagingSession, block: str, context: dict, time_limit_s: float = 28.0
) -> tuple[str, SessionTables]:
    """One session's tables with its ``block`` ("probe" or "training") and the daily
    ``context`` columns (chance_accuracy, inhibited, feedback_cosine, feedback_norm)."""
    reduced = session_tables(session, time_limit_s=time_limit_s)
    for name in ("daily", "trials"):
        getattr(reduced, name).insert(2, "block", block)
    for column, value in context.items():
        reduced.daily[column] = value
    return block, reduced


def experiment_tables(tables: list[tuple[str, SessionTables]]) -> SessionTables:
    """daily, trials, neurons, events of every session: daily and trials over all
    blocks, neurons and events (the residuals) over the training sessions."""
    daily, trials = (pd.concat([t[i] for _, t in tables], ignore_index=True) for i in range(2))
    training = [t for block, t in tables if block == "training"]
    if not training:
        raise ValueError("no training session: the analyses need at least one")
    neurons, events = (pd.concat([t[i] for t in training], ignore_index=True) for i in (2, 3))
    return SessionTables(daily, trials, with_matched(neurons), with_residuals(events))


def with_matched(neurons: pd.DataFrame) -> pd.DataFrame:
    """Mark the P0 neurons whose day-1 rates match the control neurons' (``matched``)."""
    neurons = neurons.copy()
    neurons["matched"] = False
    first = neurons["day"].min()
    for mouse, rows in neurons[neurons["day"] == first].groupby("mouse", sort=False):
        chosen = activity_matched(rows["rate_per_min"].to_numpy(), rows["population"].to_numpy())
        picked = rows["neuron"].to_numpy()[chosen]
        neurons.loc[(neurons["mouse"] == mouse) & neurons["neuron"].isin(picked), "matched"] = True
    return neurons
