"""Turn a validated :class:`~creditlab.config.TrainConfig` into the objects of a run."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

import jax
import optax

from creditlab import cell_types as ct
from creditlab.config import TrainConfig
from creditlab.network import Network, make_network
from creditlab.neurons import ALIF, LIF, Rate
from creditlab.objective import Objective
from creditlab.optimizers import adam_epsilon_hat
from creditlab.rewiring import DeepR
from creditlab.rules import MDGL_RULES, RULES, Rule
from creditlab.tasks import TASKS, Task


def build_task(config: TrainConfig) -> Task:
    """The task, with ``config.task_options`` overriding its fields (each checked: an
    unknown field, a value of the wrong kind (:func:`value_fits`) or one the task refuses
    raises ``ValueError`` naming it)."""
    task = TASKS[config.task]()
    if not config.task_options:
        return task
    hints = typing.get_type_hints(type(task))
    fields = {f.name for f in dataclasses.fields(task)} - {"name", "kind"}
    for name, value in config.task_options.items():
        if name not in fields:
            raise ValueError(
                f"task_options: {config.task} has no field {name!r}; fields: {sorted(fields)}"
            )
        if not value_fits(hints[name], value):
            raise ValueError(f"task_options.{name} must be {described(hints[name])}, got {value!r}")
    try:
        return dataclasses.replace(task, **config.task_options)
    except ValueError as error:
        raise ValueError(f"task_options: {error}") from None


def value_fits(annotation: Any, value: object) -> bool:
    """Whether ``value`` (from a config file) is of the field type ``annotation``: an int
    for ``int`` (not a bool), a number for ``float``, a string for ``str``, one of the
    choices for a ``Literal``, and for a union, any member (``None`` for ``X | None``)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(value_fits(member, value) for member in typing.get_args(annotation))
    if annotation is type(None):
        return value is None
    if isinstance(value, bool):
        return annotation is bool
    if annotation is int:
        return isinstance(value, int)
    if annotation is float:
        return isinstance(value, int | float)
    return isinstance(annotation, type) and isinstance(value, annotation)


def described(annotation: Any) -> str:
    """``annotation`` in words, for an error message."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return "one of " + ", ".join(map(repr, typing.get_args(annotation)))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(described(member) for member in typing.get_args(annotation))
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    return "None" if annotation is type(None) else names.get(annotation, str(annotation))


def build_cell_types(config: TrainConfig) -> ct.CellTypes | None:
    """The configured cell types (a preset or the listed types), or None."""
    chosen = config.network.cell_types
    if chosen is None:
        return None
    if isinstance(chosen, str):
        return ct.PRESETS[chosen]
    return ct.validate(tuple(ct.CellType(**t.model_dump()) for t in chosen))


def build_neuron(config: TrainConfig, dt: float) -> Any:
    """The neuron model; ``alif`` with ``adaptive_fraction < 1`` makes the first neurons LIF.
    With cell types, each type's model decides: β for ALIF types, 0 (LIF) for the others."""
    spec, n = config.neuron, config.network.n_rec
    common = {
        "dt": dt,
        "tau_m": spec.tau_m,
        "v_th": spec.v_th,
        "t_ref": spec.t_ref,
        "current_scale": spec.current_scale,
        "surrogate_height": spec.surrogate_height,
        "surrogate_width": spec.surrogate_width,
    }
    types = build_cell_types(config)
    if types is not None:
        adaptive = ct.per_neuron(types, n, "model") == "alif"
        if not adaptive.any():
            return LIF(**common)
        beta = tuple(float(spec.beta) if a else 0.0 for a in adaptive)
        return ALIF(**common, tau_a=spec.tau_a, beta=beta)
    if spec.model == "lif":
        return LIF(**common)
    if spec.model == "alif":
        n_lif = n - round(spec.adaptive_fraction * n)
        beta = spec.beta if n_lif == 0 else (0.0,) * n_lif + (spec.beta,) * (n - n_lif)
        return ALIF(**common, tau_a=spec.tau_a, beta=beta)
    return Rate(dt=dt, tau_m=spec.tau_m, activation=spec.activation)


