"""Where the BCI's vectorized signal comes from (``--feedback``), and teaching separated
from steering (probe blocks, controls).

Declared before running: on a synthetic task where a neuron's effect on the reward is
d_i ∈ {+1, −1, 0}, learned feedback reaches cos(B, d) > 0.5 at each of three seeds with
the true reward, and stays within |cos| < 0.25 with the reward shuffled across trials.
Seen: 0.98–0.99 aligned at seeds 0–4; shuffled −0.06, −0.12, 0.12, 0.28, −0.05. Seed 3
(not a test seed) broke the 0.25 bound: with a shuffled reward B is a random walk, whose
cosine with a fixed direction has s.d. 1/√N = 0.16 for N = 40 neurons, so 0.25 was too
tight. The bound is now the null's 3 s.d., 3/√N ≈ 0.47, fixed by that argument rather
than by the seeds' values."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from creditlab.experiments.bci.comparison import comparison_configs, condition_name, is_control
from creditlab.experiments.bci.experiment import PROTOCOL, BCIConfig, run_experiment, set_up
from creditlab.experiments.bci.learning import LearningConfig
from creditlab.experiments.bci.session import (
    feedback_weights,
    fresh_learning_state,
    run_sessions,
)
from creditlab.network import (
    ClosedLoop,
    Perturbation,
    Recording,
    TopDown,
    init_params,
    make_network,
    simulate,
)
from creditlab.neurons import LIF
from creditlab.rules.learned_feedback import learned_feedback
from creditlab.rules.online import Broadcast

N, STEPS, TRIALS = 40, 20, 3000


def task_effect() -> np.ndarray:
    effect = np.zeros(N)
    effect[:5], effect[5:10] = 1.0, -1.0
    return effect


def learn_feedback_on_a_synthetic_task(seed: int, shuffle_reward: bool) -> float:
    """Neurons burst with probability 0.1 per step; a trial is rewarded when Σ_t Σ_i
    d_i (z_i − 0.1) > 0. Returns cos(B, d) after ``TRIALS`` trials."""
    rng = np.random.default_rng(seed)
    noise = (rng.random((TRIALS, STEPS, N)) < 0.1) - 0.1
    reward = (np.einsum("tsn,n->t", noise, task_effect()) > 0).astype(float)
    if shuffle_reward:
        reward = rng.permutation(reward)
    outcome = np.zeros((TRIALS, STEPS))
    outcome[:, -1] = 1.0
    rewards = outcome * reward[:, None]
    learner = learned_feedback(dt_ms=100.0, learning_rate=0.01)

    def step(state, now):
        xi, r, o = now
        return learner.step(state, xi, Broadcast(r, o, jnp.zeros(N))), None

    flat = (noise.reshape(-1, N), rewards.ravel(), outcome.ravel())
    state, _ = jax.lax.scan(step, learner.init(N, jnp.float64), jax.tree.map(jnp.asarray, flat))
    b = np.asarray(learner.weights(state))
    return float(b @ task_effect() / np.linalg.norm(b) / np.linalg.norm(task_effect()))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learned_feedback_aligns_with_the_reward_and_not_with_a_shuffled_one(seed: int) -> None:
    aligned = learn_feedback_on_a_synthetic_task(seed, shuffle_reward=False)
    shuffled = learn_feedback_on_a_synthetic_task(seed, shuffle_reward=True)
    assert aligned > 0.5, aligned
    assert abs(shuffled) < 3 / np.sqrt(N), shuffled


@pytest.fixture(scope="module")
def two_mice():
    mice = set_up(BCIConfig(mice=2, baseline_minutes=2.0, seed=6))
    return [jax.tree.map(lambda leaf, m=m: leaf[m], mice.control) for m in (0, 1)]


def test_learned_feedback_reads_no_decoder_information(two_mice) -> None:
    # The same reward sequence and the same noise give the same B under two different
    # decoders (and roles); symmetric feedback, which reads the decoder, does not.
    first, second = two_mice
    assert not np.array_equal(first.roles, second.roles)
    rng = np.random.default_rng(0)
    noise = jnp.asarray((rng.random((500, 120)) < 0.05) - 0.05)
    rewards = jnp.asarray((rng.random(500) < 0.1).astype(float))
    for origin, same in (("learned", True), ("symmetric", False)):
        learning = LearningConfig(rule="dendritic", feedback=origin)
        learner = learning.feedback_learner(1e3 / 15)
        weights = []
        for control in two_mice:
            state = learner.init(120, jnp.float64)
            for xi, r in zip(noise, rewards, strict=True):
                b = feedback_weights(learning, control, state)
                state = learner.step(state, xi, Broadcast(r, r, b))
            weights.append(np.asarray(feedback_weights(learning, control, state)))
        assert np.array_equal(*weights) == same, origin


@pytest.mark.parametrize("k", [4, 5])
def test_shuffled_feedback_is_orthogonal_to_the_decoder_for_every_mouse(k: int) -> None:
    mice = set_up(BCIConfig(mice=3, baseline_minutes=2.0, seed=8, control_neurons=k))
    roles, shuffled = np.asarray(mice.control.roles), np.asarray(mice.control.shuffled_feedback)
    controlling = roles != 0
    assert np.all(np.sum(roles * shuffled, axis=1) == 0)
    assert np.all(np.abs(shuffled[controlling]) == 1) and np.all(shuffled[~controlling] == 0)
    assert not np.any(np.all(shuffled == roles, axis=1) | np.all(shuffled == -roles, axis=1))


def test_probe_blocks_have_no_feedback_and_no_weight_change() -> None:
    # With the rule's credit and the energy cost off, nothing changes the weights, so
    # day 2's probe sees the same circuit whatever the feedback gain; the training
    # sessions, which the feedback steers, differ.
    size = dict(mice=2, days=2, session_minutes=1.0, baseline_minutes=2.0, probe_minutes=1.0)
    recorded: dict[float, dict] = {}
    for gain in (1.0, 5.0):
        sessions = recorded.setdefault(gain, {})

        def keep(session, block, sessions=sessions):
            sessions[session.mouse, session.day, block] = session.soma

        config = BCIConfig(
            rule="dendritic",
            feedback="symmetric",
            credit=False,
            learning={"feedback_gain": gain, "sparsity": 0.0},
            seed=2,
            **size,
        )
        run_experiment(config, on_session=keep)
    for mouse in ("mouse1", "mouse2"):
        np.testing.assert_array_equal(
            recorded[1.0][mouse, 2, "probe"], recorded[5.0][mouse, 2, "probe"]
        )
        assert not np.array_equal(
            recorded[1.0][mouse, 2, "training"], recorded[5.0][mouse, 2, "training"]
        )
    # and a probe session leaves the weights where they were
    config = BCIConfig(mice=2, baseline_minutes=2.0, seed=2)
    mice, circuit, frozen = set_up(config), config.circuit_config(), LearningConfig(rule="none")
    params, _, _ = run_sessions(
        circuit, frozen, PROTOCOL, 900, mice.circuit, mice.control,
        jax.random.split(jax.random.key(0), 2), jnp.zeros(2),
        fresh_learning_state(circuit, frozen, mice.circuit.params, jax.random.key(1)),
    )  # fmt: skip
    np.testing.assert_array_equal(params.w_in, mice.circuit.params.w_in)


def test_feedback_at_the_soma_is_current_added_to_the_somata() -> None:
    network = make_network(LIF(v_th=0.3), 4, 10, 1, key=jax.random.key(0))
    params = init_params(network, key=jax.random.key(1), dtype=jnp.float64, gain=2.0)
    inputs = jax.random.bernoulli(jax.random.key(2), 0.3, (30, 4)).astype(jnp.float64)
    current = 0.2 * jax.random.normal(jax.random.key(3), (30, 10))

    def respond(t, params, step, _):
        return t + 1, params, step.outputs

    loop = ClosedLoop(lambda t: TopDown(soma=current[t]), respond, jnp.asarray(0))
    closed, _, _ = simulate(network, params, inputs, loop=loop)
    open_loop, _, _ = simulate(
        network, params, inputs, perturbation=Perturbation(current=current),
        record=Recording(activity=True),
    )  # fmt: skip
    np.testing.assert_array_equal(closed.loop, open_loop.activity)


def test_feedback_options_that_cannot_apply_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="no learning signal"):
        BCIConfig(rule="node-perturbation", feedback="learned")
    with pytest.raises(ValueError, match="feedback site has no effect"):
        BCIConfig(rule="eprop", feedback_site="soma")
    with pytest.raises(ValueError, match="feedback"):
        BCIConfig(rule="dendritic", feedback="oracle")
    assert BCIConfig(rule="dendritic").learning_config().origin == "learned"
    assert BCIConfig(rule="direct-feedback-alignment").learning_config().origin == "random"


def test_every_vectorized_rule_brings_its_controls_into_a_comparison() -> None:
    configs = comparison_configs(("dendritic", "node-perturbation"), mice=2, days=2)
    names = sorted({name for name, _ in configs})
    assert names == [
        "dendritic",
        "dendritic-no-credit",
        "dendritic-shuffled",
        "energy-cost-only",
        "node-perturbation",
        "none",
    ]
    assert [is_control(configs[name, "none"]) for name in names] == [
        False, True, True, True, False, True
    ]  # fmt: skip
    no_credit, cost = configs["dendritic-no-credit", "none"], configs["energy-cost-only", "none"]
    gain = configs["dendritic", "none"].learning_config().feedback_gain  # the same steering
    assert not no_credit.credit and no_credit.learning_config().feedback_gain == gain
    assert not cost.credit and cost.learning_config().feedback_gain == 0.0
    assert condition_name(cost).startswith("energy cost only")
    labels = pd.Series([condition_name(c) for c in configs.values()])
    assert not labels.str.contains("upper bound").any()  # learned feedback by default


def test_a_comparison_takes_each_rule_with_its_own_feedback_and_chosen_controls() -> None:
    core = ("dendritic:learned", "dendritic:random", "dendritic:shuffled", "three-factor")
    configs = comparison_configs(core, controls=("energy-cost-only", "none"), mice=2, days=2)
    names = sorted({name for name, _ in configs})
    assert names == [
        "dendritic-learned",
        "dendritic-random",
        "dendritic-shuffled",
        "energy-cost-only",
        "none",
        "three-factor",
    ]
    assert configs["dendritic-random", "all"].feedback == "random"
    assert is_control(configs["dendritic-shuffled", "none"])
    assert {inhibition for _, inhibition in configs} == {"none", "all"}
    for bad in (("dendritic", "dendritic"), ()):
        with pytest.raises(ValueError, match="distinct"):
            comparison_configs(bad)
    with pytest.raises(ValueError, match="unknown control"):
        comparison_configs(("dendritic",), controls=("placebo",))
    with pytest.raises(ValueError, match="no learning signal"):
        comparison_configs(("three-factor:random",))


def test_probe_blocks_leave_the_training_sessions_as_they_were() -> None:
    # Probes draw their own noise and change nothing, so with --feedback symmetric the
    # training sessions are today's numbers whether or not probes run.
    size = dict(mice=2, days=2, session_minutes=1.0, baseline_minutes=2.0, seed=4)
    config = dict(rule="dendritic", feedback="symmetric", **size)
    with_probes = run_experiment(BCIConfig(probe_minutes=1.0, **config))
    without = run_experiment(BCIConfig(probe_minutes=0.0, **config))
    training = with_probes.daily[with_probes.daily.block == "training"].reset_index(drop=True)
    pd.testing.assert_frame_equal(training, without.daily)
    pd.testing.assert_frame_equal(with_probes.events, without.events)
    assert (with_probes.daily.block == "probe").sum() == 4
