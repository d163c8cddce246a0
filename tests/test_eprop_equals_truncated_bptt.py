"""e-prop's update is the BPTT gradient with the through-time recurrent paths stopped,
whether its traces run forward during the trial (online) or backwards after it (offline)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.network import init_params, make_network
from creditlab.neurons import ALIF, LIF, Rate
from creditlab.objective import Objective
from creditlab.rules import bptt, eprop
from creditlab.tasks import EvidenceAccumulation, SineWaves

NEURONS = {
    "lif": LIF(v_th=0.3, t_ref=2.0),
    "alif": ALIF(v_th=0.3, beta=1.0, tau_a=200.0, t_ref=2.0),
    "alif-mixed": ALIF(v_th=0.3, beta=(0.0,) * 10 + (1.5,) * 10, tau_a=100.0),
    "alif-adaptive-reset": ALIF(v_th=0.3, beta=0.5, tau_a=300.0, reset_by_adaptive_threshold=True),
    "rate": Rate(tau_m=10.0),
}

SHORT_SINE = SineWaves(duration_ms=120.0, inputs=12, input_rate_hz=100.0)
SHORT_EVIDENCE = EvidenceAccumulation(
    n_cues=3, cue_ms=20, spacing_ms=10, delay_ms=30, recall_ms=20, group_size=3
)


FAST = [
    ("lif", SHORT_SINE),
    ("alif", SHORT_EVIDENCE),
    ("alif-mixed", SHORT_SINE),
    ("rate", SHORT_EVIDENCE),
]
ALL = [(name, task) for name in NEURONS for task in (SHORT_SINE, SHORT_EVIDENCE)]
SLOW = [pytest.param(*case, marks=pytest.mark.slow) for case in ALL if case not in FAST]


@pytest.mark.parametrize("evaluation", ["online", "offline"])
@pytest.mark.parametrize(("name", "task"), FAST + SLOW, ids=lambda x: getattr(x, "name", x))
def test_eprop_equals_truncated_bptt_in_float64(name: str, task, evaluation: str) -> None:
    neuron = NEURONS[name]
    network = make_network(neuron, task.n_in, 20, task.n_out, tau_out=15.0)
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=2.0)
    loss = "mse" if task.kind == "regression" else "cross_entropy"
    objective = Objective(loss=loss, rate_coefficient=0.5, rate_target_hz=20.0)
    trials = task.sample(jax.random.key(2), 3)

    exact, _, exact_metrics = bptt(network, objective, truncate_recurrent_gradient=True).update(
        params, (), trials
    )
    rule = eprop(network, objective, evaluation=evaluation)
    online, _, online_metrics = rule.update(params, rule.init(params), trials)

    assert float(exact_metrics["loss"]) == pytest.approx(float(online_metrics["loss"]), rel=1e-12)
    if neuron.is_spiking:
        assert float(online_metrics["firing_rate_hz"]) > 1.0, "test needs spikes to mean anything"
    for field in ("w_in", "w_rec", "w_out"):
        a, b = np.asarray(getattr(exact, field)), np.asarray(getattr(online, field))
        assert np.abs(a).max() > 0
        assert np.linalg.norm(b - a) <= 1e-10 * np.linalg.norm(a) + 1e-13, (
            field
        )  # 1e-13: float64 eps of O(1) terms
        np.testing.assert_allclose(
            b, a, rtol=1e-6, atol=1e-9 * np.abs(a).max() + 1e-14, err_msg=field
        )


def test_full_bptt_differs_from_eprop() -> None:
    """Sanity: without truncation the recurrent paths matter, so the estimates differ."""
    task = SHORT_SINE
    network = make_network(NEURONS["lif"], task.n_in, 20, 1)
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=2.0)
    objective = Objective(loss="mse")
    trials = task.sample(jax.random.key(2), 2)
    full, _, _ = bptt(network, objective).update(params, (), trials)
    rule = eprop(network, objective)
    online, _, _ = rule.update(params, rule.init(params), trials)
    assert not np.allclose(np.asarray(full.w_rec), np.asarray(online.w_rec), rtol=1e-3)
