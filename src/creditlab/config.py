"""Validated run configuration (pydantic). A bad value fails here, before any computation,
with a message naming the field and what is allowed.

A run is fully described by :class:`TrainConfig`; it is written beside the results as
``config.json`` and can be read back with :func:`load_config` (JSON or TOML).
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from creditlab import cell_types as ct


def _admits_bool(annotation: object) -> bool:
    """Whether a field typed ``annotation`` means a boolean by True/False."""
    import typing

    if annotation is bool or annotation is typing.Any:
        return True
    return any(_admits_bool(arg) for arg in typing.get_args(annotation) if arg is not type(None))


def refuse_booleans(value: object, annotation: object, where: str) -> None:
    """Raise where a boolean stands for a number (``{"iterations": true}`` would run one
    iteration), in the value or, for a mapping, in its values."""
    import typing

    if isinstance(value, bool) and not _admits_bool(annotation):
        raise ValueError(f"{where}: {value} is a boolean where a number belongs")
    if isinstance(value, dict) and typing.get_origin(annotation) is dict:
        _, inner = typing.get_args(annotation)
        for key, item in value.items():
            refuse_booleans(item, inner, f"{where}.{key}")


class Strict(BaseModel):
    """A config: unknown fields, booleans where numbers belong, NaN and infinities are
    refused, naming the field (a field that gives infinity a meaning says so)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: object, info) -> object:
        refuse_booleans(value, cls.model_fields[info.field_name].annotation, info.field_name)
        return value


class NeuronConfig(Strict):
    """The recurrent neurons (units: ms, mV). ``model="alif"`` with ``adaptive_fraction``
    < 1 gives a mixed LIF/ALIF population (the first neurons are LIF)."""

    model: Literal["lif", "alif", "rate"] = "lif"
    tau_m: float = Field(20.0, gt=0, le=1e6, description="membrane time constant [ms]")
    v_th: float = Field(0.6, gt=0, description="threshold above rest [mV]")
    t_ref: float = Field(0.0, ge=0, description="refractory period [ms]")
    tau_a: float = Field(2000.0, gt=0, le=1e7, description="adaptation time constant [ms] (alif)")
    beta: float = Field(1.8, ge=0, description="adaptation strength [mV] (alif)")
    adaptive_fraction: float = Field(1.0, ge=0, le=1, description="fraction of ALIF neurons (alif)")
    current_scale: float | None = Field(
        1.0, gt=0, description="g in v ← αv + gI; null means 1 − α (NEST: regular_spike_arrival)"
    )
    activation: Literal["tanh", "relu"] = "tanh"
    surrogate_height: float = Field(0.3, gt=0)
    surrogate_width: float = Field(1.0, gt=0)


class CellTypeConfig(Strict):
    """One recurrent cell type (:class:`creditlab.cell_types.CellType`)."""

    name: str = Field(min_length=1)
    fraction: float = Field(gt=0, le=1, description="share of the recurrent neurons")
    sign: Literal["E", "I"] = "E"
    model: Literal["lif", "alif"] = "lif"
    releases: tuple[str, ...] = Field((), description="local modulators its cells release")
    receptors: tuple[str, ...] = Field((), description="modulators its cells respond to")
    readout: bool = Field(True, description="its cells may project to the readout")


