"""Neuron models: soft reset, refractoriness, adaptation and the pseudo-derivative."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.neurons import ALIF, LIF, Rate
from creditlab.neurons.surrogate import pseudo_derivative, spike


def run(neuron, currents: np.ndarray):
    state = neuron.init_state(currents.shape[1], jnp.float64)

    def step(state, current):
        state, psi = neuron.step(state, current)
        return state, (state, psi)

    _, (states, psi) = jax.lax.scan(step, state, jnp.asarray(currents))
    return states, np.asarray(psi)


def test_lif_soft_reset_subtracts_the_threshold() -> None:
    neuron = LIF(tau_m=20.0, v_th=1.0, current_scale=1.0)
    states, _ = run(neuron, np.array([[1.5], [0.0]]))
    alpha = np.exp(-1 / 20)
    assert states.z[0, 0] == 1.0
    assert states.v[1, 0] == pytest.approx(alpha * 1.5 - 1.0)


def test_lif_refractory_period_blocks_spikes_and_pseudo_derivative() -> None:
    neuron = LIF(v_th=0.1, t_ref=5.0)
    states, psi = run(neuron, np.full((40, 1), 1.0))
    spike_times = np.flatnonzero(np.asarray(states.z[:, 0]))
    assert np.all(np.diff(spike_times) == 5)  # minimum interval t_ref = 5 steps
    blocked = np.asarray(states.refractory[:-1, 0]) > 1
    assert blocked.sum() == 4 * (len(spike_times) - 1) + min(4, 39 - spike_times[-1])
    assert np.all(psi[1:, 0][blocked] == 0)


def test_alif_threshold_rises_after_each_spike_and_decays() -> None:
    neuron = ALIF(v_th=0.5, beta=2.0, tau_a=100.0)
    states, _ = run(neuron, np.concatenate([np.full((10, 1), 2.0), np.zeros((50, 1))]))
    a = np.asarray(states.a[:, 0])
    first_spike = int(np.flatnonzero(np.asarray(states.z[:, 0]))[0])
    assert a[first_spike] == 0 and a[first_spike + 1] == pytest.approx(1.0)
    assert np.all(np.diff(a[12:]) < 0)  # decays once input stops
    assert np.asarray(neuron.threshold(jnp.asarray(1.0))) == pytest.approx(0.5 + 2.0)


def test_pseudo_derivative_height_and_width() -> None:
    distance = jnp.array([0.0, 0.5, 1.0, 2.0, -0.5])
    np.testing.assert_allclose(pseudo_derivative(distance, 0.3, 1.0), [0.3, 0.15, 0.0, 0.0, 0.15])
    np.testing.assert_allclose(
        pseudo_derivative(distance, 0.5, 2.0), [0.5, 0.375, 0.25, 0.0, 0.375]
    )
    grad = jax.vmap(jax.grad(lambda d: spike(d, 0.3, 1.0)))(distance)
    np.testing.assert_allclose(grad, pseudo_derivative(distance, 0.3, 1.0))


def test_rate_units_follow_the_euler_step() -> None:
    neuron = Rate(tau_m=10.0, activation="relu")
    states, psi = run(neuron, np.array([[1.0, -1.0]]))
    alpha = np.exp(-0.1)
    np.testing.assert_allclose(np.asarray(states.r[0]), [(1 - alpha), 0.0])
    np.testing.assert_allclose(psi[0], [1.0, 0.0])
