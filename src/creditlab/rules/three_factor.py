"""Reward-modulated Hebbian learning, the three-factor rule (``three-factor``; Legenstein
et al. 2010, "EH"; Miconi 2017, eLife 6:e20899).

Each unit explores: its input current gets noise ξ_j^t [mV], Gaussian with standard
deviation σ (``exploration="gaussian"``) or Miconi's sparse kicks, U(−A, A) with
probability p per unit and step (``"sparse"``). A synapse i → j correlates its
presynaptic activity with the fluctuation of its postsynaptic activity around that
unit's own running mean (factors one and two), in a trace, and the scalar reward R
gates the trace into a weight change (factor three):

    d_j^t   = post_j^t − m_j^{t−1},      m_j^t = λ m_j^{t−1} + (1 − λ) post_j^t
    E_ij^t  = γ E_ij^{t−1} + f(pre_i^t d_j^t),   γ = exp(−dt/τ_e)  (γ = 1 without τ_e)
    ΔW_ij   = η (R − R̄_c) E_ij(T + delay),   E_ij(T + delay) = γ^{delay/dt} E_ij^T

with f(u) = u (EH) or u³ (Miconi's supralinear variant; (pre·d)³ = pre³ d³, so either
form is one outer product per step). pre is x^t for input weights, z^{t−1} for recurrent
weights and z^t for readout weights; post is the unit's output z^t (the readout's y^t).
R is the trial's reward, −loss or 1[correct], arriving ``reward_delay_ms`` after the
trial; R̄_c the running average of the rewards of the trial's condition. The update
returned has the sign of a gradient, −(1/B) Σ_b (R_b − R̄) E_b(T + delay), for any optax
optimizer: the reward-gated estimator of :mod:`creditlab.rules.perturbation`.

Nothing but pre, post and R enters: no derivative, no noise value. The trace runs
inside the network's scan, a chunk of K steps per matrix product; a trial keeps
O(synapses) state. Miconi's defaults: λ = 0.05 per 1 ms step, f = cube, A = 16 mV
(on a 30 ms membrane, dt/τ · A ≈ 0.5), p = 0.003, no decay within a trial, one
baseline per trial type with α = 0.25.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.network import (
    Network,
    Observer,
    Params,
    Perturbation,
    Recording,
    StepRecord,
    chunk_length,
    simulate,
)
from creditlab.objective import Objective
from creditlab.rules.base import Rule
from creditlab.rules.online import (
    Broadcast,
    Local,
    OnlineRule,
    RewardBaseline,
    check_reward_trace,
    reward_gated_trace,
)
from creditlab.rules.perturbation import perturbation_rule
from creditlab.rules.reward import RewardKind
from creditlab.tasks.base import Trials

Exploration = Literal["gaussian", "sparse"]
EXPLORATIONS = ("gaussian", "sparse")


def exploration_noise(
    key: Array,
    shape: tuple[int, ...],
    kind: Exploration,
    amplitude: float,
    probability: float,
    dtype: jnp.dtype,
) -> Array:
    """ξ of ``shape``: N(0, amplitude²), or U(−amplitude, amplitude) with ``probability``."""
    if kind not in EXPLORATIONS:
        raise ValueError(f"exploration must be one of {EXPLORATIONS}, got {kind!r}")
    k_when, k_size = jax.random.split(key)
    if kind == "gaussian":
        return amplitude * jax.random.normal(k_size, shape, dtype)
    kicks = jax.random.uniform(k_size, shape, dtype, -amplitude, amplitude)
    return jnp.where(jax.random.bernoulli(k_when, probability, shape), kicks, 0.0)


def three_factor(
    network: Network,
    objective: Objective,
    *,
    exploration: Exploration = "gaussian",
    noise_std: float = 0.1,
    noise_probability: float = 0.003,
    supralinear: bool = False,
    mean_decay: float = 0.05,
    trace_time_constant_ms: float | None = None,
    reward: RewardKind = "negative-loss",
    reward_delay_ms: float = 0.0,
    baseline_rate: float = 0.25,
    conditions: int = 1,
) -> Rule:
    """The three-factor rule of the module docstring.

    Args:
        exploration, noise_std, noise_probability: the noise ξ (σ or A [mV], and p).
        supralinear: f(u) = u³ (Miconi 2017) instead of u (EH).
        mean_decay: λ, the fraction of the running mean kept per step.
        trace_time_constant_ms: τ_e of the eligibility trace (None: no decay).
        reward, reward_delay_ms, baseline_rate, conditions: R, its delay after the
            trial [ms], α of the baseline, and how many trial types have their own R̄.
    """
    if not 0.0 <= mean_decay < 1.0:
        raise ValueError(f"mean_decay must be in [0, 1), got {mean_decay}")
    if noise_std <= 0:
        raise ValueError(f"noise_std must be positive, got {noise_std}")
    if reward_delay_ms < 0:
        raise ValueError(f"reward_delay_ms must be ≥ 0, got {reward_delay_ms}")
    dt = network.neuron.dt
    gamma = 1.0 if trace_time_constant_ms is None else math.exp(-dt / trace_time_constant_ms)
    delay_factor = gamma ** (reward_delay_ms / dt)
    power = 3 if supralinear else 1

    def observe(carry: tuple, records: StepRecord, _: None) -> tuple:
        """Advance the running means and the traces by one chunk of K steps."""
        means, traces = carry
        n_steps = records.inputs.shape[0]
        weights = (gamma ** np.arange(n_steps - 1, -1, -1)).astype(np.float32)

        def deviation(mean: Array, post: Array) -> tuple[Array, Array]:
            return mean_decay * mean + (1.0 - mean_decay) * post, post - mean

        def through_chunk(mean: Array, post: Array) -> tuple[Array, Array]:
            return jax.lax.scan(deviation, mean, post)

        (mean_rec, dev_rec), (mean_out, dev_out) = (
            through_chunk(means[0], records.outputs),
            through_chunk(means[1], records.readout),
        )

        def hebbian(pre: Array, post_deviation: Array) -> Array:
            """Σ_k γ^{K−1−k} f(pre_k) f(d_k)ᵀ ``[pre, post]``."""
            weighted = pre**power * weights.astype(pre.dtype)[:, None]
            return weighted.T @ post_deviation**power

        increments = Params(
            w_in=hebbian(records.inputs, dev_rec),
            w_rec=hebbian(records.recurrent_inputs, dev_rec),
            w_out=hebbian(records.outputs, dev_out),
        )
        decay = gamma**n_steps
        traces = jax.tree.map(lambda e, de: decay * e + de, traces, increments)
        return (mean_rec, mean_out), traces

    def run(params: Params, inputs: Array, noise: Array, out_noise: Array) -> tuple:
        """One trial: its readout ``[T, n_out]``, activity and final traces."""
        dtype = params.w_in.dtype
        start = network.init_state(dtype)
        means = (network.neuron.output(start.neurons), start.readout)
        traces = jax.tree.map(jnp.zeros_like, params)
        trajectory, (_, traces), _ = simulate(
            network,
            params,
            inputs,
            observer=Observer(observe, (means, traces), chunk=chunk_length(inputs.shape[0])),
            record=Recording(activity=network.neuron.is_spiking),
            perturbation=Perturbation(current=noise, readout=out_noise),
        )
        return trajectory.readout, trajectory.activity, traces

    def perturbed_run(params: Params, trials: Trials, key: Array) -> tuple:
        """Every trial with its own exploration noise: readouts, activity and traces."""
        dtype = params.w_in.dtype
        batch, n_steps = trials.inputs.shape[:2]
        k_rec, k_out = jax.random.split(key)
        draw = (exploration, noise_std, noise_probability, dtype)
        noise = exploration_noise(k_rec, (batch, n_steps, network.n_rec), *draw)
        out_noise = exploration_noise(k_out, (batch, n_steps, network.n_out), *draw)
        return jax.vmap(run, in_axes=(None, 0, 0, 0))(params, trials.inputs, noise, out_noise)

    return perturbation_rule(
        network,
        objective,
        perturbed_run,
        eligibility_scale=delay_factor,
        reward=reward,
        baseline="running",
        baseline_rate=baseline_rate,
        conditions=conditions,
    )


class OnlineThreeFactorState(NamedTuple):
    """The running mean m of each neuron's output ``[n_post]``, the trace E ``[n_post,
    n_pre]`` and the expected reward R̄."""

    mean: Array
    eligibility: Array
    baseline: RewardBaseline


def online_three_factor(
    *,
    dt_ms: float,
    learning_rate: float = 2e-4,
    mean_decay: float = 0.05,
    supralinear: bool = False,
    trace_time_constant_ms: float = 2000.0,
    baseline_rate: float = 0.1,
) -> OnlineRule:
    """The three-factor rule in a closed loop (:mod:`creditlab.rules.online`): the
    fluctuation of each neuron's output around its own running mean, times its input,
    in a trace that the reward-prediction error gates — the recursion of the module
    docstring, one step at a time, with the reward arriving when the environment says:

        d_i = z_i − m_i,  m_i ← λ m_i + (1 − λ) z_i,  E_ij ← γ E_ij + f(d_i x_j)
        δ = o (R − R̄),   ΔW_ij = η δ E_ij,   R̄ ← R̄ + α δ

    Nothing but pre, post and R enters; E decays while time passes without activity
    (``elapse``). The circuit's feedback reaches every tuft
    unsigned (``apical_feedback="error"``)."""
    if not 0.0 <= mean_decay < 1.0:
        raise ValueError(f"mean_decay must be in [0, 1), got {mean_decay}")
    check_reward_trace("three-factor", learning_rate, trace_time_constant_ms, baseline_rate)
    gamma = math.exp(-dt_ms / trace_time_constant_ms)
    power = 3 if supralinear else 1

    def init(weights: Array, key: Array) -> OnlineThreeFactorState:
        zero = jnp.zeros((), weights.dtype)
        return OnlineThreeFactorState(
            jnp.zeros(weights.shape[:1], weights.dtype),
            jnp.zeros_like(weights),
            RewardBaseline(zero),
        )

    def step(
        state: OnlineThreeFactorState, weights: Array, local: Local, broadcast: Broadcast
    ) -> tuple[Array, OnlineThreeFactorState]:
        deviation = local.post - state.mean
        mean = mean_decay * state.mean + (1.0 - mean_decay) * local.post
        change, eligibility, baseline = reward_gated_trace(
            state.eligibility,
            state.baseline,
            jnp.outer(deviation**power, local.pre**power),
            broadcast,
            decay=gamma,
            learning_rate=learning_rate,
            baseline_rate=baseline_rate,
        )
        return change, OnlineThreeFactorState(mean, eligibility, baseline)

    def elapse(state: OnlineThreeFactorState, elapsed_ms: Array) -> OnlineThreeFactorState:
        kept = jnp.exp(-elapsed_ms / trace_time_constant_ms)
        return state._replace(eligibility=kept * state.eligibility)

    return OnlineRule(init, step, apical_feedback="error", elapse=elapse)
