"""Feedback alignment: the readout weights come to align with the fixed feedback weights
(Lillicrap et al. 2016), while the network learns; direct feedback alignment is random e-prop."""

import jax
import jax.numpy as jnp
import optax
import pytest

from creditlab.analysis import weight_alignment
from creditlab.network import init_params, make_network
from creditlab.neurons import Rate
from creditlab.objective import Objective
from creditlab.rules import direct_feedback_alignment, feedback_alignment
from creditlab.rules.eprop import EpropState
from creditlab.tasks import SineWaves
from creditlab.train import TrainState, make_train_step


@pytest.mark.parametrize("seed", [1, 2])
def test_readout_weights_align_with_the_feedback_weights(seed: int) -> None:
    task = SineWaves(duration_ms=200.0, inputs=10, input_rate_hz=50.0)
    network = make_network(Rate(tau_m=10.0), task.n_in, 30, 1, tau_out=10.0, readout_scale=None)
    params = init_params(network, key=jax.random.key(seed))
    params = params._replace(w_out=0.01 * params.w_out)  # small, so learning decides
    objective = Objective(loss="mse")
    optimizer = optax.sgd(0.1)
    rule = feedback_alignment(network, objective)
    state = TrainState(params, optimizer.init(params), rule.init(params, key=jax.random.key(99)))
    feedback = state.rule_state.feedback
    step = make_train_step(task, lambda n: feedback_alignment(n, objective), optimizer, 4)
    before = float(weight_alignment(params.w_out, feedback.w_out))
    losses = []
    for i in range(400):
        state, metrics = step(network, state, jax.random.key(1000 + i))
        losses.append(float(metrics["loss"]))
    after = float(weight_alignment(state.params.w_out, feedback.w_out))
    assert after > 0.1 and after > before + 0.1  # at random, |cos| ~ 1/√30 ≈ 0.18
    assert sum(losses[-20:]) < 0.5 * sum(losses[:20])  # it learned


def test_direct_feedback_alignment_is_random_eprop() -> None:
    task = SineWaves(duration_ms=40.0, inputs=5)
    network = make_network(Rate(), task.n_in, 8, 1)
    params = init_params(network, key=jax.random.key(0), dtype=jnp.float64)
    rule = direct_feedback_alignment(network, Objective())
    state = rule.init(params, key=jax.random.key(1))
    assert isinstance(state, EpropState) and state.feedback.shape == (8, 1)
    assert not jnp.allclose(state.feedback, params.w_out)
