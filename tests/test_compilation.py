"""A run's initialisation compiled for one call, and one compiled step for many networks."""

import jax
import jax.numpy as jnp
import numpy as np

from creditlab.compilation import run_once
from creditlab.config import make_config
from creditlab.network import init_params, make_network
from creditlab.neurons import LIF
from creditlab.train import build_training, run_key


def draws(seed: jax.Array) -> dict[str, jax.Array]:
    key_normal, key_uniform, key_split = jax.random.split(run_key(seed), 3)
    network = make_network(LIF(), 20, 30, 2, connectivity=0.5, key=key_split)
    return {
        "params": init_params(network, key=key_normal),
        "uniform": jax.random.uniform(key_uniform, (50,)),
        "mask": network.recurrent_mask,
    }


def test_run_once_is_deterministic_and_matches_an_optimised_compile() -> None:
    first, again = run_once(draws, 3), run_once(draws, 3)
    for a, b in zip(jax.tree.leaves(first), jax.tree.leaves(again), strict=True):
        np.testing.assert_array_equal(a, b)
    optimised = jax.jit(draws)(3)
    np.testing.assert_array_equal(first["uniform"], optimised["uniform"])
    np.testing.assert_array_equal(first["mask"], optimised["mask"])
    pairs = zip(jax.tree.leaves(first["params"]), jax.tree.leaves(optimised["params"]), strict=True)
    for a, b in pairs:
        # Gaussian draws may differ in the last bit (documented in creditlab.compilation)
        np.testing.assert_allclose(a, b, rtol=4 * float(jnp.finfo(a.dtype).eps), atol=1e-7)


def test_one_compiled_step_serves_networks_with_different_masks() -> None:
    """The network is an argument of the compiled step: seed 1's sparse network runs
    through the step compiled for seed 0, and gives what its own setup gives."""
    fields = {
        "task": "sine-waves",
        "rule": "eprop",
        "iterations": 2,
        "network": {"n_rec": 20, "connectivity": 0.5},
    }
    zero = build_training(make_config(**fields, seed=0))
    one = build_training(make_config(**fields, seed=1))
    assert not np.array_equal(zero.network.recurrent_mask, one.network.recurrent_mask)
    borrowed, _ = zero.step(one.network, one.state, one.data_keys, 0)
    own, _ = one.train_step(one.state, 0)
    for a, b in zip(jax.tree.leaves(borrowed.params), jax.tree.leaves(own.params), strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(
        np.asarray(borrowed.params.w_rec)[np.asarray(one.network.recurrent_mask) == 0] == 0
    )


def test_the_step_flags_a_nan_weight_even_when_the_loss_stays_finite() -> None:
    """A NaN recurrent weight silences its neuron (NaN never crosses the threshold), so
    the loss can stay finite: the step's ``finite`` flag must still say so."""
    config = make_config(task="sine-waves", rule="eprop", iterations=1, batch=1)
    setup = build_training(config)
    _, clean = setup.train_step(setup.state, 0)
    assert bool(clean["finite"])
    params = setup.state.params
    broken = setup.state._replace(params=params._replace(w_rec=params.w_rec.at[3, 5].set(jnp.nan)))
    _, metrics = setup.train_step(broken, 0)
    assert np.isfinite(float(metrics["loss"])) and not bool(metrics["finite"])
