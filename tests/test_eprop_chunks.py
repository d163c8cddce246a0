"""Online e-prop processes a trial in chunks of K steps: K changes neither the update
nor lets memory grow with the trial's length."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.network import init_params, make_network
from creditlab.neurons import ALIF, LIF, Rate
from creditlab.objective import Objective
from creditlab.rules import eprop
from creditlab.rules.eprop import CHUNK_MEMORY_BYTES, default_longest_chunk, eprop_update
from creditlab.tasks import SineWaves

NEURONS = {
    "lif": LIF(v_th=0.3, t_ref=2.0),
    "alif": ALIF(v_th=0.3, beta=1.0, tau_a=200.0),
    "rate": Rate(tau_m=10.0),
}


@pytest.mark.parametrize("name", NEURONS)
def test_the_chunk_length_does_not_change_the_update(name: str) -> None:
    task = SineWaves(duration_ms=120.0, inputs=12, input_rate_hz=100.0)
    network = make_network(NEURONS[name], task.n_in, 20, task.n_out, tau_out=15.0)
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=2.0)
    objective = Objective(loss="mse", rate_coefficient=0.5, rate_target_hz=20.0)
    trials = task.sample(jax.random.key(2), 3)

    rule = eprop(network, objective)
    state = rule.init(params)

    def update(longest_chunk: int | None):
        return eprop_update(network, objective, params, state, trials, longest_chunk)[0]

    default = update(None)
    for longest in (4, 8, 40, 120):
        chunked = update(longest)
        for field in ("w_in", "w_rec", "w_out"):
            a, b = np.asarray(getattr(default, field)), np.asarray(getattr(chunked, field))
            assert np.abs(a).max() > 0
            np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12 * np.abs(a).max())


def test_the_default_chunk_fits_the_budget() -> None:
    network = make_network(LIF(), 100, 100, 1)
    assert default_longest_chunk(network, 1, jnp.float32) == CHUNK_MEMORY_BYTES // (2200 * 4)
    assert default_longest_chunk(network, 64, jnp.float32) == 32  # never below 32
    assert default_longest_chunk(make_network(ALIF(), 100, 100, 1), 1, jnp.float32) == 10


def test_memory_stays_bounded_as_the_trial_grows() -> None:
    """XLA's scratch memory of one update (compiled, not run) at T = 64000 and 256000
    steps: within the chunk budget, and larger at the longer trial only by the trial's own
    inputs (a copy of the 20 input channels) and a few numbers per step (readout, targets,
    loss weights). Keeping per-neuron records of the whole trial would take 700 MB more."""
    network = make_network(LIF(), 20, 50, 1)
    params = init_params(network, key=jax.random.key(0))
    rule = eprop(network, Objective(loss="mse"))

    def scratch_bytes(n_steps: int) -> int:
        task = SineWaves(duration_ms=float(n_steps), inputs=20)
        trials = jax.eval_shape(lambda: task.sample(jax.random.key(0), 1))
        update = jax.jit(rule.update).lower(params, rule.init(params), trials).compile()
        return update.memory_analysis().temp_size_in_bytes

    shorter, longer = scratch_bytes(64000), scratch_bytes(256000)
    per_step = 4 * (20 + 10)  # bytes per step: the inputs' copy and a few numbers
    assert shorter < CHUNK_MEMORY_BYTES + 64000 * per_step
    assert longer - shorter < (256000 - 64000) * per_step
