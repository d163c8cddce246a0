"""Spiny MSN dendrites: the circuit equations hold exactly, a spine head keeps its own
depolarisation and calcium, and the local three-factor rule's step is its equation."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.neurons.spiny_dendrite import (
    MICROVOLT_PER_MV,
    Placement,
    SpinePhysics,
    SpinyDendrites,
    nmda_unblock,
)
from creditlab.rules import get_rule
from creditlab.rules.local_three_factor import local_three_factor
from creditlab.rules.online import Broadcast, Local

# One MSN, two branches. Column 0: a spine synapse on branch 0; column 1: a shaft
# synapse on branch 1 (input 1); column 2: a shaft synapse on branch 0 (input 2).
PLACEMENT = Placement(
    source=jnp.array([0, 1, 2]),
    connected=jnp.ones((1, 3)),
    spine=jnp.array([[1.0, 0.0, 0.0]]),
    branch=jnp.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]]),
)
WEIGHTS = jnp.array([[0.5, 0.5, 0.5]])  # nS, one unitary synapse each
LITERATURE = SpinePhysics()  # R_neck 200 MΩ, κ 0.3
NO_COMPARTMENTS = SpinePhysics(
    neck_resistance_mohm=0.0, sister_branch_coupling=1.0, shaft_calcium_ratio=1.0
)


def respond(physics: SpinePhysics, activity) -> tuple:
    return SpinyDendrites(physics).respond(WEIGHTS, jnp.asarray([activity], float), PLACEMENT)


@pytest.mark.parametrize("physics", [LITERATURE, SpinePhysics(neck_resistance_mohm=500.0)])
def test_the_steady_state_satisfies_the_circuit_equations(physics) -> None:
    activity = [1.0, 0.7, 0.4]
    response = respond(physics, activity)
    g = np.asarray(WEIGHTS[0]) * np.array(activity)
    local = np.asarray(response.local[0, 0])
    E = physics.reversal_above_rest_mv
    current = g * (E - local)  # every synapse: I = g (E − v at its own site)
    branch_of = np.array([0, 1, 0])
    per_branch = np.array([current[branch_of == b].sum() for b in (0, 1)])
    k, R = physics.sister_branch_coupling, physics.branch_resistance_mohm / MICROVOLT_PER_MV
    branch = R * ((1 - k) * per_branch + k * per_branch.sum())
    np.testing.assert_allclose(local[1:], branch[branch_of[1:]], rtol=1e-12)
    head = branch[0] + physics.neck_resistance_mohm / MICROVOLT_PER_MV * current[0]
    np.testing.assert_allclose(local[0], head, rtol=1e-12)
    soma = physics.soma_resistance_mohm / MICROVOLT_PER_MV * current.sum()
    np.testing.assert_allclose(float(response.soma[0, 0]), soma, rtol=1e-12)


def test_the_mg_block_is_jahr_and_stevens_form() -> None:
    physics = SpinePhysics(rest_mv=0.0, magnesium_mm=1.0)
    for volts in (-70.0, -20.0, 0.0, 20.0):
        expected = 1.0 / (1.0 + math.exp(-0.062 * volts) / 3.57)
        assert float(nmda_unblock(jnp.asarray(volts), physics)) == pytest.approx(expected)


def calcium_changes(physics: SpinePhysics) -> tuple[float, float]:
    """The spine synapse's calcium signal: its change when its own input is active
    against silent, and when a shaft input on the other branch is active against
    silent (with the spine's own input active in both)."""
    alone = float(respond(physics, [1.0, 0.0, 0.0]).calcium[0, 0, 0])
    silent = float(respond(physics, [0.0, 0.0, 0.0]).calcium[0, 0, 0])
    elsewhere = float(respond(physics, [1.0, 1.0, 0.0]).calcium[0, 0, 0])
    return alone - silent, elsewhere - alone


def test_a_spine_sees_its_own_coincidence_and_little_of_shaft_input_elsewhere() -> None:
    own, elsewhere = calcium_changes(LITERATURE)
    assert own > 0 and elsewhere > 0
    assert own > 5 * elsewhere  # the head's own input dominates its calcium
    # Must fail without compartments (no neck, full spread): an equal shaft input
    # elsewhere moves the spine's calcium about as much as its own input does.
    own_flat, elsewhere_flat = calcium_changes(NO_COMPARTMENTS)
    assert own_flat < 1.5 * elsewhere_flat


def test_a_shaft_synapse_sees_shaft_input_on_its_branch_as_the_spine_does_not() -> None:
    # Input 2 (shaft, branch 0) depolarises branch 0: the shaft synapse there and the
    # spine on branch 0 both see it through the branch; the head by a factor 1 − R_neck a
    # (a = g / (1 + g R_neck)), as the branch's rise lowers the spine's own current.
    quiet = respond(LITERATURE, [1.0, 0.0, 0.0]).local[0, 0]
    loud = respond(LITERATURE, [1.0, 0.0, 1.0]).local[0, 0]
    branch_rise = float(loud[2] - respond(LITERATURE, [1.0, 0.0, 1e-12]).local[0, 0, 2])
    neck = LITERATURE.neck_resistance_mohm / MICROVOLT_PER_MV
    g = float(WEIGHTS[0, 0])
    head_rise = float(loud[0] - quiet[0])
    assert head_rise == pytest.approx(branch_rise * (1 - neck * g / (1 + g * neck)), rel=1e-6)
    assert head_rise > 0.9 * branch_rise
    # ... but calcium from the same influx is diluted in the shaft
    calcium = respond(LITERATURE, [1.0, 0.0, 1.0])
    ratio = calcium.calcium[0, 0, 2] / calcium.unblock[0, 0, 2]
    assert float(ratio) == pytest.approx(LITERATURE.shaft_calcium_ratio)


def test_without_a_neck_spine_and_shaft_synapses_see_the_same_voltage() -> None:
    physics = SpinePhysics(neck_resistance_mohm=0.0)
    moved = PLACEMENT._replace(spine=jnp.zeros((1, 3)))
    on_spine = SpinyDendrites(physics).respond(WEIGHTS, jnp.ones((1, 3)), PLACEMENT)
    on_shaft = SpinyDendrites(physics).respond(WEIGHTS, jnp.ones((1, 3)), moved)
    np.testing.assert_allclose(on_spine.local, on_shaft.local, rtol=1e-12)
    np.testing.assert_allclose(on_spine.soma, on_shaft.soma, rtol=1e-12)


def test_the_local_rule_step_is_its_equation() -> None:
    rule = local_three_factor(
        dt_ms=20.0, learning_rate=0.5, signal_mean_rate=0.1, trace_time_constant_ms=100.0,
        baseline_rate=0.25, initial_baseline=0.5,
    )  # fmt: skip
    weights = jnp.zeros((2, 3))
    state = rule.init(weights, jax.random.key(0))
    pre = jnp.array([1.0, 0.0, 0.5])
    zeros = jnp.zeros(2)
    quiet = Broadcast(jnp.zeros(()), jnp.zeros(()), zeros)

    def local(signal, pre=pre):
        return Local(pre, zeros, zeros, zeros, zeros, zeros, jnp.asarray(signal))

    first = np.array([[0.2, 0.9, 0.4], [0.1, 0.3, 0.6]])
    change, state = rule.step(state, weights, local(first), quiet)
    # the first active step sets c̄ = c: no trace yet; an inactive input is unseen
    np.testing.assert_array_equal(change, 0.0)
    np.testing.assert_allclose(state.eligibility, 0.0)
    np.testing.assert_array_equal(state.seen, [[True, False, True]] * 2)
    second = np.array([[0.5, 0.1, 0.1], [0.1, 0.9, 0.9]])
    mean = np.where([True, False, True], first, 0.0)  # input 1 never active: c̄ = 0
    _, state = rule.step(state, weights, local(second), quiet)
    gamma = math.exp(-20.0 / 100.0)
    trace = np.asarray(pre) * (second - mean)  # x (c − c̄), 0 for the silent input
    np.testing.assert_allclose(state.eligibility, trace, rtol=1e-12)
    rate = 0.1 * np.asarray(pre)  # α min(x, 1)
    np.testing.assert_allclose(state.expected_signal, mean + rate * (second - mean), rtol=1e-12)
    reward = Broadcast(jnp.asarray(1.0), jnp.asarray(1.0), zeros)
    silent = local(np.zeros((2, 3)), pre=jnp.zeros(3))
    change, state = rule.step(state, weights, silent, reward)
    np.testing.assert_allclose(change, 0.5 * (1.0 - 0.5) * gamma * trace, rtol=1e-12)
    assert float(state.baseline.value) == pytest.approx(0.5 + 0.25 * 0.5)


def test_the_local_rule_on_a_point_neuron_reads_its_output() -> None:
    rule = get_rule("local-three-factor").closed_loop(dt_ms=1.0)
    weights = jnp.zeros((2, 2))
    state = rule.init(weights, jax.random.key(0))
    pre, post = jnp.array([1.0, 1.0]), jnp.array([0.3, 0.7])
    zeros = jnp.zeros(2)
    quiet = Broadcast(jnp.zeros(()), jnp.zeros(()), zeros)
    _, state = rule.step(state, weights, Local(pre, post, zeros, zeros, zeros, zeros), quiet)
    np.testing.assert_allclose(state.expected_signal, [[0.3, 0.3], [0.7, 0.7]])
