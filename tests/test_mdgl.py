"""MDGL (Liu et al. 2021): the cell-specific variant is BPTT with the recurrent credit
truncated after one hop; without modulation it is e-prop; the type averages and the
ablations do what they say."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab import cell_types as ct
from creditlab.network import Backward, Params, Recording, init_params, make_network, simulate
from creditlab.neurons import ALIF, LIF
from creditlab.objective import Objective
from creditlab.rules import eprop, mdgl
from creditlab.rules.base import trial_metrics
from creditlab.rules.mdgl import type_averaged_weights
from creditlab.tasks import EvidenceAccumulation, SineWaves

NEURONS = {
    "lif": LIF(v_th=0.6, t_ref=2.0),
    "alif-mixed": ALIF(v_th=0.3, beta=(0.0,) * 10 + (1.5,) * 10, tau_a=100.0, t_ref=2.0),
}
SHORT_SINE = SineWaves(duration_ms=120.0, inputs=12, input_rate_hz=100.0)
SHORT_EVIDENCE = EvidenceAccumulation(
    n_cues=3, cue_ms=20, spacing_ms=10, delay_ms=30, recall_ms=20, group_size=3
)
TYPES = (
    ct.CellType("I", 0.2, "I", releases=("i",), receptors=("e", "i")),
    ct.CellType("E", 0.8, "E", releases=("e",), receptors=("e",)),
)


def setup(neuron, task, *, dale: bool = True, tau_out: float = 15.0):
    """A 20-neuron network with 50 % connectivity (and Dale's law), float64 weights."""
    sign = ct.signs(TYPES, 20) if dale else None
    network = make_network(
        neuron,
        task.n_in,
        20,
        task.n_out,
        tau_out=tau_out,
        connectivity=0.5,
        sign=sign,
        key=jax.random.key(0),
    )
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=1.5)
    loss = "mse" if task.kind == "regression" else "cross_entropy"
    objective = Objective(loss=loss, rate_coefficient=0.5, rate_target_hz=20.0)
    return network, params, objective, task.sample(jax.random.key(2), 3)


def one_hop_bptt(network, objective, params, trials, modulatory_weights):
    """The gradient of BPTT with every recurrent path stopped except one hop, by autodiff.

    The readout sees z_j^t + c_j^t with c_j^t = sg(ψ_j^t) g Σ_p W̃_pj (z_p^{t−1} − sg z_p^{t−1}):
    zero in value, so the loss is unchanged, while ∂c_j^t/∂z_p^{t−1} = ψ_j^t g W̃_pj adds
    exactly the path z_p^{t−1} → v_j^t → z_j^t → readout (with W̃ = W the true one).
    """
    g, kappa, g_out = network.neuron.input_scale, network.readout_decay, network.readout_input_scale

    def loss(p: Params):
        def run(inputs):
            trajectory, _, _ = simulate(
                network,
                p,
                inputs,
                record=Recording(activity=True, psi=True),
                backward=Backward(truncate_recurrent=True),
            )
            z = trajectory.activity
            previous = jnp.concatenate([jnp.zeros_like(z[:1]), z[:-1]])
            hop = (previous - jax.lax.stop_gradient(previous)) @ modulatory_weights
            c = jax.lax.stop_gradient(trajectory.psi) * g * hop
            drive = g_out * c @ p.w_out

            def leak(y, x):
                y = kappa * y + x
                return y, y

            _, extra = jax.lax.scan(leak, jnp.zeros_like(drive[0]), drive)
            return trajectory.readout + extra, z

        readout, z = jax.vmap(run)(trials.inputs)
        metrics = trial_metrics(objective, readout, trials, jnp.mean(z, axis=1))
        return metrics["loss"] + metrics["rate_penalty"]

    return jax.grad(loss)(params)


def assert_same(online: Params, exact: Params) -> None:
    for field in ("w_in", "w_rec", "w_out"):
        a, b = np.asarray(getattr(exact, field)), np.asarray(getattr(online, field))
        assert np.abs(a).max() > 0, field
        assert np.linalg.norm(b - a) <= 1e-10 * np.linalg.norm(a) + 1e-13, field


