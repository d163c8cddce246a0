"""The network's parts for circuits modelled on cortex (the BCI's circuit is built from
them): a bias, interneuron cell types inhibiting somata or tufts, a neuron model with an
apical tuft and its own noise, and a closed loop stepped inside ``simulate``. Each is
checked against the computation it stands for, written out by hand."""

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.cell_types import NDNF_LIKE, PV_LIKE, Interneurons
from creditlab.network import (
    ClosedLoop,
    InterneuronPopulation,
    Observer,
    Params,
    Perturbation,
    Recording,
    TopDown,
    constrain,
    init_params,
    make_network,
    simulate,
)
from creditlab.neurons import LIF
from creditlab.neurons.base import Tuft
from creditlab.neurons.bursting_pyramidal import BurstingPyramidal, PyramidalNoise

N_IN, N, T = 5, 12, 40


def lif_network(**parts):
    return make_network(LIF(v_th=0.3), N_IN, N, 2, key=jax.random.key(0), **parts)


def inputs(seed: int = 1) -> jnp.ndarray:
    return jax.random.bernoulli(jax.random.key(seed), 0.3, (T, N_IN)).astype(jnp.float64)


def weights(network, seed: int = 2) -> Params:
    return init_params(network, key=jax.random.key(seed), dtype=jnp.float64, gain=2.0)


def spikes(network, params, **options) -> np.ndarray:
    activity = Recording(activity=True)
    trajectory, _, _ = simulate(network, params, inputs(), record=activity, **options)
    return np.asarray(trajectory.activity)


def magnitudes(key_seed: int, shape: tuple[int, int]) -> jnp.ndarray:
    return jnp.abs(jax.random.normal(jax.random.key(key_seed), shape)) * 0.3


def test_a_tonic_population_on_the_somata_is_a_negative_bias() -> None:
    w_to, rate = magnitudes(3, (4, N)), jnp.array([1.0, 2.0, 0.5, 3.0])
    bias = jnp.linspace(-0.2, 0.4, N)
    tonic = Interneurons("tonic", target="soma", driven=False)
    inhibited = lif_network(
        bias=bias, interneurons=(InterneuronPopulation(tonic, w_to, rate=rate),)
    )
    plain = lif_network(bias=bias - rate @ w_to)
    params = weights(plain)
    assert spikes(inhibited, params).sum() > 0
    np.testing.assert_array_equal(spikes(inhibited, params), spikes(plain, params))


def test_a_driven_population_is_recurrent_inhibition_through_its_linear_rates() -> None:
    # r^t = g Σ_j z_j^t W^from_jk inhibits step t + 1: the same as adding −g W^from W^to
    # to the recurrent weights.
    w_from, w_to = magnitudes(4, (N, 3)), magnitudes(5, (3, N))
    pv = PV_LIKE._replace(gain=0.7)
    driven = lif_network(interneurons=(InterneuronPopulation(pv, w_to, w_from=w_from),))
    plain = lif_network(autapses=True)
    params = weights(driven)
    folded = params._replace(w_rec=params.w_rec - 0.7 * w_from @ w_to)
    with_pv, without = spikes(driven, params), spikes(plain, folded)
    assert with_pv.sum() > 0
    np.testing.assert_array_equal(with_pv, without)
    assert with_pv.sum() < spikes(plain, params).sum()  # it does inhibit


def test_a_closed_loop_is_the_network_stepped_one_step_at_a_time_with_its_plasticity() -> None:
    network = lif_network()
    params = weights(network)
    rate = 0.05

    def respond(count, params, step, _):
        hebbian = rate * jnp.outer(step.inputs, step.outputs)
        return count + 1, params._replace(w_in=params.w_in + hebbian), step.outputs

    loop = ClosedLoop(lambda count: TopDown(), respond, jnp.asarray(0))
    trajectory, end, _ = simulate(network, params, inputs(), loop=loop)

    state, by_hand, outputs = None, params, []
    for t in range(T):
        one, _, state = simulate(
            network, by_hand, inputs()[t : t + 1], record=Recording(activity=True),
            initial_state=state,
        )  # fmt: skip
        z = one.activity[0]
        outputs.append(z)
        by_hand = by_hand._replace(w_in=by_hand.w_in + rate * jnp.outer(inputs()[t], z))
    assert int(end.state) == T
    np.testing.assert_array_equal(np.asarray(trajectory.loop), np.stack(outputs))
    np.testing.assert_allclose(end.params.w_in, by_hand.w_in, rtol=0, atol=1e-14)
    assert np.abs(np.asarray(end.params.w_in - params.w_in)).max() > 0


def pyramidal_draws(seed: int) -> PyramidalNoise:
    keys = jax.random.split(jax.random.key(seed), 4)
    normal, uniform = jax.random.normal, jax.random.uniform
    return PyramidalNoise(
        normal(keys[0], (T, N)), normal(keys[1], (T, N)),
        uniform(keys[2], (T, N)), uniform(keys[3], (T, N)),
    )  # fmt: skip


def pyramidal_network(**parts):
    return make_network(BurstingPyramidal(), N_IN, N, 0, key=jax.random.key(0), **parts)


