"""The two-compartment pyramidal neuron: feed-forward input drives the soma, feedback
input the apical tuft; apical events are partly independent of somatic spikes; apical
inhibition removes apical events and lowers somatic firing somewhat; BPTT runs through
both compartments."""

import jax
import jax.numpy as jnp
import numpy as np

from creditlab.neurons.two_compartment import TwoCompartment

NEURON = TwoCompartment()


def run(soma: float, apical: float, inhibition: float = 0.0, steps: int = 20_000, seed: int = 0):
    """Spikes and apical events of 50 neurons under Gaussian-noise inputs of the given means."""
    key_s, key_a = jax.random.split(jax.random.key(seed))
    noise_s = 1.5 * jax.random.normal(key_s, (steps, 50), jnp.float32)
    noise_a = 1.5 * jax.random.normal(key_a, (steps, 50), jnp.float32)

    def step(state, inputs):
        i_s, i_a = inputs
        state = NEURON.step(state, soma + i_s, apical + i_a, inhibition)
        return state, (state.z, state.p)

    _, (z, p) = jax.lax.scan(step, NEURON.init_state(50), (noise_s, noise_a))
    return np.asarray(z), np.asarray(p)


def test_feed_forward_input_drives_the_soma_and_feedback_the_apical_tuft() -> None:
    z_ff, p_ff = run(soma=1.0, apical=0.0)
    z_fb, p_fb = run(soma=0.0, apical=1.0)
    assert z_ff.mean() > 0.01 and p_fb.mean() > 0.01
    assert p_fb.mean() > 3 * p_ff.mean()  # apical events need apical input
    assert z_ff.mean() > z_fb.mean()  # somatic spikes mostly need somatic input


def test_apical_events_are_partly_independent_of_somatic_spikes() -> None:
    z, p = run(soma=0.8, apical=0.8)
    z_rate, p_rate = z.mean(), p.mean()
    both = (z * p).mean()
    # Some events happen together (coupling), many do not.
    assert both > z_rate * p_rate  # positively coupled
    assert both < 0.5 * min(z_rate, p_rate)  # yet most events of each kind are alone


def test_apical_inhibition_removes_apical_events_and_lowers_somatic_firing_somewhat() -> None:
    z, p = run(soma=0.8, apical=1.0)
    z_inh, p_inh = run(soma=0.8, apical=1.0, inhibition=1.0)
    assert p_inh.mean() < 0.3 * p.mean()
    assert 0.3 * z.mean() < z_inh.mean() < 0.95 * z.mean()


def test_gradients_flow_through_both_compartments() -> None:
    def loss(apical_drive):
        def step(state, _):
            state = NEURON.step(state, jnp.full(4, 0.9), apical_drive, 0.0)
            return state, state.z

        _, z = jax.lax.scan(step, NEURON.init_state(4), None, length=200)
        return jnp.sum(z)

    grad = jax.grad(loss)(jnp.full(4, 0.9))
    assert np.all(np.isfinite(grad)) and np.all(np.asarray(grad) > 0)
