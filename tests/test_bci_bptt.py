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

from creditlab.experiments.bci import circuit as bci_circuit
from creditlab.experiments.bci.experiment import BCIConfig, set_up
from creditlab.experiments.bci.surrogate import window_loss
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
    one = jax.tree.map(lambda leaf: leaf[0], (mice.params, mice.control))
    return config.circuit_config(), *one


def relaxed_loss(circuit, params, control, noise):
    n = circuit.n_pyramidal

    def loss(w_in):
        return window_loss(
            circuit,
            params._replace(w_in=w_in),
            control.decoder,
            control.plus,
            control.minus,
            bci_circuit.initial_state(circuit),
            noise,
            jnp.zeros((FRAMES, n)),
            jnp.zeros(n),
            jnp.ones(FRAMES),
        )

    return loss


def test_the_surrogate_gradient_matches_finite_differences(mouse) -> None:
    circuit, params, control = mouse
    noise = bci_circuit.draw_noise(jax.random.key(3), FRAMES, circuit)
    loss = relaxed_loss(circuit, params, control, noise)
    gradient = np.asarray(jax.grad(loss)(params.w_in))
    rows = np.concatenate([np.asarray(control.plus), np.asarray(control.minus)])
    rng = np.random.default_rng(0)
    h = 1e-6
    for i, j in zip(rng.choice(rows, 6), rng.integers(0, circuit.n_inputs, 6), strict=True):
        step = jnp.zeros_like(params.w_in).at[i, j].set(h)
        numeric = (loss(params.w_in + step) - loss(params.w_in - step)) / (2 * h)
        assert gradient[i, j] == pytest.approx(float(numeric), rel=1e-5, abs=1e-9)
    assert np.abs(gradient[rows]).max() > 1e-3  # the loss does depend on the control rows


def true_error_and_score(circuit, params, control, key):
    """Σ_t (1 − binned angle/90°) of one stochastic run, and its score Σ_t ∂log p/∂W_in
    = Σ_t (z − P)/(P(1 − P)) ψ xᵀ (bursts are the only draws that W_in shapes)."""
    n = circuit.n_pyramidal
    noise = bci_circuit.draw_noise(key, FRAMES, circuit)

    def frame(carry, draws):
        state, score = carry
        state, activity = bci_circuit.step(
            circuit, params, state, draws, jnp.zeros(n), jnp.zeros(n)
        )
        p = activity.p_burst
        weight = (activity.z - p) / (p * (1.0 - p)) * activity.psi
        angle = decode_angle(
            control.decoder, activity.soma_dff[control.plus], activity.soma_dff[control.minus]
        )
        return (state, score + jnp.outer(weight, activity.inputs)), 1.0 - angle / TARGET_DEGREES

    start = (bci_circuit.initial_state(circuit), jnp.zeros_like(params.w_in))
    (_, score), errors = jax.lax.scan(frame, start, noise)
    return jnp.sum(errors), score


@pytest.mark.slow
def test_the_surrogate_gradient_points_along_the_true_expected_gradient(mouse) -> None:
    circuit, params, control = mouse
    rows = np.concatenate([np.asarray(control.plus), np.asarray(control.minus)])
    samples, batch = 200_000, 5_000

    @jax.jit
    def reinforce_sums(keys):
        errors, scores = jax.vmap(lambda k: true_error_and_score(circuit, params, control, k))(keys)
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
        halves.append(np.asarray(error_score / count - (total_error / count) * score / count))
    reinforce = (halves[0] + halves[1]) / 2

    @jax.jit
    def relaxed_gradient(key):
        noise = bci_circuit.draw_noise(key, FRAMES, circuit)
        return jax.grad(relaxed_loss(circuit, params, control, noise))(params.w_in)

    surrogate = np.mean(
        [np.asarray(relaxed_gradient(k)) for k in jax.random.split(jax.random.key(8), 64)], 0
    )

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
