"""Training a network with a rule: ``train(config) -> TrainResult``.

Each iteration samples a batch (from the run's seed), asks the rule for its update,
masks it, passes it through the optax optimizer, and projects the weights back onto the
allowed set (masks, Dale's law; DEEP R rewires here if configured). The whole iteration
is one jit-compiled function. With ``evaluate_every`` N, every N-th iteration's weights
are also scored on fresh trials (:mod:`creditlab.evaluation`): ``validation_loss`` and
``validation_accuracy`` in that iteration's metrics.

A run whose loss becomes NaN or infinite, or whose weights do (NaN voltages never spike,
so a spiking network's loss can stay finite), stops with :class:`Diverged`, keeping the
last parameters whose loss was finite and the metrics up to them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from creditlab.build import (
    build_network,
    build_objective,
    build_optimizer,
    build_rewiring,
    build_rule,
    build_task,
)
from creditlab.compilation import BackgroundCompile, run_traced_once
from creditlab.config import TrainConfig
from creditlab.evaluation import (
    evaluated_after,
    evaluation_key,
    make_evaluation,
    validation_row,
)
from creditlab.initialisation import initialise
from creditlab.io.checkpoint import METRICS, checkpoint_arrays, restore
from creditlab.io.run_directory import RunDirectory, load_checkpoint
from creditlab.memory import check_fits, compiled_bytes, tree_bytes
from creditlab.network import Network, Params, constrain, zero_absent_synapses
from creditlab.rewiring import DeepR
from creditlab.rules.base import Rule
from creditlab.tasks.base import Task


class Diverged(RuntimeError):
    """The loss or weights became NaN or infinite; ``metrics`` holds the rows up to then."""

    def __init__(self, message: str, metrics: list[dict[str, float]]) -> None:
        super().__init__(message)
        self.metrics = metrics


class TrainState(NamedTuple):
    """The weights, the optimizer's and the rule's state, and DEEP R's (or None)."""

    params: Params
    optimizer_state: Any
    rule_state: Any
    rewiring_state: Any = None


class TrainResult(NamedTuple):
    params: Params
    metrics: list[dict[str, float]]
    network: Network


StepFunction = Callable[[Network, TrainState, jax.Array], tuple[TrainState, dict]]


def make_train_step(
    task: Task,
    rule_for: Callable[[Network], Rule],
    optimizer: optax.GradientTransformation,
    batch: int,
    rewiring: DeepR | None = None,
) -> StepFunction:
    """One jit-compiled training iteration: ``(network, state, key) -> (state, metrics)``.

    ``rule_for(network)`` builds the rule. The network is an argument rather than a
    constant of the program, so one compiled step serves every network of the same
    shapes (for example seeds with different sparse masks). ``rewiring`` (DEEP R) acts
    after the optimizer step, with its own key (``fold_in(key, 2)``).
    """

    @jax.jit
    def train_step(network: Network, state: TrainState, key: jax.Array) -> tuple[TrainState, dict]:
        k_task, k_rule = jax.random.split(key)
        trials = task.sample(k_task, batch)
        updates, rule_state, metrics = rule_for(network).update(
            state.params, state.rule_state, trials, key=k_rule
        )
        updates = zero_absent_synapses(network, updates)
        steps, optimizer_state = optimizer.update(updates, state.optimizer_state, state.params)
        params = constrain(network, optax.apply_updates(state.params, steps))
        if rewiring is not None:
            rewire_key = jax.random.fold_in(key, 2)
            params = rewiring.update(state.params, params, state.rewiring_state, rewire_key)
        # a NaN or infinite weight makes the sum NaN or infinite (so do weights whose sum
        # overflows, diverged by any measure): one reduction per array, cheap to compile
        finite = jnp.isfinite(sum(jnp.sum(w) for w in jax.tree.leaves(params)))
        new_state = TrainState(params, optimizer_state, rule_state, state.rewiring_state)
        return new_state, {**metrics, "finite": finite}

    return train_step


IndexedStep = Callable[[Network, TrainState, jax.Array, Any], tuple[TrainState, dict]]


class TrainingSetup(NamedTuple):
    """Everything a run needs, built from its config.

    ``step(network, state, data_keys, iteration)`` is the compiled :func:`make_train_step`
    for ``network``'s shapes, applied with the key ``data_keys[iteration]`` (indexed inside
    the program: indexing a key array from Python costs 0.4 ms a call);
    :meth:`train_step` applies it to ``network`` with the run's own keys.
    """

    task: Task
    network: Network
    rule: Rule
    state: TrainState
    step: IndexedStep
    data_keys: jax.Array

    def train_step(self, state: TrainState, iteration: int) -> tuple[TrainState, dict]:
        """Iteration ``iteration`` of this run: ``(state, iteration) -> (state, metrics)``."""
        return self.step(self.network, state, self.data_keys, iteration)


