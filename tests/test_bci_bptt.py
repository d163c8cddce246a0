"""BPTT on the BCI runs through a differentiable surrogate (experiments/bci/surrogate.py).
Its gradient is checked two ways on a small circuit in float64: against finite
differences of the relaxed loss, and by cosine against a likelihood-ratio (REINFORCE)
estimate of the gradient of the true, binned, stochastic circuit's expected error.

Declared before either was run: finite differences agree to a relative 1e-5; the cosine
with REINFORCE, on the input weights of P+ and P− (where the decoder reads; elsewhere
the true gradient is near 0 and the estimator only adds noise), exceeds 0.3, and the
REINFORCE estimate is resolved (its two halves' cosine exceeds 0.5)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.analysis.imaging import image_pyramidal_recording, resting_rois
from creditlab.experiments.bci import circuit as bci_circuit
from creditlab.experiments.bci.experiment import BCIConfig, set_up
from creditlab.experiments.bci.surrogate import Window, window_loss
from creditlab.network import Perturbation, Recording, TopDown, simulate
from creditlab.tasks.bci_decoder import decode_angle
from creditlab.tasks.bci_protocol import TARGET_DEGREES

FRAMES = 30
# A more active circuit than the default (bias −1 instead of −3.5), so that one second
# of frames holds enough bursts for the likelihood-ratio estimator.
CIRCUIT = {"bias_mean": -1.0}


@pytest.fixture(scope="module")
def mouse():
    config = BCIConfig(mice=1, baseline_minutes=2.0, seed=11, circuit=CIRCUIT)
    mice = set_up(config)
    circuit, control = jax.tree.map(lambda leaf: leaf[0], (mice.circuit, mice.control))
    return config.circuit_config(), circuit, control


def draws(circuit, key):
    """A window's input rates and noise, from rest."""
    noise = bci_circuit.draw_noise(key, FRAMES, circuit)
    inputs, _ = bci_circuit.input_rates(circuit, jnp.zeros(circuit.n_inputs), noise)
    return inputs, noise


def relaxed_loss(circuit, mouse, control, key):
    n = circuit.n_pyramidal
    inputs, noise = draws(circuit, key)
    window = Window(
        mouse.network.init_state(mouse.params.w_in.dtype),
        resting_rois(n),
        inputs,
        noise.neurons,
        (noise.imaging_soma, noise.imaging_dendrite),
        TopDown(apical=jnp.zeros((FRAMES, n))),
    )

    def loss(w_in):
        params = mouse.params._replace(w_in=w_in)
        return window_loss(
            circuit,
            mouse.network,
            params,
            control.decoder,
            control.plus,
            control.minus,
            window,
            jnp.ones(FRAMES),
        )

    return loss


def test_the_surrogate_gradient_matches_finite_differences(mouse) -> None:
    circuit, mouse, control = mouse
    loss = relaxed_loss(circuit, mouse, control, jax.random.key(3))
    w_in = mouse.params.w_in  # [inputs, n]
    gradient = np.asarray(jax.grad(loss)(w_in))
    rows = np.concatenate([np.asarray(control.plus), np.asarray(control.minus)])
    rng = np.random.default_rng(0)
    h = 1e-6
    for i, j in zip(rng.choice(rows, 6), rng.integers(0, circuit.n_inputs, 6), strict=True):
        step = jnp.zeros_like(w_in).at[j, i].set(h)
        numeric = (loss(w_in + step) - loss(w_in - step)) / (2 * h)
        assert gradient[j, i] == pytest.approx(float(numeric), rel=1e-5, abs=1e-9)
    assert np.abs(gradient[:, rows]).max() > 1e-3  # the loss does depend on the control rows


def true_error_and_score(circuit, mouse, control, key):
    """Σ_t (1 − binned angle/90°) of one stochastic run, and its score Σ_t ∂log p/∂W_in
    = Σ_t x (ψ (z − P)/(P(1 − P)))ᵀ ``[inputs, n]`` (bursts are the only draws that W_in
    shapes). The network runs open loop (nothing reaches the tufts), so the microscope
    and the decoder read its recording afterwards."""
    inputs, noise = draws(circuit, key)
    trajectory, _, _ = simulate(
        mouse.network,
        mouse.params,
        inputs,
        record=Recording(psi=True, neurons=True),
        perturbation=Perturbation(neuron=noise.neurons),
    )
    neurons = trajectory.neurons
    _, soma, _ = image_pyramidal_recording(
        circuit.imaging(),
        resting_rois(circuit.n_pyramidal),
        neurons.z,
        neurons.plateau,
        neurons.v_apical,
        noise.imaging_soma,
        noise.imaging_dendrite,
        circuit.dt_ms,
    )
    p = neurons.p_burst
    weight = (neurons.z - p) / (p * (1.0 - p)) * trajectory.psi
    angle = decode_angle(control.decoder, soma[:, control.plus], soma[:, control.minus])
    return jnp.sum(1.0 - angle / TARGET_DEGREES), inputs.T @ weight


@pytest.mark.slow
def test_the_surrogate_gradient_points_along_the_true_expected_gradient(mouse) -> None:
    circuit, mouse, control = mouse
    rows = np.concatenate([np.asarray(control.plus), np.asarray(control.minus)])
    samples, batch = 200_000, 5_000

    @jax.jit
    def reinforce_sums(keys):
        errors, scores = jax.vmap(lambda k: true_error_and_score(circuit, mouse, control, k))(keys)
        return jnp.sum(errors), jnp.einsum("b,bij->ij", errors, scores), jnp.sum(scores, 0)

    keys = jax.random.split(jax.random.key(7), samples).reshape(-1, batch)
    halves = []
    for part in np.array_split(np.arange(len(keys)), 2):
        total_error, error_score, score = (0.0, 0.0, 0.0)
        for index in part:
            e, es, s = reinforce_sums(keys[index])
            total_error, error_score, score = total_error + e, error_score + es, score + s
        count = len(part) * batch
        # E[(R − b) score] with b the mean error: Σ e s/N − (Σ e/N)(Σ s/N)
        estimate = error_score / count - (total_error / count) * score / count
        halves.append(np.asarray(estimate).T)  # [n, inputs]
    reinforce = (halves[0] + halves[1]) / 2

    @jax.jit
    def relaxed_gradient(key):
        return jax.grad(relaxed_loss(circuit, mouse, control, key))(mouse.params.w_in)

    surrogate = np.mean(
        [np.asarray(relaxed_gradient(k)) for k in jax.random.split(jax.random.key(8), 64)], 0
    ).T  # [n, inputs]

    def cosine(a, b, where=rows, centred=False):
        a, b = a[where], b[where]
        if centred:  # which inputs matter within each neuron, without its overall sign
            a, b = a - a.mean(1, keepdims=True), b - b.mean(1, keepdims=True)
        a, b = a.ravel(), b.ravel()
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))

    resolved = cosine(halves[0], halves[1])
    agreement = cosine(surrogate, reinforce)
    everywhere = np.arange(circuit.n_pyramidal)
    print(
        f"control rows: REINFORCE halves {resolved:.3f}, surrogate vs REINFORCE "
        f"{agreement:.3f}; row-centred: halves {cosine(*halves, centred=True):.3f}, "
        f"agreement {cosine(surrogate, reinforce, centred=True):.3f}; all rows: halves "
        f"{cosine(*halves, where=everywhere):.3f}, agreement "
        f"{cosine(surrogate, reinforce, where=everywhere):.3f}"
    )
    assert resolved > 0.5
    assert agreement > 0.3