class NetworkConfig(Strict):
    """Sizes and structure of the recurrent network.

    ``cell_types`` (a preset name of :mod:`creditlab.cell_types` or a list of types) sets
    each neuron's sign (Dale's law), LIF/ALIF model and readout access; it replaces
    ``excitatory_fraction`` and the neuron's ``adaptive_fraction``.
    """

    n_rec: int = Field(100, ge=1, le=100_000)
    tau_out: float = Field(20.0, gt=0, le=1e6, description="readout time constant [ms]")
    readout_scale: float | None = Field(
        None, gt=0, description="g_out in y ← κy + g_out z W_out; null means 1 − κ"
    )
    connectivity: float = Field(1.0, gt=0, le=1, description="probability of a recurrent synapse")
    excitatory_fraction: float | None = Field(
        None, gt=0, lt=1, description="enables Dale's law with this fraction of E cells"
    )
    init_gain: float = Field(1.0, gt=0, le=100, description="scale of the initial weights")
    input_connectivity: float = Field(
        1.0, gt=0, le=1, description="probability of an input synapse"
    )
    output_connectivity: float = Field(
        1.0, gt=0, le=1, description="probability of a readout synapse"
    )
    cell_types: Literal["liu-ei", "six-types"] | tuple[CellTypeConfig, ...] | None = None
    input_excitatory_fraction: float | None = Field(
        None,
        ge=0,
        le=1,
        description="input channels with a fixed positive sign (rest negative); "
        "null: input weights of either sign (Liu et al. 2021: 0.825, 33 of 40)",
    )
    signed_readout: bool = Field(False, description="readout weights keep their neuron's sign")
    readout_bias: bool = Field(False, description="a trained readout bias (Liu et al. 2021)")
    initialisation: Literal["scaled-gaussian", "balanced-spectral"] = Field(
        "scaled-gaussian",
        description="initial weights (creditlab.initialisation): N(0,1)/√fan-in, or Liu et "
        "al. 2021's balanced matrices at spectral radius 1",
    )

    @model_validator(mode="after")
    def _cell_types_valid(self) -> NetworkConfig:
        dale = self.cell_types is not None or self.excitatory_fraction is not None
        if self.signed_readout and not dale:
            raise ValueError(
                "signed_readout needs Dale's law: set cell_types or excitatory_fraction"
            )
        if self.initialisation == "balanced-spectral" and not dale:
            raise ValueError("initialisation 'balanced-spectral' needs Dale's law (cell_types)")
        if self.cell_types is None:
            return self
        if self.excitatory_fraction is not None:
            raise ValueError("give cell_types or excitatory_fraction, not both")
        if not isinstance(self.cell_types, str):
            ct.validate(tuple(ct.CellType(**t.model_dump()) for t in self.cell_types))
        return self


class RewardRuleConfig(Strict):
    """Options of the reward-based rules (node and weight perturbation, three-factor);
    other rules ignore them. ``None`` keeps the rule's own default."""

    reward: Literal["negative-loss", "success"] = "negative-loss"
    noise_std: float | None = Field(None, gt=0, description="σ of Gaussian exploration [mV]")
    baseline: Literal["running", "unperturbed"] = Field(
        "running", description="R̄: running average, or the noiseless trial (perturbation rules)"
    )
    baseline_rate: float | None = Field(None, gt=0, le=1, description="α of the running R̄")
    exploration: Literal["gaussian", "sparse"] = Field("gaussian", description="three-factor")
    kick_mv: float = Field(
        16.0, gt=0, description="size A of a sparse kick, U(−A, A) [mV] (three-factor)"
    )
    noise_probability: float = Field(
        0.003, gt=0, le=1, description="chance of a sparse kick per unit and step (three-factor)"
    )
    supralinear: bool = Field(False, description="f(u) = u³, Miconi 2017 (three-factor)")
    mean_decay: float = Field(0.05, ge=0, lt=1, description="λ of the running mean (three-factor)")
    trace_time_constant_ms: float | None = Field(
        None, gt=0, description="τ_e of the eligibility trace; null: no decay (three-factor)"
    )
    reward_delay_ms: float = Field(
        0.0, ge=0, description="reward arrives this long after the trial (three-factor)"
    )


class RewiringConfig(Strict):
    """DEEP R (:mod:`creditlab.rewiring`): connections that cross zero die and are
    replaced, holding the network's connectivity."""

    l1: float = Field(1e-2, ge=0, description="L1 term: θ shrinks by learning_rate · l1 a step")
    temperature: float = Field(0.0, ge=0, description="rewiring temperature T (noise √(2ηT))")
    candidates: Literal["initial"] = Field(
        "initial", description="where new connections may appear: the initial connections"
    )
    placement: Literal["per-matrix", "pooled"] = Field(
        "per-matrix",
        description="missing connections split among the matrices first, a matrix's excess "
        "lost for the step (Bellec's and Liu's code), or placed over all three together "
        "(the count held exactly)",
    )


