"""The reset's derivative kept in the eligibility traces (Liu et al. 2021's code; issue 23):
the backward credit equals the forward recursion written out by hand, and with it e-prop is
the exact gradient of a network without recurrent paths (which without it, it is not)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.network import Params, Recording, init_params, make_network, simulate
from creditlab.neurons import ALIF, LIF
from creditlab.neurons.eligibility import adaptive_threshold_credit, credit_with_reset
from creditlab.objective import Objective
from creditlab.rules import eprop, mdgl
from creditlab.rules.base import trial_metrics
from creditlab.tasks import EvidenceAccumulation


def forward_sum(psi, pre, weights, *, alpha, g, v_th, beta, rho):
    """Σ_t w^t e^t for one synapse, from the trace's recursion step by step (numpy):
    ε_v^t = α ε_v^{t−1} + g p^t − v_th e^{t−1}, ε_a^t = ρ ε_a^{t−1} + e^{t−1},
    e^t = ψ^t (ε_v^t − β ε_a^t)."""
    voltage = adaptation = last = total = 0.0
    for t in range(len(psi)):
        voltage = alpha * voltage + g * pre[t] - v_th * last
        adaptation = rho * adaptation + last
        last = psi[t] * (voltage - beta * adaptation)
        total += weights[t] * last
    return total


@pytest.mark.parametrize("beta", [0.0, 0.7])
def test_the_backward_credit_is_the_forward_recursion_by_hand(beta) -> None:
    rng = np.random.default_rng(3)
    steps, alpha, g, v_th, rho = 40, 0.9, 0.1, 0.5, 0.97
    psi = rng.uniform(0, 0.6, steps) * (rng.random(steps) < 0.6)
    pre = (rng.random(steps) < 0.3).astype(float)
    weights = rng.standard_normal(steps)
    filtered = np.asarray(
        credit_with_reset(
            jnp.asarray(psi)[:, None], jnp.asarray(weights)[:, None],
            alpha=alpha, v_th=v_th, beta=beta, rho=rho,
        )
    )[:, 0]  # fmt: skip
    expected = forward_sum(psi, pre, weights, alpha=alpha, g=g, v_th=v_th, beta=beta, rho=rho)
    assert abs(np.dot(g * pre, filtered) - expected) <= 1e-12 * max(abs(expected), 1.0)
    # the reset term is there: at v_th = 0 the sum is a different number
    without = forward_sum(psi, pre, weights, alpha=alpha, g=g, v_th=0.0, beta=beta, rho=rho)
    assert abs(without - expected) > 1e-3 * abs(expected)


@pytest.mark.parametrize("beta", [0.0, 0.7])
def test_without_the_reset_the_credit_is_the_recursion_at_v_th_zero(beta) -> None:
    """The trace without the reset term (Bellec et al. 2020) is the same recursion with
    the −v_th e^{t−1} term removed; its fused backward scan gives that sum."""
    rng = np.random.default_rng(4)
    steps, alpha, g, rho = 40, 0.9, 0.1, 0.97
    psi = rng.uniform(0, 0.6, steps) * (rng.random(steps) < 0.6)
    pre = (rng.random(steps) < 0.3).astype(float)
    weights = rng.standard_normal(steps)
    filtered = np.asarray(
        adaptive_threshold_credit(
            jnp.asarray(psi)[:, None], jnp.asarray(weights)[:, None], jnp.asarray(beta), rho,
            alpha,
        )
    )[:, 0]  # fmt: skip
    expected = forward_sum(psi, pre, weights, alpha=alpha, g=g, v_th=0.0, beta=beta, rho=rho)
    assert abs(np.dot(g * pre, filtered) - expected) <= 1e-12 * max(abs(expected), 1.0)
    with_reset = forward_sum(psi, pre, weights, alpha=alpha, g=g, v_th=0.5, beta=beta, rho=rho)
    assert abs(np.dot(g * pre, filtered) - with_reset) > 1e-3 * abs(with_reset)  # must fail


NEURONS = {
    "lif": LIF(v_th=0.02, t_ref=2.0, current_scale=None),
    "alif-mixed": ALIF(
        v_th=0.02, beta=(0.0,) * 6 + (0.005,) * 6, tau_a=100.0, t_ref=2.0, current_scale=None
    ),
}
TASK = EvidenceAccumulation(n_cues=3, cue_ms=20, spacing_ms=10, delay_ms=30, recall_ms=20,
                            group_size=3)  # fmt: skip


def without_recurrence(neuron):
    """A 12-neuron network whose recurrent weights are 0 (so every path from a weight to
    the loss runs through its own neuron and the readout), float64, and its trials."""
    network = make_network(neuron, TASK.n_in, 12, TASK.n_out, tau_out=15.0, key=jax.random.key(0))
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=3.0)
    params = params._replace(w_rec=jnp.zeros_like(params.w_rec))
    objective = Objective(loss="cross_entropy", rate_coefficient=0.5, rate_target_hz=20.0)
    return network, params, objective, TASK.sample(jax.random.key(2), 4)


def exact_gradient(network, objective, params, trials) -> Params:
    """BPTT by autodiff, the reset differentiated."""

    def loss(p: Params):
        trajectory, _, _ = jax.vmap(
            lambda x: simulate(network, p, x, record=Recording(activity=True))
        )(trials.inputs)
        metrics = trial_metrics(objective, trajectory.readout, trials,
                                jnp.mean(trajectory.activity, axis=1))  # fmt: skip
        return metrics["loss"] + metrics["rate_penalty"]

    return jax.grad(loss)(params)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.mark.parametrize("name", NEURONS)
def test_with_the_reset_kept_eprop_is_the_exact_gradient_without_recurrence(name) -> None:
    network, params, objective, trials = without_recurrence(NEURONS[name])
    exact = exact_gradient(network, objective, params, trials)
    record = Recording(activity=True)
    spikes = simulate(network, params, trials.inputs[0], record=record)[0].activity
    assert float(jnp.sum(spikes)) > 10  # the reset acts
    kept = eprop(network, objective, evaluation="offline", eligibility_reset=True)
    dropped = eprop(network, objective, evaluation="offline")
    grads_kept = kept.update(params, kept.init(params), trials)[0]
    grads_dropped = dropped.update(params, dropped.init(params), trials)[0]
    for field in ("w_in", "w_rec"):
        truth = np.asarray(getattr(exact, field))
        assert np.abs(truth).max() > 0, field
        assert relative_error(np.asarray(getattr(grads_kept, field)), truth) < 1e-10, field
        # must fail: the trace without the reset is not this network's gradient
        assert relative_error(np.asarray(getattr(grads_dropped, field)), truth) > 1e-3, field
    # MDGL with no modulation takes the same option to the same numbers
    rule = mdgl(network, objective, modulation="none", eligibility_reset=True)
    through_mdgl = rule.update(params, rule.init(params), trials)[0]
    np.testing.assert_allclose(through_mdgl.w_in, grads_kept.w_in, rtol=1e-12, atol=1e-15)


def test_the_reset_option_is_refused_where_it_is_not_built() -> None:
    network, _, objective, _ = without_recurrence(NEURONS["lif"])
    with pytest.raises(ValueError, match="offline"):
        eprop(network, objective, eligibility_reset=True)
    with pytest.raises(ValueError, match="offline"):
        mdgl(network, objective, evaluation="online", eligibility_reset=True)


@pytest.mark.parametrize("rule", ["eprop", "mdgl"])
def test_the_readout_and_its_bias_are_updated_by_the_exact_gradient(rule) -> None:
    """Liu's readout bias b (ŷ = W_out z̃ + b): e-prop offline and MDGL update it and
    W_out by the loss's exact gradient (the readout has no recurrent path)."""
    network, params, objective, trials = without_recurrence(NEURONS["alif-mixed"])
    params = params._replace(b_out=jnp.asarray([0.3, -0.2]))
    exact = exact_gradient(network, objective, params, trials)
    if rule == "eprop":
        learner = eprop(network, objective, evaluation="offline", eligibility_reset=True)
    else:
        learner = mdgl(network, objective, modulation="none", eligibility_reset=True)
    grads = learner.update(params, learner.init(params), trials)[0]
    for field in ("w_out", "b_out"):
        truth = np.asarray(getattr(exact, field))
        assert np.abs(truth).max() > 1e-3, field
        assert relative_error(np.asarray(getattr(grads, field)), truth) < 1e-10, field
