"""The three-factor rule's expected update correlates positively with the gradient, in
the two regimes its papers use, and it trains from a delayed, binary reward.

Sample counts, chosen and stated: 2000 noise draws of a batch of two identical trials
(the frozen sine-wave pattern), so the batch-mean baseline removes everything but the
effect of the noise.

- EH (Legenstein et al. 2010): linear Hebbian term, Gaussian noise σ = 0.1 mV on fast
  units (τ = 5 ms), where a unit's fluctuation is mostly fresh noise.
- Miconi (2017): cubed Hebbian term, sparse kicks of 16 mV (p = 0.01 per unit and step)
  on slow units (τ = 30 ms). Without the cube the decaying tail of each kick, which
  the running mean turns into a negative deviation, outweighs the kick; the test shows
  that too.
"""

import jax
import jax.numpy as jnp
import pytest

from creditlab.analysis import gradient_alignment
from creditlab.config import make_config
from creditlab.network import init_params, make_network
from creditlab.neurons import Rate
from creditlab.objective import Objective
from creditlab.rules import three_factor
from creditlab.tasks import SineWaves
from creditlab.train import train

DRAWS = 2000


def problem(tau_m: float, duration_ms: float):
    task = SineWaves(duration_ms=duration_ms, inputs=4, input_rate_hz=200.0)
    network = make_network(Rate(tau_m=tau_m), task.n_in, 8, 1, tau_out=tau_m, readout_scale=None)
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=1.5)
    return network, params, Objective(loss="mse"), task.sample(jax.random.key(2), 2)


def cosine(tau_m: float, duration_ms: float, key: int, **options) -> float:
    network, params, objective, trials = problem(tau_m, duration_ms)
    rule = three_factor(network, objective, **options)
    alignment = gradient_alignment(
        rule,
        network,
        objective,
        params,
        rule.init(params),
        trials,
        key=jax.random.key(key),
        draws=DRAWS,
    )
    return float(alignment.cosine)


MICONI = {"exploration": "sparse", "noise_std": 16.0, "noise_probability": 0.01}


@pytest.mark.parametrize("key", [3, 4])
def test_eh_rule_correlates_with_the_gradient_on_fast_units(key: int) -> None:
    assert cosine(5.0, 30.0, key, noise_std=0.1) > 0.15


@pytest.mark.parametrize("key", [3, 4])
def test_supralinear_rule_correlates_with_the_gradient_under_sparse_kicks(key: int) -> None:
    assert cosine(30.0, 100.0, key, supralinear=True, **MICONI) > 0.15


def test_without_the_cube_sparse_kicks_on_slow_units_mislead() -> None:
    assert cosine(30.0, 100.0, 3, supralinear=False, **MICONI) < 0.0


def test_trace_decay_discounts_a_delayed_reward() -> None:
    network, params, objective, trials = problem(5.0, 30.0)
    key = jax.random.key(0)
    now = three_factor(network, objective, trace_time_constant_ms=50.0)
    later = three_factor(network, objective, trace_time_constant_ms=50.0, reward_delay_ms=100.0)
    updates_now, _, _ = now.update(params, now.init(params), trials, key=key)
    updates_later, _, _ = later.update(params, later.init(params), trials, key=key)
    for a, b in zip(jax.tree.leaves(updates_now), jax.tree.leaves(updates_later), strict=True):
        assert jnp.allclose(b, a * jnp.exp(-100.0 / 50.0), rtol=1e-6, atol=1e-12)


def test_trains_from_a_binary_delayed_reward(tmp_path) -> None:
    config = make_config(
        task="evidence-accumulation",
        rule="three-factor",
        iterations=3,
        batch=4,
        network={"n_rec": 20},
        reward_rule={
            "reward": "success",
            "reward_delay_ms": 500.0,
            "trace_time_constant_ms": 1000.0,
        },
    )
    rows = train(config).metrics
    assert len(rows) == 3
    assert all(0.0 <= row["reward"] <= 1.0 for row in rows)