class TrainConfig(Strict):
    """One training run: a task, a rule, a network and an optimizer."""

    task: str = Field(description="a task of creditlab.tasks.TASKS (``creditlab tasks``)")
    rule: str = Field(description="a rule of creditlab.rules.RULES (``creditlab rules``)")
    iterations: int = Field(1000, ge=1, le=10_000_000)
    seed: int = Field(0, ge=0, lt=2**32)
    batch: int = Field(32, ge=1, le=100_000)
    learning_rate: float = Field(3e-3, gt=0, le=10)
    optimizer: Literal["adam", "adam-epsilon-hat", "sgd"] = "adam"
    adam_epsilon: float = Field(1e-8, gt=0, description="Adam's ε")
    precision: Literal["float32", "float64"] = "float32"
    feedback: Literal["symmetric", "random"] = "symmetric"
    evaluation: Literal["online", "offline"] = Field(
        "online",
        description="e-prop's traces forward during the trial, or backwards after it "
        "(faster on a CPU; memory grows with the trial); MDGL's form is its rule's name, "
        "other rules ignore it",
    )
    rate_coefficient: float = Field(0.0, ge=0, description="firing-rate regulariser c_reg")
    rate_target_hz: float = Field(
        10.0, ge=0, le=1000, description="target rate of the regulariser [Hz]; at most 1 per ms"
    )
    checkpoint_every: int = Field(100, ge=1)
    eligibility_reset: bool = Field(
        False,
        description="keep the reset's derivative in e-prop's traces (Liu et al. 2021's "
        "code; e-prop offline and MDGL; other rules ignore it)",
    )
    modulation_types: Literal["cell-types", "sign"] = Field(
        "cell-types",
        description="MDGL averages weights over the cell types, or over E and I (other "
        "rules ignore it)",
    )
    task_options: dict[str, float | int | str] = Field(
        default_factory=dict, description="overrides of the task's fields (creditlab.tasks)"
    )
    evaluate_every: int = Field(
        0, ge=0, description="every N iterations, loss and accuracy on fresh trials; 0: never"
    )
    evaluation_batch: int = Field(64, ge=1, le=100_000, description="trials per evaluation")
    rewiring: RewiringConfig | Literal["none"] = Field(
        "none", description="DEEP R (creditlab.rewiring), or 'none' for fixed connections"
    )
    neuron: NeuronConfig = NeuronConfig()
    network: NetworkConfig = NetworkConfig()
    reward_rule: RewardRuleConfig = RewardRuleConfig()

    @field_validator("task")
    @classmethod
    def _known_task(cls, task: str) -> str:
        from creditlab.tasks import TASKS

        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; tasks: {', '.join(TASKS)}")
        return task

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        from creditlab.rules import RULES

        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; trainable rules: {', '.join(RULES)}")
        return rule

    @model_validator(mode="after")
    def _task_options_valid(self) -> TrainConfig:
        """The task's fields as overridden (``build_task`` raises naming the field), and
        batches no larger than the task can draw (``largest_batch``, where it has one)."""
        from creditlab.build import build_task

        largest = getattr(build_task(self), "largest_batch", None)
        for name in ("batch", "evaluation_batch"):
            if largest is not None and getattr(self, name) > largest:
                raise ValueError(
                    f"{name} {getattr(self, name)}: the task draws at most {largest} distinct "
                    "trials a batch (task_options cue_patterns='distinct' allows 2^n_cues)"
                )
        return self

    @model_validator(mode="after")
    def _options_fit_rule(self) -> TrainConfig:
        """Options of e-prop's family are ignored by rules that have no such choice (BPTT
        differentiates the reset anyway; only MDGL averages over types); a combination
        the rule cannot do is refused (:func:`keeps_reset_in_traces`,
        :func:`trains_readout_bias`)."""
        if self.rule == "mdgl-online" and self.evaluation == "offline":
            raise ValueError("mdgl-online is MDGL's online form: set evaluation to 'online'")
        if (
            self.eligibility_reset
            and self.rule in ("eprop", "mdgl-online")
            and not keeps_reset_in_traces(self.rule, self.evaluation)
        ):
            raise ValueError(
                "eligibility_reset (the reset in e-prop's traces) is built for the offline "
                "forms only: set evaluation to 'offline' (e-prop) or use mdgl"
            )
        if self.network.readout_bias and not trains_readout_bias(self.rule, self.evaluation):
            raise ValueError(
                "a readout bias is trained by bptt, e-prop with evaluation='offline' and the "
                f"exact MDGL rules, not by {self.rule}"
            )
        return self

    @model_validator(mode="after")
    def _rule_fits_network(self) -> TrainConfig:
        if self.feedback == "random" and self.rule != "eprop":
            raise ValueError("feedback='random' is an e-prop option; use rule='eprop'")
        typeless = self.network.cell_types is None and self.network.excitatory_fraction is None
        if self.rule in ct.NEEDS_TYPES and typeless:
            raise ValueError(
                f"rule {self.rule} sends modulators between cell types, and this network has "
                "none: set network.cell_types (a preset, e.g. 'liu-ei') or "
                "network.excitatory_fraction (E and I by Dale's law); mdgl-single-type is "
                "the rule with one type"
            )
        if self.network.cell_types is not None:
            if self.neuron.model == "rate":
                raise ValueError("cell_types need spiking neurons: set neuron.model to lif or alif")
            if self.neuron.adaptive_fraction != 1.0:
                raise ValueError("with cell_types each type sets lif/alif; drop adaptive_fraction")
        return self


