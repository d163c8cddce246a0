"""The closed loop of the ``reach`` task, and rules learning it from a late reward.

The readout is a cursor the network senses (``Network.readout_feedback``): the output
changes later input, BPTT differentiates through the loop, and the reward-based rules
learn from one scalar per trial that arrives 200 ms after it ends.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.cell_types import NEEDS_TYPES
from creditlab.config import make_config
from creditlab.network import Params, Recording, init_params, make_network, simulate
from creditlab.neurons import Rate
from creditlab.rules import RULES
from creditlab.seeds import train_seeds
from creditlab.train import train


def test_the_output_changes_what_the_network_receives() -> None:
    inputs = jax.random.bernoulli(jax.random.key(0), 0.2, (40, 3)).astype(jnp.float64)

    def activity(gain):
        network = make_network(
            Rate(tau_m=5.0), 3, 6, 1, readout_feedback_gain=gain, key=jax.random.key(1)
        )
        params = init_params(network, key=jax.random.key(2), dtype=jnp.float64)
        louder = params._replace(w_out=2.0 * params.w_out)
        run = lambda p: simulate(network, p, inputs, record=Recording(activity=True))[0].activity  # noqa: E731
        return run(params), run(louder)

    open_loop, open_louder = activity(None)
    closed, closed_louder = activity(1.0)
    np.testing.assert_array_equal(open_loop, open_louder)
    assert not np.allclose(closed, closed_louder)


def test_bptt_through_the_loop_matches_finite_differences() -> None:
    network = make_network(
        Rate(tau_m=5.0), 3, 5, 1, readout_feedback_gain=1.0, key=jax.random.key(1)
    )
    params = init_params(network, key=jax.random.key(2), dtype=jnp.float64, gain=1.5)
    inputs = jax.random.bernoulli(jax.random.key(3), 0.3, (30, 3)).astype(jnp.float64)

    def loss(w_out: jax.Array) -> jax.Array:
        readout = simulate(network, Params(params.w_in, params.w_rec, w_out), inputs)[0].readout
        return jnp.sum((readout[-10:] - 1.0) ** 2)

    grad = jax.grad(loss)(params.w_out)
    step = 1e-6
    for j in range(5):
        bump = jnp.zeros_like(params.w_out).at[j, 0].set(step)
        numeric = (loss(params.w_out + bump) - loss(params.w_out - bump)) / (2 * step)
        assert float(grad[j, 0]) == pytest.approx(float(numeric), rel=1e-5, abs=1e-10)


@pytest.mark.parametrize("rule", list(RULES))
def test_every_rule_runs_the_closed_loop_with_a_late_binary_reward(rule: str) -> None:
    config = make_config(
        task="reach",
        rule=rule,
        iterations=2,
        batch=4,
        network={"n_rec": 16} | ({"excitatory_fraction": 0.8} if rule in NEEDS_TYPES else {}),
        reward_rule={"reward": "success", "reward_delay_ms": 200.0},
    )
    rows = train(config).metrics
    assert len(rows) == 2 and all(np.isfinite(row["loss"]) for row in rows)


def closed_loop_ratios(rule: str, options: dict, seeds: int, learning_rate: float) -> list:
    """Mean loss of the last 20 of 100 iterations over that of the first 20, per seed
    (seeds 0 … seeds−1, trained together: each with ``train``'s own numbers)."""
    config = make_config(
        task="reach",
        rule=rule,
        iterations=100,
        learning_rate=learning_rate,
        neuron={"model": "rate", "tau_m": 20.0},
        network={"n_rec": 50},
        reward_rule={**options, "reward_delay_ms": 200.0},
    )
    ratios = []
    for rows in train_seeds(config, range(seeds)).metrics:
        losses = [row["loss"] for row in rows]
        ratios.append(np.mean(losses[-20:]) / np.mean(losses[:20]))
    return ratios


@pytest.mark.parametrize(
    ("rule", "options"),
    [
        ("node-perturbation", {"noise_std": 0.5}),
        ("three-factor", {"noise_std": 0.5, "trace_time_constant_ms": 1000.0}),
    ],
)
def test_reward_based_rules_learn_the_closed_loop_from_a_late_reward(rule, options) -> None:
    """Over 8 seeds the median run ends below 0.8 × its starting loss. (Per seed it does
    not always: three-factor's seeds give 0.51–1.56, two of eight above 0.8.)"""
    assert np.median(closed_loop_ratios(rule, options, 8, 5e-3)) < 0.8
    # the case where it must fail: the same runs with a rate too small to learn
    assert np.median(closed_loop_ratios(rule, options, 3, 1e-12)) > 0.9