@pytest.mark.parametrize("name", NEURONS)
@pytest.mark.parametrize("task", [SHORT_SINE, SHORT_EVIDENCE], ids=lambda t: t.name)
def test_cell_specific_mdgl_equals_bptt_truncated_after_one_hop(name, task) -> None:
    network, params, objective, trials = setup(NEURONS[name], task)
    rule = mdgl(network, objective, cell_types=TYPES, modulation="cell-specific")
    online, _, metrics = rule.update(params, rule.init(params), trials)
    assert float(metrics["firing_rate_hz"]) > 1.0, "the test needs spikes to mean anything"
    assert_same(online, one_hop_bptt(network, objective, params, trials, params.w_rec))
    # the one-hop term matters: the update is not e-prop's
    plain = eprop(network, objective)
    eprop_update, _, _ = plain.update(params, plain.init(params), trials)
    a, b = np.asarray(online.w_rec), np.asarray(eprop_update.w_rec)
    assert np.linalg.norm(a - b) > 1e-3 * np.linalg.norm(b)


def test_type_averaged_mdgl_is_the_one_hop_credit_through_the_averaged_weights() -> None:
    network, params, objective, trials = setup(NEURONS["alif-mixed"], SHORT_EVIDENCE)
    rule = mdgl(network, objective, cell_types=TYPES)
    state = rule.init(params)
    online, _, _ = rule.update(params, state, trials)
    labels = jnp.asarray(ct.labels(TYPES, 20))
    averaged = type_averaged_weights(
        params.w_rec, labels, labels, jnp.asarray(ct.receptor_matrix(TYPES))
    )
    assert_same(online, one_hop_bptt(network, objective, params, trials, averaged))


@pytest.mark.parametrize("name", NEURONS)
def test_single_type_without_modulation_is_eprop(name) -> None:
    network, params, objective, trials = setup(NEURONS[name], SHORT_SINE, dale=False)
    silent = (ct.CellType("all", 1.0),)  # releases and hears nothing
    for rule in (
        mdgl(network, objective, cell_types=silent),
        mdgl(network, objective, modulation="none"),
    ):
        online, _, metrics = rule.update(params, rule.init(params), trials)
        plain = eprop(network, objective)
        expected, _, expected_metrics = plain.update(params, plain.init(params), trials)
        assert float(metrics["loss"]) == float(expected_metrics["loss"])
        for a, b in zip(jax.tree.leaves(online), jax.tree.leaves(expected), strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NEURONS)
@pytest.mark.parametrize("modulation", ["type-averaged", "cell-specific"])
def test_online_mdgl_equals_the_exact_form_when_the_readout_does_not_leak(name, modulation) -> None:
    """κ = e^{−dt/τ_out} ≈ 0 for τ_out = 0.01 ms: moving the filter past ψ changes nothing."""
    network, params, objective, trials = setup(NEURONS[name], SHORT_EVIDENCE, tau_out=0.01)
    assert network.readout_decay < 1e-40
    updates = []
    for evaluation in ("online", "offline"):
        rule = mdgl(
            network, objective, cell_types=TYPES, modulation=modulation, evaluation=evaluation
        )
        updates.append(rule.update(params, rule.init(params), trials)[0])
    assert_same(*updates)


def test_online_mdgl_approximates_the_exact_form_with_a_leaky_readout() -> None:
    """With τ_out = 15 ms the two forms differ, and the online one is still MDGL: it is
    not e-prop's update, and it points the same way as the exact one."""
    network, params, objective, trials = setup(NEURONS["alif-mixed"], SHORT_EVIDENCE)
    updates = {}
    for evaluation in ("online", "offline"):
        rule = mdgl(network, objective, cell_types=TYPES, evaluation=evaluation)
        updates[evaluation] = np.asarray(rule.update(params, rule.init(params), trials)[0].w_rec)
    plain = eprop(network, objective)
    base = np.asarray(plain.update(params, plain.init(params), trials)[0].w_rec)
    online, exact = updates["online"], updates["offline"]
    assert np.linalg.norm(online - exact) > 1e-6 * np.linalg.norm(exact)
    assert np.linalg.norm(online - base) > 1e-3 * np.linalg.norm(base)
    cosine = np.sum(online * exact) / (np.linalg.norm(online) * np.linalg.norm(exact))
    assert cosine > 0.9  # 0.9997 when written


def test_online_mdgl_without_modulation_is_online_eprop() -> None:
    network, params, objective, trials = setup(NEURONS["alif-mixed"], SHORT_SINE, dale=False)
    rule = mdgl(network, objective, modulation="none", evaluation="online")
    online, _, _ = rule.update(params, rule.init(params), trials)
    plain = eprop(network, objective)
    expected, _, _ = plain.update(params, plain.init(params), trials)
    for a, b in zip(jax.tree.leaves(online), jax.tree.leaves(expected), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12, atol=1e-15)


