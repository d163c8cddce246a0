"""The learning conditions of the BCI experiment: which feedback reaches the apical tufts,
and how the plastic feed-forward weights W_in (perisomatic) change, once per frame.

Every plastic rule pays the same energy cost, which lowers the input to neurons more
active than a set point (learning by sparsification, Francioni et al. 2026, Extended
Data Fig. 4):

    ΔW_in[i, j] = η_credit · C_ij − η_s max(r̄_i − r_set, 0)/r_max · x_j,
                  then clipped to [0, w_max] on existing synapses,

where r̄_i is neuron i's slow mean rate [Hz] (time constant τ_r), x_j the input rate,
and C the rule's credit. The most active neurons lose most, as the paper observed;
quiet P0 neurons do not change.

``dendritic`` — a vectorized instructive signal. Neuron i's tuft receives
    f_i = g B_i e^t, with B_i = +1 in P+, −1 in P−, 0 in P0 (the sign of the neuron's
    direct effect on the decoder) and e^t = 1 − angle/90° the task error during a trial
    (0 otherwise). The tuft's depolarisation above its spontaneous mean, shunted by
    apical inhibition, gates plasticity: C_ij = (v_a,i − d_a/(1 + J_i/J_½)) x_j.
``three-factor`` — a scalar reward broadcast. A dopamine-like reward-prediction error
    δ = R − R̄ (R = 1 at the reward, 0 at a failure; R̄ a running mean over trials, rate
    ``reward_baseline_rate``) gates a node-perturbation eligibility trace of the bursts'
    own randomness: E_ij ← a_e E_ij + (z_i − P(z_i)) x_j (τ_e), C_ij = δ E_ij at each
    outcome. The tufts receive the same unsigned error, f_i = g e^t for every neuron, as
    a non-vectorized feedback would deliver.
``none`` — no feedback, no plasticity.

The rule sees nothing the neuron could not: its own potential, input, activity and the
broadcast reward, or its tuft's feedback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp
from jax import Array

from creditlab.experiments.bci.circuit import Activity, CircuitConfig, CircuitParams

BCI_RULES = ("dendritic", "three-factor", "none")


@dataclass(frozen=True)
class LearningConfig:
    """The learning condition and its rates (module docstring)."""

    rule: str = "dendritic"
    feedback_gain: float = 1.0
    learning_rate: float = 1e-6
    reward_learning_rate: float = 2e-4
    sparsity: float = 4e-6
    rate_set_point_hz: float = 0.2
    rate_time_constant_ms: float = 60_000.0
    eligibility_time_constant_ms: float = 2000.0
    reward_baseline_rate: float = 0.1

    def __post_init__(self) -> None:
        if self.rule not in BCI_RULES:
            raise ValueError(f"rule {self.rule!r} is not one of {', '.join(BCI_RULES)}")
        if min(self.learning_rate, self.reward_learning_rate, self.sparsity) < 0:
            raise ValueError("learning rates and the sparsity cost must be ≥ 0")
        if not 0 < self.reward_baseline_rate <= 1:
            raise ValueError("reward_baseline_rate must be in (0, 1]")


class LearningState(NamedTuple):
    """Eligibility traces ``[n, inputs]``, the expected reward R̄ (a scalar) and each
    neuron's slow mean rate r̄ ``[n]`` [Hz]."""

    eligibility: Array
    expected_reward: Array
    mean_rate: Array


def initial_learning_state(config: CircuitConfig) -> LearningState:
    shape = (config.n_pyramidal, config.n_inputs)
    return LearningState(jnp.zeros(shape), jnp.asarray(0.0), jnp.zeros((config.n_pyramidal,)))


def feedback(learning: LearningConfig, roles: Array, error: Array) -> Array:
    """What reaches the tufts ``[n]`` given each neuron's role B ``[n]`` and the error."""
    if learning.rule == "dendritic":
        return learning.feedback_gain * roles * error
    if learning.rule == "three-factor":
        return learning.feedback_gain * error * jnp.ones_like(roles)
    return jnp.zeros_like(roles)


def update(
    learning: LearningConfig,
    circuit: CircuitConfig,
    params: CircuitParams,
    state: LearningState,
    activity: Activity,
    reward: Array,
    outcome: Array,
) -> tuple[Array, LearningState]:
    """New W_in ``[n, inputs]`` and learning state after one frame; ``outcome`` is 1 at a
    frame with a reward or a failure, where ``reward`` (1 or 0) is R."""
    if learning.rule == "none":
        return params.w_in, state
    x = activity.inputs
    slow = circuit.decay(learning.rate_time_constant_ms)
    mean_rate = slow * state.mean_rate + (1.0 - slow) * activity.activity
    excess = jnp.maximum(mean_rate - learning.rate_set_point_hz, 0.0) / circuit.max_rate_hz
    energy = learning.sparsity * jnp.outer(excess, x)
    state = state._replace(mean_rate=mean_rate)
    if learning.rule == "dendritic":
        change = learning.learning_rate * jnp.outer(activity.instructive, x) - energy
        new_state = state
    else:
        decay = circuit.decay(learning.eligibility_time_constant_ms)
        eligibility = decay * state.eligibility + jnp.outer(activity.z - activity.p_burst, x)
        surprise = outcome * (reward - state.expected_reward)
        change = learning.reward_learning_rate * surprise * eligibility - energy
        expected = state.expected_reward + learning.reward_baseline_rate * surprise
        new_state = state._replace(eligibility=eligibility, expected_reward=expected)
    w_in = jnp.clip(params.w_in + change, 0.0, circuit.max_input_weight) * params.mask_in
    return w_in.astype(params.w_in.dtype), new_state
