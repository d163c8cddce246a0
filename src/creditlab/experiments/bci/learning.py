"""The learning condition of the BCI experiment: a library rule (:mod:`creditlab.rules`,
closed-loop form) on the plastic feed-forward weights W_in, the feedback pathway that
delivers its learning signal, and the energy cost every plastic rule pays.

What is plastic is the same for every rule: W_in (perisomatic), updated once per frame
(weight perturbation: once per trial, at its outcome; BPTT: once per window of frames,
:mod:`.surrogate`), then clipped to [0, w_max] on existing synapses. The circuit's
feedback pathway carries the perceived error e^t = 1 − angle/90° (during a trial, else
0) to each neuron as L_i = g B_i e^t, with B_i the sign of neuron i's direct effect on
the decoder (+1 P+, −1 P−, 0 P0) for rules that assume symmetric feedback — the
decoder's own weights, so such a run is an upper bound ("knows the decoder") — or a
fixed random B_i ~ N(0, 1) per mouse for rules that assume random feedback. Under each
rule the tufts receive L (``dendritic``), the unsigned error g e^t (reward-based rules,
as a non-vectorized feedback would deliver), or nothing (``none``, BPTT, e-prop and its
relatives, which use L at the soma).

Every plastic rule pays the same energy cost (:mod:`creditlab.rules.energy_cost`),
which lowers the input to neurons more active than a set point (learning by
sparsification, Francioni et al. 2026, Extended Data Fig. 4).

Rule defaults on the BCI (``BCI_RULE_DEFAULTS``): the dendritic and node-perturbation
rates are the experiment's earlier ones; the others were set before any run of them,
by matching the size of a typical per-frame weight change to the dendritic rule's (the
comments say how). None is tuned: tuning every rule on an equal budget is a separate
step.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from creditlab.rules.bptt import SurrogateGradient
from creditlab.rules.energy_cost import with_energy_cost
from creditlab.rules.online import OnlineRule, no_plasticity
from creditlab.rules.registry import RuleEntry, closed_loop_rule, get_rule

BCI_RULE_DEFAULTS: MappingProxyType = MappingProxyType(
    {
        "dendritic": {"learning_rate": 1e-6},
        "node-perturbation": {
            "learning_rate": 2e-4,
            "trace_time_constant_ms": 2000.0,
            "baseline_rate": 0.1,
        },
        "three-factor": {
            "learning_rate": 2e-4,
            "trace_time_constant_ms": 2000.0,
            "baseline_rate": 0.1,
        },
        # ψ ≈ 0.02 and a 300 ms trace make η L ē ≈ η · 0.05 per frame: 1e-5 gives the
        # dendritic rule's ≈ 5e-7 per frame. BPTT: see experiments/bci/surrogate.py.
        "eprop": {"learning_rate": 1e-5, "trace_time_constant_ms": 300.0},
        "weight-perturbation": {"learning_rate": 1e-6, "noise_std": 0.01, "baseline_rate": 0.1},
        "bptt": {"learning_rate": 1e-3},
    }
)


UPPER_BOUND = "upper bound (knows the decoder)"


def knows_the_decoder(entry: RuleEntry) -> bool:
    """Whether a rule, on the BCI, uses the experimenter's decoder: it differentiates
    the task itself, or its learning signal travels through symmetric feedback (B = the
    decoder's own weights)."""
    return entry.knows_target or (entry.learning_signal and entry.feedback == "symmetric")


def rule_label(rule: str) -> str:
    """The rule's name, marked when it is an upper bound rather than a hypothesis and when
    on the BCI it is another rule (``mdgl`` is ``eprop`` with one plastic cell type)."""
    entry = get_rule(rule)
    label = rule if entry.closed_loop_same_as is None else f"{rule} (= {entry.closed_loop_same_as})"
    return f"{label}, {UPPER_BOUND}" if knows_the_decoder(entry) else label


@dataclass(frozen=True)
class LearningConfig:
    """The learning condition: the rule's name and options, the feedback pathway's gain
    g, and the energy cost (module docstring)."""

    rule: str = "dendritic"
    options: tuple[tuple[str, Any], ...] = ()
    feedback_gain: float = 1.0
    sparsity: float = 4e-6
    rate_set_point_hz: float = 0.2
    rate_time_constant_ms: float = 60_000.0

    def __post_init__(self) -> None:
        self.online_rule(1.0, 1.0)  # raises naming the rule or option that is wrong
        if self.sparsity < 0:
            raise ValueError(f"sparsity must be ≥ 0, got {self.sparsity}")

    @property
    def entry(self) -> RuleEntry:
        return get_rule(self.rule)

    @property
    def plastic(self) -> bool:
        return self.rule != "none"

    def closed_loop_form(self, dt_ms: float) -> OnlineRule | SurrogateGradient:
        return closed_loop_rule(
            self.rule,
            dt_ms=dt_ms,
            defaults=BCI_RULE_DEFAULTS,
            options=dict(self.options),
            experiment="BCI",
        )

    def surrogate_gradient(self, dt_ms: float) -> SurrogateGradient | None:
        """BPTT's window gradient (:mod:`.surrogate`), or None for an online rule."""
        form = self.closed_loop_form(dt_ms)
        return form if isinstance(form, SurrogateGradient) else None

    def online_rule(self, dt_ms: float, max_rate_hz: float) -> OnlineRule:
        """The per-frame rule, with the energy cost chained after it when it is plastic
        (for BPTT, whose change comes once per window, the energy cost alone)."""
        form = self.closed_loop_form(dt_ms)
        rule = no_plasticity() if isinstance(form, SurrogateGradient) else form
        if not self.plastic:
            return rule
        return with_energy_cost(
            rule,
            strength=self.sparsity,
            set_point_hz=self.rate_set_point_hz,
            scale_hz=max_rate_hz,
            time_constant_ms=self.rate_time_constant_ms,
            dt_ms=dt_ms,
        )
