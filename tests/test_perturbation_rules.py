"""Node and weight perturbation are unbiased gradient estimators (Werfel et al. 2005).

On a small float64 rate network, the update averaged over many noise draws converges to
the direction of the exact (BPTT) gradient. Sample counts, chosen and stated:
node perturbation 2000 draws, weight perturbation 4000 draws, each of one batch of 2
trials, noise σ = 1e-3 and the noiseless trial as baseline. Fewer draws align worse.
"""

import jax
import jax.numpy as jnp
import pytest

from creditlab.analysis import gradient_alignment
from creditlab.network import init_params, make_network
from creditlab.neurons import Rate
from creditlab.objective import Objective
from creditlab.rules import node_perturbation, weight_perturbation
from creditlab.tasks import SineWaves


def problem():
    task = SineWaves(duration_ms=30.0, inputs=4, input_rate_hz=200.0)
    network = make_network(Rate(tau_m=5.0), task.n_in, 6, 1, tau_out=10.0, readout_scale=None)
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=1.5)
    return network, params, Objective(loss="mse"), task.sample(jax.random.key(2), 2)


@pytest.mark.parametrize(
    ("make_rule", "noise_std", "draws"),
    [(node_perturbation, 1e-3, 2000), (weight_perturbation, 1e-3, 4000)],
)
def test_perturbation_is_unbiased(make_rule, noise_std: float, draws: int) -> None:
    network, params, objective, trials = problem()
    rule = make_rule(network, objective, noise_std=noise_std, baseline="unperturbed")
    state = rule.init(params)

    def alignment(n: int):
        return gradient_alignment(
            rule, network, objective, params, state, trials, key=jax.random.key(7), draws=n
        )

    many, few = alignment(draws), alignment(draws // 100)
    assert float(many.cosine) > 0.9
    assert float(few.cosine) < float(many.cosine)
    assert 0.7 < float(many.relative_norm) < 1.3
    assert float(many.variance) > 0  # a noisy estimator: one draw is far from the mean
    assert float(many.single_cosine) < float(many.cosine)


def test_running_baseline_starts_from_the_first_batch_and_tracks_rewards() -> None:
    network, params, objective, trials = problem()
    rule = node_perturbation(network, objective, noise_std=1e-2, baseline_rate=0.5)
    state = rule.init(params)
    _, state, metrics = rule.update(params, state, trials, key=jax.random.key(0))
    first = float(state.baseline.value[0])
    assert first == pytest.approx(float(metrics["reward"]))
    _, state, metrics = rule.update(params, state, trials, key=jax.random.key(1))
    assert float(state.baseline.value[0]) == pytest.approx(
        0.5 * first + 0.5 * float(metrics["reward"])
    )