class TrainingParts(NamedTuple):
    """What a run is made of, before anything is drawn or compiled.

    ``initial(seed) -> (network, state, data_keys)`` draws a run's network (masks), its
    initial state and one data key per iteration; ``step`` is :func:`make_train_step`;
    ``step_at(network, state, data_keys, iteration)`` is ``step`` with the key
    ``data_keys[iteration]``, indexed inside the program: the one program every run of a
    seed compiles, alone (:func:`train`) or beside others (:mod:`creditlab.seeds`). All are
    pure, so several seeds can also be ``jax.vmap``-ped through them.
    """

    task: Task
    rule_for: Callable[[Network], Rule]
    initial: Callable[[jax.Array], tuple[Network, TrainState, jax.Array]]
    step: StepFunction
    step_at: IndexedStep


def training_parts(config: TrainConfig) -> TrainingParts:
    """The task, rule, initialisation and training step of ``config``; every key of the
    run descends from :func:`run_key`."""
    dtype = set_precision(config.precision)
    task = build_task(config)
    objective = build_objective(config, task)
    optimizer = build_optimizer(config)
    rewiring = build_rewiring(config)

    def rule_for(network: Network) -> Rule:
        return build_rule(config, network, objective, task)

    def initial(seed: jax.Array) -> tuple[Network, TrainState, jax.Array]:
        root = run_key(seed)
        key_network, key_params, key_rule, key_data = jax.random.split(root, 4)
        network = build_network(config, task, key=key_network)
        params = initialise(
            config.network.initialisation, network, key=key_params, dtype=dtype,
            gain=config.network.init_gain,
        )  # fmt: skip
        rule_state = rule_for(network).init(params, key=key_rule)
        rewiring_state = None if rewiring is None else rewiring.init(params)
        state = TrainState(params, optimizer.init(params), rule_state, rewiring_state)
        return network, state, jax.random.split(key_data, config.iterations)

    step = make_train_step(task, rule_for, optimizer, config.batch, rewiring)

    def step_at(network: Network, state: TrainState, keys: jax.Array, iteration: Any):
        return step(network, state, keys[iteration])

    return TrainingParts(task, rule_for, initial, step, step_at)


def build_training(config: TrainConfig) -> TrainingSetup:
    """The network, its initial state and the compiled training step of a run.

    The training step is traced from the shapes of the initial state and compiled on a
    thread (:class:`BackgroundCompile`), ahead of the first iteration, while the
    initialisation, which runs once, is compiled by :func:`run_traced_once` and drawn.
    A state or step that cannot fit in memory is refused first (:mod:`creditlab.memory`).
    """
    parts = training_parts(config)
    initial = jax.jit(parts.initial).trace(config.seed)
    state_bytes = tree_bytes(initial.out_info)
    check_fits(state_bytes, f"the training state of {config.network.n_rec} neurons")
    step = BackgroundCompile(jax.jit(parts.step_at).lower(*initial.out_info, 0))
    network, state, data_keys = run_traced_once(initial, config.seed)
    compiled = step.result()
    check_fits(compiled_bytes(compiled), "one training step (arguments, outputs, temporaries)")
    return TrainingSetup(parts.task, network, parts.rule_for(network), state, compiled, data_keys)


def run_key(seed: jax.Array | int) -> jax.Array:
    """The root key of a run: threefry, whose draws are the same whether a seed runs alone
    (``creditlab train``), beside others (:mod:`creditlab.seeds`) or in a ``jax.vmap``.
    (XLA's RngBitGenerator, "rbg", compiled a step of evidence accumulation 0.6–1.7 s
    faster on the CPU, but under ``vmap`` its draws depend on the other lanes, so a seed's
    numbers would depend on how it was run.)"""
    return jax.random.key(seed, impl="threefry2x32")


def set_precision(precision: str) -> Any:
    """Enable float64 in JAX when asked for; returns the parameter dtype."""
    if precision == "float64":
        jax.config.update("jax_enable_x64", True)
        return jnp.float64
    return jnp.float32