# Defaults follow NEST 3.10's e-prop examples (Bellec et al. 2020). c_reg is in creditlab's
# units (loss averaged over the learning window): NEST's 300 divided by the window length.
_CUE_TASK = {
    "neuron": {
        "model": "alif",
        "adaptive_fraction": 0.5,
        "tau_m": 20.0,
        "v_th": 0.6,
        "t_ref": 5.0,
        "tau_a": 2000.0,
        "beta": 0.0174,
        "current_scale": 1.0,
    },
    "network": {"tau_out": 20.0},
    "batch": 32,
    "learning_rate": 5e-3,
    "rate_coefficient": 2.0,
}
# Liu et al. 2021 (their released code): 50 LIF + 50 ALIF, 19 % inhibitory (all LIF), 10 %
# input, recurrent and readout connectivity, thr 0.01, β 1.8 in Bellec's units
# (a_Bellec = (1 − ρ) a here, so β here = 1.8 (1 − e^{−dt/τ_a})), v ← αv + (1 − α)I,
# Adam 0.0025, batch 64, no rate regulariser.
_LIU = {
    "neuron": {
        "model": "alif",
        "tau_m": 20.0,
        "v_th": 0.01,
        "t_ref": 5.0,
        "tau_a": 2000.0,
        "beta": 1.8 * (1.0 - math.exp(-1.0 / 2000.0)),
        "current_scale": None,
        "surrogate_height": 0.3,
    },
    "network": {
        "n_rec": 100,
        "tau_out": 20.0,
        "connectivity": 0.1,
        "input_connectivity": 0.1,
        "output_connectivity": 0.1,
        "cell_types": "liu-ei",
        "init_gain": 1.0 / math.sqrt(0.1),
    },
    "batch": 64,
    "learning_rate": 2.5e-3,
    "rate_coefficient": 0.0,
}
# ... and the rest of that code's configuration (issue 23; RESULTS §9 lists each
# difference): signed input (33 E of 40) and readout weights, a readout bias, Liu's
# balanced initial weights, DEEP R as that code runs it, the reset in the traces, MDGL
# over E and I, TF 1's Adam, 64 fresh evaluation trials every 10 iterations. The task's
# own choices (cue first, distinct cue patterns, Poisson counts) are the task's defaults.
_LIU["network"] |= {
    "input_excitatory_fraction": 0.825,
    "signed_readout": True,
    "readout_bias": True,
    "initialisation": "balanced-spectral",
    "init_gain": 1.0,
}
_LIU |= {
    "rewiring": {"l1": 1e-2, "temperature": 0.0, "candidates": "initial"},
    "eligibility_reset": True,
    "modulation_types": "sign",
    "evaluation": "offline",
    "optimizer": "adam-epsilon-hat",
    "evaluate_every": 10,
    "evaluation_batch": 64,
}
TASK_DEFAULTS: dict[str, dict] = {
    "sine-waves": {
        "neuron": {"model": "lif", "tau_m": 30.0, "v_th": 0.03, "current_scale": None},
        "network": {"tau_out": 30.0},
        "batch": 1,
        "learning_rate": 5e-3,
        "rate_coefficient": 0.3,
    },
    "evidence-accumulation": _CUE_TASK,
    "delayed-match": _CUE_TASK,
    "evidence-accumulation-liu": _LIU,
    "delayed-match-liu": _LIU,
    # Miconi 2017: 200 tanh units, τ = 30 ms, recurrent gain 1.5, sparse kicks of 16 mV
    # with probability 0.003, cubed Hebbian term, baseline per trial type with α = 0.25.
    "dnms": {
        "neuron": {"model": "rate", "tau_m": 30.0, "activation": "tanh"},
        "network": {"n_rec": 200, "tau_out": 30.0, "init_gain": 1.5},
        "batch": 1,  # one trial per update, as in the paper
        "learning_rate": 1e-4,
        "reward_rule": {"exploration": "sparse", "supralinear": True, "baseline_rate": 0.25},
    },
    "reach": {**_CUE_TASK, "rate_coefficient": 0.0, "learning_rate": 3e-3},
    "teacher-student": {
        "neuron": {"model": "rate", "current_scale": 1.0},
        "network": {"n_rec": 100, "readout_scale": 1.0},
        "batch": 32,
        "learning_rate": 1e-2,
    },
}


