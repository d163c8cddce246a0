"""BPTT is the exact gradient: it matches central finite differences on a rate network
(its readout bias included)."""

import jax
import jax.numpy as jnp
import numpy as np

from creditlab.network import Params, init_params, make_network
from creditlab.neurons import Rate
from creditlab.objective import Objective
from creditlab.rules import bptt
from creditlab.rules.bptt import objective_and_metrics
from creditlab.tasks import SineWaves


def test_bptt_matches_finite_differences_on_a_rate_network() -> None:
    task = SineWaves(duration_ms=60.0, inputs=6, input_rate_hz=200.0)
    network = make_network(
        Rate(tau_m=5.0), task.n_in, 8, 1, tau_out=10.0, readout_scale=None, readout_bias=True
    )
    params = init_params(network, key=jax.random.key(3), dtype=jnp.float64, gain=1.5)
    params = params._replace(b_out=jnp.asarray([0.3]))
    objective = Objective(loss="mse")
    trials = task.sample(jax.random.key(0), 2)
    grads, _, _ = bptt(network, objective).update(params, (), trials)

    def loss(p: Params) -> float:
        return float(objective_and_metrics(network, objective, p, trials)[0])

    rng = np.random.default_rng(0)
    step = 1e-6
    for field in Params._fields:
        weights = np.asarray(getattr(params, field))
        for index in [tuple(rng.integers(0, s) for s in weights.shape) for _ in range(4)]:
            if field == "w_rec" and index[0] == index[1]:
                continue  # autapses are masked out
            shifted = [weights.copy(), weights.copy()]
            shifted[0][index] += step
            shifted[1][index] -= step
            plus, minus = (loss(params._replace(**{field: jnp.asarray(w)})) for w in shifted)
            numeric = (plus - minus) / (2 * step)
            analytic = float(np.asarray(getattr(grads, field))[index])
            assert abs(numeric - analytic) <= 1e-6 * max(1.0, abs(analytic)), (field, index)