def test_type_averaged_weights_by_hand() -> None:
    """Types [0, 0, 1]; the 0→0 block has weights 1 and 3 (mean 2, the zero is no synapse),
    0→1 has 4 and 6 (mean 5), 1→0 has −2 (mean −2). Type 1 hears type 0, not itself."""
    w = jnp.array([[0.0, 1.0, 4.0], [3.0, 0.0, 6.0], [-2.0, 0.0, 0.0]])
    types = jnp.array([0, 0, 1])
    receptors = jnp.array([[1.0, 1.0], [1.0, 0.0]])  # 0 is heard by 0 and 1; 1 by 0 only
    got = type_averaged_weights(w, types, types, receptors)
    # W̃_pj = [W_pj ≠ 0] w̄[type p, type j] R[type j, type p]
    expected = np.array([[0.0, 2.0, 5.0], [2.0, 0.0, 5.0], [-2.0, 0.0, 0.0]])
    np.testing.assert_allclose(np.asarray(got), expected)
    # p = 0 expresses type 1's receptors: it hears type 0 with w̄[1, 0] = −2 and not type 1
    shuffled = type_averaged_weights(w, types, jnp.array([1, 0, 0]), receptors)
    np.testing.assert_allclose(np.asarray(shuffled[0]), [0.0, -2.0, 0.0])


def test_shuffled_receptors_and_single_type_change_the_update() -> None:
    network, params, objective, trials = setup(NEURONS["lif"], SHORT_EVIDENCE)
    updates = {}
    for modulation in ("type-averaged", "shuffled-receptors", "single-type"):
        rule = mdgl(network, objective, cell_types=TYPES, modulation=modulation)
        state = rule.init(params, key=jax.random.key(5))
        if modulation == "shuffled-receptors":
            own = ct.labels(TYPES, 20)
            assert sorted(np.asarray(state.receptor_types)) == sorted(own)
            assert not np.array_equal(np.asarray(state.receptor_types), own)
        updates[modulation] = np.asarray(rule.update(params, state, trials)[0].w_rec)
    base = updates.pop("type-averaged")
    for modulation, update in updates.items():
        assert np.linalg.norm(update - base) > 1e-4 * np.linalg.norm(base), modulation


def test_mdgl_errors_name_the_problem() -> None:
    network, _, objective, _ = setup(NEURONS["lif"], SHORT_SINE)
    with pytest.raises(ValueError, match="modulation must be one of"):
        mdgl(network, objective, modulation="global")
    with pytest.raises(ValueError, match="evaluation must be"):
        mdgl(network, objective, evaluation="later")
    with pytest.raises(ValueError, match="sum to 1"):
        mdgl(network, objective, cell_types=(ct.CellType("a", 0.5),))
    with pytest.raises(ValueError, match="match no released modulator"):
        ct.validate((ct.CellType("a", 1.0, receptors=("dopamine",)),))


def test_offline_evaluation_is_an_eprop_choice_that_mdgl_online_refuses() -> None:
    """``evaluation`` chooses e-prop's form; MDGL's form is its rule's name, so
    ``mdgl-online`` refuses "offline"; rules without the choice ignore it."""
    from pydantic import ValidationError

    from creditlab.config import make_config

    assert (
        make_config(task="sine-waves", rule="eprop", evaluation="offline").evaluation == "offline"
    )
    with pytest.raises(ValidationError, match="mdgl-online is MDGL's online form"):
        make_config(task="evidence-accumulation-liu", rule="mdgl-online", evaluation="offline")


@pytest.mark.parametrize("preset", ["liu-ei", "six-types"])
def test_each_preset_trains_with_mdgl(preset) -> None:
    from creditlab.config import make_config
    from creditlab.train import training_parts

    config = make_config(
        task="evidence-accumulation-liu",
        rule="mdgl",
        batch=2,
        iterations=2,
        network={"cell_types": preset, "n_rec": 20},
    )
    parts = training_parts(config)
    network, state, keys = parts.initial(0)
    for key in keys[:2]:
        state, metrics = parts.step(network, state, key)
    assert np.isfinite(float(metrics["loss"])) and bool(metrics["finite"])
    # the rule kept Dale's law and the masks
    w_rec = np.asarray(state.params.w_rec)
    sign = np.asarray(network.sign)[:, None]
    assert (w_rec * sign >= 0).all() and (w_rec[np.asarray(network.recurrent_mask) == 0] == 0).all()