def keeps_reset_in_traces(rule: str, evaluation: str) -> bool:
    """Whether ``rule`` (with e-prop's ``evaluation`` form) credits through the reset's
    derivative when ``eligibility_reset`` asks: e-prop offline and the exact MDGL rules,
    and BPTT, which differentiates the reset anyway."""
    from creditlab.rules import MDGL_RULES

    exact_mdgl = rule in MDGL_RULES and rule != "mdgl-online"
    return rule == "bptt" or exact_mdgl or (rule == "eprop" and evaluation == "offline")


def trains_readout_bias(rule: str, evaluation: str) -> bool:
    """Whether ``rule`` trains a readout bias: BPTT, e-prop offline and the exact MDGL
    rules (their updates of the readout are the gradient's)."""
    return keeps_reset_in_traces(rule, evaluation)


def fitted_to_rule(defaults: dict, fields: dict) -> dict:
    """A task's ``defaults`` without the e-prop-family options that the rule in ``fields``
    cannot use, wherever ``fields`` leaves them unset (None or absent).

    Liu's tasks default to a readout bias, the reset in the traces and e-prop's offline
    form; a rule without them (a perturbation rule, feedback alignment, ``mdgl-online``)
    runs those tasks without them (a bias fixed at 0, no reset term, the online form),
    and its ``config.json`` records what ran. Asked for explicitly, a readout bias (any
    such rule) or the reset (e-prop online, ``mdgl-online``) is still refused by
    :class:`TrainConfig`.
    """
    rule = str(fields.get("rule"))
    fitted = dict(defaults)
    if rule == "mdgl-online" and fields.get("evaluation") is None:
        fitted["evaluation"] = "online"
    evaluation = fields.get("evaluation") or fitted.get("evaluation", "online")
    if fields.get("eligibility_reset") is None and not keeps_reset_in_traces(rule, evaluation):
        fitted.pop("eligibility_reset", None)
    network = fields.get("network") or {}
    if network.get("readout_bias") is None and not trains_readout_bias(rule, evaluation):
        fitted["network"] = {
            k: v for k, v in fitted.get("network", {}).items() if k != "readout_bias"
        }
    return fitted


def dataclass_overrides(kind: type, values: dict, exclude: tuple[str, ...] = ()) -> dict:
    """``values``, checked as overrides of the frozen dataclass ``kind``'s fields (not
    those in ``exclude``): an unknown name or a value ``kind`` refuses raises
    ``ValueError`` naming it."""
    import dataclasses

    allowed = {f.name for f in dataclasses.fields(kind)} - set(exclude)
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    kind(**values)  # raises with the rule that a value breaks
    return values


def merge(base: dict, overrides: dict) -> dict:
    """``base`` updated by the non-None values of ``overrides``, one level of nesting deep."""
    merged = dict(base)
    for name, value in overrides.items():
        if value is None:
            continue
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    return merged


def make_config(**fields: object) -> TrainConfig:
    """A :class:`TrainConfig` with the defaults of its task, fitted to its rule
    (:func:`fitted_to_rule`), under the given fields."""
    defaults = fitted_to_rule(TASK_DEFAULTS.get(str(fields.get("task")), {}), fields)
    return TrainConfig(**merge(defaults, fields))


def describe_errors(error: ValidationError) -> str:
    """One line per bad field: ``field.path: message`` (pydantic names the allowed values)."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "config"
        lines.append(f"{where}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def read_config_file(path: Path) -> dict:
    """The fields of a JSON or TOML config file (never a pickle), not yet validated.

    A run's own ``config.json`` (with ``config`` and ``versions``) is accepted too.
    """
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise ValueError(f"{path}: a config is a .json or .toml file, not {suffix or 'unnamed'}")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text file (a config is JSON or TOML)") from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: not valid {suffix[1:].upper()}: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a table of fields, not {type(data).__name__}")
    return data.get("config", data) if "versions" in data else data


def load_config(path: Path) -> TrainConfig:
    """Read and validate a JSON or TOML config file."""
    return make_config(**read_config_file(path))
