"""Liu et al. 2021's initial weights (``creditlab.initialisation``, "balanced-spectral"):
each row keeps its sign, each column of the dense matrix sums to 0, the spectral radius
is 1; wider matrices reuse its columns, the readout takes the first ones."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.config import make_config
from creditlab.initialisation import balanced_signed_matrix, initialise
from creditlab.train import training_parts

SIGNS = jnp.asarray([1.0] * 16 + [-1.0] * 4)  # 16 excitatory rows, 4 inhibitory


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rows_keep_their_sign_columns_balance_and_the_radius_is_one(seed: int) -> None:
    w = np.asarray(balanced_signed_matrix(jax.random.key(seed), SIGNS, 20, jnp.float64))
    signs = np.asarray(SIGNS)[:, None]
    assert (w * signs >= 0).all()  # excitatory rows ≥ 0, inhibitory rows ≤ 0
    np.testing.assert_allclose(w.sum(axis=0), 0.0, atol=1e-12)  # each column balanced
    assert np.max(np.abs(np.linalg.eigvals(w))) == pytest.approx(1.0, rel=1e-12)
    # must fail: without inhibitory rows nothing can balance, the columns sum above 0
    e_only = np.asarray(balanced_signed_matrix(jax.random.key(seed), jnp.ones(20), 20,
                                               jnp.float64))  # fmt: skip
    assert (e_only.sum(axis=0) > 0).all()
    assert np.max(np.abs(np.linalg.eigvals(e_only))) == pytest.approx(1.0, rel=1e-12)


def test_one_side_of_each_column_is_shifted_by_a_constant() -> None:
    """Step 2 spreads a column's excess evenly over the side that has too little: in each
    column one side is the draw only scaled (|w| ∝ |N|), the other the scaled draw plus
    one constant (|w| = a |N| + b, b > 0)."""
    key = jax.random.key(5)
    w = np.asarray(balanced_signed_matrix(key, SIGNS, 20, jnp.float64))
    # the same magnitudes without inhibitory rows: |N(0, 1)| scaled by its own radius
    draw = np.abs(np.asarray(balanced_signed_matrix(key, jnp.ones(20), 20, jnp.float64)))
    e, i = np.asarray(SIGNS) > 0, np.asarray(SIGNS) < 0
    shifted = []
    for column in range(20):
        for side, other in ((e, i), (i, e)):
            ratio = np.abs(w[other, column]) / draw[other, column]
            slope, intercept = np.polyfit(draw[side, column], np.abs(w[side, column]), 1)
            fit = slope * draw[side, column] + intercept
            if (
                np.allclose(ratio, ratio[0], rtol=1e-9)
                and np.allclose(fit, np.abs(w[side, column]), rtol=1e-9)
                and intercept > 1e-9
            ):
                shifted.append("E" if side is e else "I")
                break
    assert len(shifted) == 20
    assert set(shifted) == {"E", "I"}  # both sides are short somewhere at this draw


def test_wider_matrices_reuse_columns_and_the_readout_takes_the_first() -> None:
    key = jax.random.key(3)
    square = np.asarray(balanced_signed_matrix(key, SIGNS, 20, jnp.float64))
    first = np.asarray(balanced_signed_matrix(key, SIGNS, 2, jnp.float64))
    np.testing.assert_array_equal(first, square[:, :2])
    wide = np.asarray(balanced_signed_matrix(key, SIGNS, 60, jnp.float64))
    matches = [[np.array_equal(wide[:, j], square[:, k]) for k in range(20)] for j in range(60)]
    assert all(any(row) for row in matches)  # every column is one of the square's
    assert len({row.index(True) for row in matches}) < 60  # drawn with replacement


def test_liu_network_starts_from_balanced_signed_weights() -> None:
    config = make_config(task="evidence-accumulation-liu", rule="mdgl", precision="float64")
    network, state, _ = training_parts(config).initial(0)
    params = state.params
    sign = np.asarray(network.sign)[:, None]
    w_rec = np.asarray(params.w_rec)
    assert (w_rec * sign >= 0).all() and np.count_nonzero(w_rec) > 0  # Dale's law
    assert (np.asarray(params.w_in) * np.asarray(network.input_sign)[:, None] >= 0).all()
    assert (np.asarray(params.w_out) * sign >= 0).all()
    # must fail: the Gaussian initialisation of the same network gives other weights
    gaussian = initialise("scaled-gaussian", network, key=jax.random.key(0),
                          dtype=jnp.float64)  # fmt: skip
    assert not np.allclose(np.asarray(gaussian.w_rec), w_rec)
    with pytest.raises(ValueError, match="needs Dale's law"):
        initialise("balanced-spectral", dataclasses.replace(network, sign=None),
                   key=jax.random.key(0))  # fmt: skip