def build_network(config: TrainConfig, task: Task, *, key: jax.Array) -> Network:
    net = config.network
    types = build_cell_types(config)
    return make_network(
        build_neuron(config, task.dt),
        task.n_in,
        net.n_rec,
        task.n_out,
        tau_out=net.tau_out,
        readout_scale=net.readout_scale,
        connectivity=net.connectivity,
        excitatory_fraction=net.excitatory_fraction,
        readout_feedback_gain=getattr(task, "feedback_gain", None),
        input_connectivity=net.input_connectivity,
        output_connectivity=net.output_connectivity,
        sign=None if types is None else ct.signs(types, net.n_rec),
        readout_cells=None if types is None else ct.per_neuron(types, net.n_rec, "readout"),
        input_excitatory_fraction=net.input_excitatory_fraction,
        signed_readout=net.signed_readout,
        readout_bias=net.readout_bias,
        key=key,
    )


def build_objective(config: TrainConfig, task: Task) -> Objective:
    return Objective(
        loss="mse" if task.kind == "regression" else "cross_entropy",
        dt=task.dt,
        rate_target_hz=config.rate_target_hz,
        rate_coefficient=config.rate_coefficient,
    )


REWARD_RULES = ("node-perturbation", "weight-perturbation", "three-factor")


def build_rule(config: TrainConfig, network: Network, objective: Objective, task: Task) -> Rule:
    """The rule, with its options from ``config`` (a task's trial types get their own
    reward baselines)."""
    if config.rule == "eprop":
        return RULES["eprop"](
            network, objective, feedback=config.feedback, evaluation=config.evaluation,
            eligibility_reset=config.eligibility_reset,
        )  # fmt: skip
    if config.rule in MDGL_RULES:
        return RULES[config.rule](
            network, objective, cell_types=build_cell_types(config),
            types=config.modulation_types, eligibility_reset=config.eligibility_reset,
        )  # fmt: skip
    if config.rule not in REWARD_RULES:
        return RULES[config.rule](network, objective)
    options = config.reward_rule
    chosen = {
        "reward": options.reward,
        "noise_std": options.noise_std,
        "baseline_rate": options.baseline_rate,
        "conditions": getattr(task, "conditions", 1),
    }
    chosen = {name: value for name, value in chosen.items() if value is not None}
    if config.rule == "three-factor":
        if options.exploration == "sparse":
            chosen["noise_std"] = options.kick_mv
        chosen |= {
            "exploration": options.exploration,
            "noise_probability": options.noise_probability,
            "supralinear": options.supralinear,
            "mean_decay": options.mean_decay,
            "trace_time_constant_ms": options.trace_time_constant_ms,
            "reward_delay_ms": options.reward_delay_ms,
        }
        return RULES[config.rule](network, objective, **chosen)
    return RULES[config.rule](network, objective, baseline=options.baseline, **chosen)


def build_rewiring(config: TrainConfig) -> DeepR | None:
    """DEEP R with the network's connectivities, or None without rewiring."""
    if config.rewiring == "none":
        return None
    net = config.network
    return DeepR(
        learning_rate=config.learning_rate,
        connectivity=(net.input_connectivity, net.connectivity, net.output_connectivity),
        l1=config.rewiring.l1,
        temperature=config.rewiring.temperature,
        candidates=config.rewiring.candidates,
        placement=config.rewiring.placement,
    )


def build_optimizer(config: TrainConfig) -> optax.GradientTransformation:
    if config.optimizer == "adam":
        return optax.adam(config.learning_rate, eps=config.adam_epsilon)
    if config.optimizer == "adam-epsilon-hat":
        return adam_epsilon_hat(config.learning_rate, eps=config.adam_epsilon)
    return optax.sgd(config.learning_rate)
