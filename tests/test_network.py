"""Shapes, Dale's law and connectivity masks hold through training; float32 by default."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.config import make_config
from creditlab.network import Recording, init_params, make_network, simulate
from creditlab.neurons import LIF
from creditlab.train import train


def test_simulate_shapes_and_vmap_over_batch() -> None:
    network = make_network(LIF(), 5, 7, 3)
    params = init_params(network, key=jax.random.key(0))
    assert params.w_in.dtype == jnp.float32
    assert (params.w_in.shape, params.w_rec.shape, params.w_out.shape) == ((5, 7), (7, 7), (7, 3))
    inputs = jnp.ones((4, 11, 5))
    trajectory = jax.vmap(
        lambda x: simulate(network, params, x, record=Recording(activity=True))[0]
    )(inputs)
    assert trajectory.readout.shape == (4, 11, 3) and trajectory.activity.shape == (4, 11, 7)


def test_explicit_weights_are_used_as_given() -> None:
    network = make_network(LIF(v_th=1.0), 1, 2, 1)
    params = init_params(network, key=jax.random.key(0))._replace(
        w_in=jnp.array([[2.0, 0.0]]),
        w_rec=jnp.array([[0.0, 1.5], [0.0, 0.0]]),
        w_out=jnp.ones((2, 1)),
    )
    trajectory, _, _ = simulate(
        network, params, jnp.array([[1.0], [0.0], [0.0]]), record=Recording(activity=True)
    )
    np.testing.assert_array_equal(trajectory.activity, [[1, 0], [0, 1], [0, 0]])


@pytest.mark.parametrize("rule", ["bptt", "eprop"])
def test_dale_and_sparsity_hold_through_training(rule: str) -> None:
    config = make_config(
        task="sine-waves",
        rule=rule,
        iterations=5,
        batch=1,
        learning_rate=0.05,
        network={"n_rec": 30, "connectivity": 0.3, "excitatory_fraction": 0.8},
    )
    result = train(config)
    w_rec = np.asarray(result.params.w_rec)
    mask = np.asarray(result.network.recurrent_mask)
    sign = np.asarray(result.network.sign)
    assert w_rec.shape == (30, 30)
    assert np.all(w_rec[mask == 0] == 0) and np.all(np.diag(w_rec) == 0)
    assert 0.2 < mask.mean() < 0.4
    assert np.all(w_rec[sign > 0] >= 0) and np.all(w_rec[sign < 0] <= 0)
    assert np.count_nonzero(w_rec) > 0.5 * mask.sum()
    first = [row["loss"] for row in result.metrics]
    assert first[-1] != first[0]  # it trained


def test_seeds_run_as_one_vmapped_computation() -> None:
    network = make_network(LIF(v_th=0.2), 5, 7, 2)
    inputs = jnp.ones((20, 5))

    def one_seed(key: jax.Array) -> jax.Array:
        return simulate(network, init_params(network, key=key), inputs)[0].readout

    keys = jax.random.split(jax.random.key(0), 3)
    together = jax.vmap(one_seed)(keys)
    assert together.shape == (3, 20, 2)
    for index in range(3):
        np.testing.assert_allclose(together[index], one_seed(keys[index]), rtol=1e-5, atol=1e-6)
    assert not np.allclose(together[0], together[1])


def test_public_api_names_resolve() -> None:
    import creditlab

    for name in creditlab.__all__:
        assert getattr(creditlab, name) is not None, name