def train(
    config: TrainConfig,
    *,
    run_directory: RunDirectory | None = None,
    on_iteration: Callable[[int, dict[str, float]], None] | None = None,
    resume: bool = False,
    evaluate_at_end: bool = False,
) -> TrainResult:
    """Train as ``config`` says; write config, metrics, checkpoints and status if given a
    folder. ``resume``: go on from the folder's checkpoint (the whole training state,
    :mod:`creditlab.io.checkpoint`), giving the numbers an uninterrupted run gives.
    ``evaluate_at_end``: score the final weights on ``evaluation_batch`` fresh trials
    (the last row's ``validation_*`` columns) where ``evaluate_every`` has not."""
    setup = build_training(config)
    network, state, train_step = setup.network, setup.state, setup.train_step
    evaluate = None
    if config.evaluate_every > 0 or evaluate_at_end:
        objective = build_objective(config, setup.task)
        evaluate = jax.jit(make_evaluation(setup.task, objective, config.evaluation_batch))
    rows: list[dict[str, float]] = []
    first = 0
    if resume:
        if run_directory is None:
            raise ValueError("resume needs the run_directory to resume from")
        path = run_directory.path / "checkpoint.npz"
        if path.is_file():  # else it stopped before its first checkpoint: from the start
            state, rows, first = restore(load_checkpoint(path), state, path)
    elif run_directory is not None:
        run_directory.write_config(config.model_dump())
    start = time.perf_counter() - (rows[-1]["wall_time_s"] if rows else 0.0)

    def save(good: TrainState, iteration: int, status: str) -> None:
        if run_directory is not None:
            run_directory.write_metrics(rows)
            arrays = checkpoint_arrays(good.params._asdict(), good, rows, iteration)
            state_arrays = [a for k, a in arrays.items() if not k.startswith(METRICS)]
            if all(np.isfinite(a).all() for a in state_arrays if a.dtype.kind == "f"):
                run_directory.write_checkpoint(arrays)  # a checkpoint is always finite
            run_directory.mark(status, iteration)

    if run_directory is not None:
        run_directory.mark("running", first)
    last_good, applied = state, first  # ``applied``: updates contained in ``state``
    try:
        upcoming = train_step(state, first) if first < config.iterations else None
        for iteration in range(first, config.iterations):
            new_state, metrics = upcoming
            if iteration + 1 < config.iterations:
                # queued before this iteration's metrics are read, so the device computes
                # it while Python records them (dropped if this iteration diverged)
                upcoming = train_step(new_state, iteration + 1)
            metrics = jax.device_get(metrics)  # one transfer for all of them
            finite_weights = bool(metrics.pop("finite"))
            row = {"iteration": iteration, **{k: float(v) for k, v in metrics.items()}}
            if not math.isfinite(row["loss"]) and iteration == 0:
                save(state, 0, "diverged")
                raise Diverged(
                    f"the loss is {row['loss']} before any update: the initial network is "
                    "already unstable, so the learning rate is not the cause. Check the "
                    "network's init_gain and the neurons' constants.",
                    rows,
                )
            if not math.isfinite(row["loss"]):
                save(last_good, max(iteration - 1, 0), "diverged")
                raise Diverged(
                    f"loss became {row['loss']} at iteration {iteration}; stopped. The last "
                    "parameters with a finite loss and the metrics up to them are kept"
                    + (f" in {run_directory.path}" if run_directory is not None else "")
                    + ". Try a smaller learning_rate.",
                    rows,
                )
            row["wall_time_s"] = time.perf_counter() - start
            rows.append(row)
            if not finite_weights:
                save(state, iteration, "diverged")
                raise Diverged(
                    f"the weights became NaN or infinite in the update of iteration {iteration}; "
                    "stopped. The parameters before that update and the metrics up to it are kept"
                    + (f" in {run_directory.path}" if run_directory is not None else "")
                    + ". Try a smaller learning_rate.",
                    rows,
                )
            last = evaluate_at_end and iteration + 1 == config.iterations
            if evaluate is not None and (last or evaluated_after(iteration, config.evaluate_every)):
                key = evaluation_key(setup.data_keys[iteration])
                row |= validation_row(jax.device_get(evaluate(network, new_state.params, key)))
            last_good, state, applied = state, new_state, applied + 1
            if on_iteration is not None:
                on_iteration(iteration, row)
            if (iteration + 1) % config.checkpoint_every == 0:
                save(state, iteration + 1, "running")
    except KeyboardInterrupt:
        save(state, applied, "interrupted")
        raise
    save(state, config.iterations, "complete")
    return TrainResult(state.params, rows, network)
