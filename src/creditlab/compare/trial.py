"""One trial of a comparison: a pure ``spec -> record`` function, run by a Ray worker.

The record (JSON-ready) holds, per seed, the loss and accuracy curves, the final loss and
accuracy (the mean of the last 10 held-out evaluations where the config evaluates,
``evaluate_every``, as Liu et al. 2021 measure; else of the training batches' over the
last 10 % of iterations; ``final_measured_on`` says which), the iterations needed to bring the
loss (averaged over a 10-iteration window) below ``threshold`` × its initial value, and
the cosine between the rule's expected update and BPTT's exact gradient
(:func:`creditlab.analysis.gradient_alignment`, ``alignment_draws`` noise draws on one
batch) at the initial and at the final weights. Also the trial's training time (over all
its sittings, where it went on from a checkpoint), its wall time and the peak
resident memory of the process that ran it (Ray reuses workers, so this is an upper
bound for the trial). An exception propagates: the runner records it as a failed trial.
Given a checkpoint path, the seeds are saved there every five minutes and a trial that
finds one goes on from it (:class:`creditlab.seeds.Checkpointing`): the same record as
an uninterrupted trial, but for wall times.
"""

from __future__ import annotations

import platform
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np

from creditlab.analysis import gradient_alignment
from creditlab.build import build_objective
from creditlab.compare.plan import TrialSpec
from creditlab.config import make_config
from creditlab.evaluation import last_evaluations
from creditlab.plugins import load_plugins
from creditlab.seeds import BATCHINGS, Checkpointing, train_seeds
from creditlab.train import training_parts


def trial_config(spec: TrialSpec) -> Any:
    fields: dict[str, Any] = {
        "task": spec.task,
        "rule": spec.rule,
        "iterations": spec.iterations,
        "learning_rate": spec.learning_rate,
        "checkpoint_every": max(spec.iterations, 1),
    }
    if spec.batch is not None:
        fields["batch"] = spec.batch
    if spec.n_rec is not None:
        fields["network"] = {"n_rec": spec.n_rec}
    return make_config(**fields)


HELD_OUT = "the last 10 evaluations on fresh trials"
TRAINING = "the training batches of the last 10 % of iterations"


def tail_mean(values: list[float]) -> float:
    """Mean of the last 10 % (at least one) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    return float(np.mean(values[-max(1, len(values) // 10) :]))


def iterations_to_threshold(losses: list[float], threshold: float, window: int = 10) -> float:
    """First iteration whose trailing ``window``-mean loss is ≤ threshold × the first loss
    (NaN if never)."""
    if not losses:
        return float("nan")
    smoothed = np.convolve(losses, np.ones(window) / window, mode="full")[: len(losses)]
    smoothed /= np.minimum(np.arange(1, len(losses) + 1), window) / window
    below = np.flatnonzero(smoothed <= threshold * losses[0])
    return float(below[0]) if below.size else float("nan")


def alignment_with_bptt(config: Any, draws: int) -> Callable[..., np.ndarray]:
    """``(networks, states, seeds) -> [K]`` cos(E[rule update], BPTT gradient) for each
    seed's network and weights, compiled once."""
    if config.rule == "bptt":
        return lambda networks, states, seeds: np.ones(len(seeds))
    parts = training_parts(config)
    objective = build_objective(config, parts.task)

    def one(network: Any, state: Any, seed: Any) -> jax.Array:
        k_trials, k_noise = jax.random.split(jax.random.fold_in(jax.random.key(7), seed))
        trials = parts.task.sample(k_trials, config.batch)
        alignment = gradient_alignment(
            parts.rule_for(network),
            network,
            objective,
            state.params,
            state.rule_state,
            trials,
            key=k_noise,
            draws=draws,
        )
        return alignment.cosine

    compiled = jax.jit(jax.vmap(one))

    def cosines(networks: Any, states: Any, seeds: list[int]) -> np.ndarray:
        return np.asarray(compiled(networks, states, np.asarray(seeds, np.uint32)), dtype=float)

    return cosines


def run_trial(spec_fields: dict, checkpoint: str | None = None) -> dict:
    """Train ``spec``'s seeds and measure them (module docstring), on from
    ``checkpoint`` where that file exists."""
    spec = TrialSpec(**spec_fields)
    load_plugins(spec.plugins)  # a worker runs the users' rule files first
    config = trial_config(spec)
    start = time.perf_counter()
    seeds = list(spec.seeds)
    saving = None if checkpoint is None else Checkpointing(Path(checkpoint))
    result = train_seeds(config, seeds, batching=BATCHINGS[spec.batching], checkpoint=saving)
    train_s = result.earlier_sittings_s + time.perf_counter() - start
    cosines = alignment_with_bptt(config, spec.alignment_draws)
    cos_start = cosines(result.networks, result.initial_states, seeds)
    cos_end = cosines(result.networks, result.states, seeds)

    per_seed = []
    for i, seed in enumerate(seeds):
        rows = result.metrics[i]
        losses = [row["loss"] for row in rows]
        accuracy = [row["accuracy"] for row in rows if "accuracy" in row]
        held_out = last_evaluations(rows)
        final_accuracy = tail_mean(accuracy) if accuracy else None
        per_seed.append(
            {
                "seed": seed,
                "diverged": seed in result.diverged,
                "iterations_run": len(rows),
                "final_loss": held_out.get("validation_loss", tail_mean(losses)),
                "final_accuracy": held_out.get("validation_accuracy", final_accuracy),
                "final_measured_on": HELD_OUT if held_out else TRAINING,
                "iterations_to_threshold": iterations_to_threshold(losses, spec.threshold),
                "cosine_initial": float(cos_start[i]),
                "cosine_final": float(cos_end[i]),
                "loss_curve": losses,
                "accuracy_curve": accuracy or None,
            }
        )
    return {
        "trial_id": spec.trial_id,
        "spec": spec.model_dump(),
        "status": "ok",
        "seeds": per_seed,
        "train_wall_time_s": train_s,
        "wall_time_s": time.perf_counter() - start,
        "peak_memory_mb": _peak_rss_mb(),
        "host": platform.node(),
    }


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024
