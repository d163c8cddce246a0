"""The learning condition of the BCI experiment: a library rule (:mod:`creditlab.rules`,
closed-loop form) on the plastic feed-forward weights W_in, the feedback pathway that
delivers its learning signal, and the energy cost every plastic rule pays.

What is plastic is the same for every rule: W_in (perisomatic), updated once per frame
(weight perturbation: once per trial, at its outcome; BPTT: once per window of frames,
:mod:`.surrogate`), then clipped to [0, w_max] on existing synapses.

The feedback pathway carries the perceived error e^t = 1 − angle/90° (the binned angle
shown, during a trial, else 0) to each neuron as L_i = g B_i e^t. Where the weights B
come from is a hypothesis (``feedback``), for the rules that have a learning signal
(``dendritic``, ``eprop``, ``mdgl``, ``direct-feedback-alignment``):

- ``symmetric``: the decoder's own weights, B_i = +1 (P+), −1 (P−), 0 — an upper bound
  ("knows the decoder"), run only when asked for by name;
- ``random``: a fixed random B_i ~ N(0, 1) per mouse. With a fixed decoder nothing can
  align to it: a per-mouse lottery of signs, not feedback alignment;
- ``learned`` (the default; ``direct-feedback-alignment`` keeps its own ``random``): B
  starts at 0 and each neuron learns its B_i from the reward and its own noise
  (:mod:`creditlab.rules.learned_feedback`), frozen in probe blocks like W_in;
- ``shuffled``: the symmetric magnitudes with the roles permuted among P+ and P−,
  balanced so that the decoder's weights · B = 0 — a control that must not learn.

The decoder's weights are taken as the roles (+1, −1, 0): the decoder reads each control
neuron's baseline-normalised ΔF/F0 with equal weight. Under each rule the pathway
delivers L (``dendritic``), the unsigned error g e^t (reward-based rules, as a
non-vectorized feedback would), or nothing (``none``, BPTT, e-prop and its relatives,
which read L directly), to the apical tufts (``feedback_site="tuft"``, where NDNF-like
inhibition shunts it) or, as a control, to the somata (``"soma"``).

Every plastic rule pays the same energy cost (:mod:`creditlab.rules.energy_cost`),
which lowers the input to neurons more active than a set point (learning by
sparsification, Francioni et al. 2026, Extended Data Fig. 4). Its size (``sparsity``)
and set point (``rate_set_point_hz``) are not in the paper: the paper names the idea
and gives no number. They are shared by every rule and never tuned on one, and
``benchmarks/shared_settings.py`` reports how the findings depend on them (RESULTS §13).
``credit=False`` drops the rule's own change and keeps the rest: with the feedback on,
the "same feedback with learning rate 0" control; with ``feedback_gain=0``, the energy
cost alone.

Untuned rule defaults on the BCI (``BCI_RULE_DEFAULTS``): the dendritic and
node-perturbation rates are the experiment's earlier ones; the others were set before
any run of them, by matching the size of a typical per-frame weight change to the
dendritic rule's (the comments say how). They are where tuning starts
(:mod:`.tuning`); a condition runs with the shipped tuning over them
(``experiments/bci/tuned.csv``), unless it asks for ``tuned=False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import jax.numpy as jnp

from creditlab.rules.bptt import SurrogateGradient
from creditlab.rules.energy_cost import with_energy_cost
from creditlab.rules.learned_feedback import LearnedFeedback, learned_feedback
from creditlab.rules.online import OnlineRule, no_plasticity
from creditlab.rules.registry import RuleEntry, closed_loop_rule, get_rule, rule_names

FeedbackOrigin = Literal["symmetric", "random", "learned", "shuffled"]
FEEDBACK_ORIGINS: tuple[str, ...] = ("symmetric", "random", "learned", "shuffled")
FeedbackSite = Literal["tuft", "soma"]

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


def signal_rules() -> list[str]:
    """The closed-loop rules that have a learning signal (``feedback`` applies to them)."""
    return [
        name
        for name in rule_names()
        if get_rule(name).learning_signal and get_rule(name).closed_loop is not None
    ]


def feedback_origin(entry: RuleEntry, feedback: str | None) -> str | None:
    """Where the rule's B comes from on the BCI: ``feedback`` as given, else ``learned``
    (a feedback-alignment rule: its own ``random``); None for a rule without a learning
    signal."""
    if not entry.learning_signal:
        return None
    if feedback is not None:
        return feedback
    return "random" if entry.feedback == "random" else "learned"


def knows_the_decoder(entry: RuleEntry, feedback: str | None = None) -> bool:
    """Whether a rule, on the BCI, uses the experimenter's decoder: it differentiates
    the task itself, or its learning signal travels through symmetric feedback (B = the
    decoder's own weights)."""
    return entry.knows_target or feedback_origin(entry, feedback) == "symmetric"


def rule_label(rule: str, feedback: str | None = None) -> str:
    """The rule's name with its feedback origin, marked when it is an upper bound rather
    than a hypothesis and when on the BCI it is another rule (``mdgl`` is ``eprop`` with
    one plastic cell type)."""
    entry = get_rule(rule)
    label = rule if entry.closed_loop_same_as is None else f"{rule} (= {entry.closed_loop_same_as})"
    origin = feedback_origin(entry, feedback)
    if origin is not None:
        label = f"{label}, {origin} feedback"
    return f"{label}, {UPPER_BOUND}" if knows_the_decoder(entry, feedback) else label


@dataclass(frozen=True)
class LearningConfig:
    """The learning condition: the rule's name and options, where its feedback comes from
    and where it arrives, the feedback pathway's gain g, the energy cost, whether the
    rule's own change counts (``credit``), and the constants of learned feedback
    (module docstring)."""

    rule: str = "dendritic"
    options: tuple[tuple[str, Any], ...] = ()
    feedback: FeedbackOrigin | None = None
    feedback_site: FeedbackSite = "tuft"
    credit: bool = True
    feedback_gain: float = 1.0
    sparsity: float = 4e-6
    rate_set_point_hz: float = 0.2
    rate_time_constant_ms: float = 60_000.0
    feedback_learning_rate: float = 0.1
    feedback_trace_ms: float = 2000.0
    feedback_baseline_rate: float = 0.1

    def __post_init__(self) -> None:
        self.online_rule(1.0, 1.0)  # raises naming the rule or option that is wrong
        if self.sparsity < 0:
            raise ValueError(f"sparsity must be ≥ 0, got {self.sparsity}")
        if self.feedback is not None:
            if self.feedback not in FEEDBACK_ORIGINS:
                raise ValueError(
                    f"feedback must be one of {', '.join(FEEDBACK_ORIGINS)}; got {self.feedback!r}"
                )
            if not self.entry.learning_signal:
                raise ValueError(
                    f"rule {self.rule!r} has no learning signal, so feedback has nothing to "
                    f"choose; it applies to {', '.join(signal_rules())}"
                )
        if self.feedback_site not in ("tuft", "soma"):
            raise ValueError(f"feedback_site must be 'tuft' or 'soma', got {self.feedback_site!r}")
        if self.feedback_site == "soma" and self.delivers == "none":
            raise ValueError(
                f"rule {self.rule!r} sends nothing along the feedback pathway (it reads its "
                "learning signal directly, or has none), so the feedback site has no effect"
            )
        self.feedback_learner(1.0)

    @property
    def entry(self) -> RuleEntry:
        return get_rule(self.rule)

    @property
    def plastic(self) -> bool:
        return self.rule != "none"

    @property
    def origin(self) -> str | None:
        """Where B comes from (:func:`feedback_origin`)."""
        return feedback_origin(self.entry, self.feedback)

    @property
    def delivers(self) -> str:
        """What the pathway delivers under this rule: ``signal``, ``error`` or ``none``."""
        return self.online_rule(1.0, 1.0).apical_feedback

    def feedback_learner(self, dt_ms: float) -> LearnedFeedback:
        """The rule that learns B (used when ``origin`` is ``learned``)."""
        return learned_feedback(
            dt_ms=dt_ms,
            learning_rate=self.feedback_learning_rate,
            trace_time_constant_ms=self.feedback_trace_ms,
            baseline_rate=self.feedback_baseline_rate,
        )

    def closed_loop_form(self, dt_ms: float) -> OnlineRule | SurrogateGradient:
        return closed_loop_rule(
            self.rule,
            dt_ms=dt_ms,
            defaults=BCI_RULE_DEFAULTS,
            options=dict(self.options),
            experiment="BCI",
        )

    def surrogate_gradient(self, dt_ms: float) -> SurrogateGradient | None:
        """BPTT's window gradient (:mod:`.surrogate`), or None for an online rule or
        without credit."""
        form = self.closed_loop_form(dt_ms)
        return form if isinstance(form, SurrogateGradient) and self.credit else None

    def online_rule(self, dt_ms: float, max_rate_hz: float) -> OnlineRule:
        """The per-frame rule, with the energy cost chained after it when it is plastic
        (for BPTT, whose change comes once per window, and without credit, the energy
        cost alone)."""
        form = self.closed_loop_form(dt_ms)
        if isinstance(form, SurrogateGradient):
            rule = no_plasticity()
        elif not self.credit:
            rule = without_credit(form)
        else:
            rule = form
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


def without_credit(rule: OnlineRule) -> OnlineRule:
    """``rule`` with its change dropped (ΔW = 0): what it sends along the feedback
    pathway, and its state, stay."""

    def step(state, weights, local, broadcast):
        change, state = rule.step(state, weights, local, broadcast)
        return jnp.zeros_like(change), state

    return rule._replace(step=step)