def pyramidal_params(network) -> Params:
    w_in = jnp.abs(jax.random.normal(jax.random.key(6), (N_IN, N))) * 0.5
    return Params(w_in, jnp.zeros((N, N)), jnp.zeros((N, 0)))


def test_the_tufts_get_their_input_and_ndnf_inhibition_as_the_neuron_model_defines() -> None:
    w_to, rate = magnitudes(7, (3, N)), jnp.array([1.0, 4.0, 2.0])
    ndnf = InterneuronPopulation(NDNF_LIKE, w_to, rate=rate)
    network = pyramidal_network(bias=jnp.full(N, -1.0), interneurons=(ndnf,))
    params, noise = pyramidal_params(network), pyramidal_draws(8)
    top_down = 4.0 + jax.random.normal(jax.random.key(9), (T, N))
    trajectory, _, _ = simulate(
        network, params, inputs(), apical=top_down, perturbation=Perturbation(neuron=noise),
        record=Recording(neurons=True),
    )  # fmt: skip

    neuron, inhibition = network.neuron, rate @ w_to
    state = neuron.init_state(N, jnp.float64)
    for t in range(T):
        current = inputs()[t] @ params.w_in - 1.0
        draws = jax.tree.map(lambda leaf, t=t: leaf[t], noise)
        state, _ = neuron.step(state, current, tuft=Tuft(top_down[t], inhibition), noise=draws)
    recorded = jax.tree.map(lambda leaf: leaf[-1], trajectory.neurons)
    for name in ("v_apical", "plateau", "z", "activity"):
        np.testing.assert_allclose(getattr(recorded, name), getattr(state, name), atol=1e-12)
    assert float(jnp.sum(trajectory.neurons.plateau)) > 0

    # The same input to the tufts from a closed loop's feedback pathway.
    def sense(t):
        return TopDown(apical=top_down[t])

    def respond(t, params, step, _):
        return t + 1, params, step.neurons.v_apical

    loop = ClosedLoop(sense, respond, jnp.asarray(0))
    closed, _, _ = simulate(
        network, params, inputs(), loop=loop, perturbation=Perturbation(neuron=noise)
    )
    np.testing.assert_array_equal(closed.loop, trajectory.neurons.v_apical)


def test_the_bursting_pyramidal_neuron_keeps_the_neuron_contract() -> None:
    # ψ = ∂P/∂u, and its e-prop eligibility ψ_j x_i is ∂P_j/∂W_ij for one step.
    neuron = BurstingPyramidal()
    assert (neuron.decay, neuron.input_scale, neuron.is_spiking) == (0.0, 1.0, True)
    draws = jax.tree.map(lambda leaf: leaf[0], pyramidal_draws(10))
    start = neuron.init_state(N, jnp.float64)
    x = jnp.linspace(0.0, 2.0, N_IN)
    w_in = jnp.abs(jax.random.normal(jax.random.key(11), (N_IN, N)))

    def burst_probability(w: jnp.ndarray) -> jnp.ndarray:
        state, _ = neuron.step(start, x @ w - 1.0, noise=draws)
        return state.p_burst

    _, psi = neuron.step(start, x @ w_in - 1.0, noise=draws)
    jacobian = jax.jacobian(burst_probability)(w_in)  # [post, pre, post]
    exact = jnp.einsum("jij->ij", jacobian)
    eligibility = neuron.eligibility_operators(psi[None]).diagonal[0]  # ψ [post]
    np.testing.assert_allclose(exact, jnp.outer(x, eligibility), rtol=1e-12, atol=1e-15)
    assert float(jnp.abs(exact).max()) > 1e-4
    relaxed = neuron.mean_field()
    state, _ = relaxed.step(start, x @ w_in - 1.0, noise=draws)
    np.testing.assert_array_equal(state.z, state.p_burst)  # mean field: z = P


def test_wrong_wiring_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="stochastic"):
        BurstingPyramidal().step(BurstingPyramidal().init_state(N), jnp.zeros(N))
    with pytest.raises(ValueError, match="needs w_from"):
        InterneuronPopulation(PV_LIKE, jnp.ones((2, N)))
    with pytest.raises(ValueError, match="needs its rate"):
        InterneuronPopulation(NDNF_LIKE, jnp.ones((2, N)))
    with pytest.raises(ValueError, match="connectivity or recurrent_mask"):
        make_network(LIF(), N_IN, N, 1, connectivity=0.5, recurrent_mask=jnp.ones((N, N)))
    network = lif_network()
    loop = ClosedLoop(lambda s: TopDown(), lambda s, p, r, i: (s, p, None), ())
    observer = Observer(lambda state, records, inputs: state, ())
    with pytest.raises(ValueError, match="observer or a closed loop"):
        simulate(network, weights(network), inputs(), loop=loop, observer=observer)


def test_input_bounds_hold_after_constrain() -> None:
    network = replace(lif_network(), input_bounds=(0.0, 0.2))
    params = weights(network)
    bounded = constrain(network, params)
    assert float(bounded.w_in.min()) == 0.0 and float(bounded.w_in.max()) == 0.2
