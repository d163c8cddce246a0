"""Cell types as data: layout, receptors, validation, and the networks they configure."""

import jax
import numpy as np
import pytest
from pydantic import ValidationError

from creditlab import cell_types as ct
from creditlab.build import build_network, build_task
from creditlab.config import make_config


def test_layout_counts_and_receptors() -> None:
    assert list(ct.counts(ct.LIU_EI, 100)) == [19, 31, 50]
    assert sum(ct.counts(ct.SIX_TYPES, 37)) == 37
    labels = ct.labels(ct.LIU_EI, 100)
    assert list(np.bincount(labels)) == [19, 31, 50] and np.all(np.diff(labels) >= 0)
    assert list(ct.signs(ct.LIU_EI, 100)[[0, 18, 19, 99]]) == [-1, -1, 1, 1]
    # every Liu cell hears both modulators
    assert ct.receptor_matrix(ct.LIU_EI).tolist() == np.ones((3, 3)).tolist()
    one_way = (
        ct.CellType("A", 0.5, releases=("a",), receptors=()),
        ct.CellType("B", 0.5, releases=("b",), receptors=("a",)),
    )
    assert ct.receptor_matrix(one_way).tolist() == [[0.0, 1.0], [0.0, 0.0]]


@pytest.mark.parametrize(
    ("types", "message"),
    [
        ((), "at least one"),
        ((ct.CellType("A", 0.5), ct.CellType("A", 0.5)), "unique"),
        ((ct.CellType("A", 0.7),), "sum to 1"),
        ((ct.CellType("A", 1.0, sign="X"),), "sign"),
        ((ct.CellType("A", 1.0, model="hh"),), "model"),
    ],
)
def test_bad_cell_types_are_refused_with_the_reason(types, message) -> None:
    with pytest.raises(ValueError, match=message):
        ct.validate(types)


def test_the_liu_configuration_builds_the_published_network() -> None:
    config = make_config(task="evidence-accumulation-liu", rule="mdgl")
    task = build_task(config)
    assert task.n_steps == 2000
    trials = task.sample(jax.random.key(0), 4)
    assert np.asarray(trials.mask).sum(axis=1).tolist() == [1.0] * 4  # the last step only
    network = build_network(config, task, key=jax.random.key(1))
    beta = np.asarray(network.neuron.beta)
    assert (beta[:50] == 0).all() and (beta[50:] > 0).all()  # 50 LIF then 50 ALIF
    assert (np.asarray(network.sign)[:19] == -1).all() and (
        np.asarray(network.sign)[19:] == 1
    ).all()
    for mask in (network.input_mask, network.recurrent_mask, network.output_mask):
        assert 0.07 < float(np.mean(np.asarray(mask))) < 0.13


def test_delayed_match_liu_uses_the_same_network() -> None:
    a = make_config(task="evidence-accumulation-liu", rule="mdgl")
    b = make_config(task="delayed-match-liu", rule="mdgl")
    assert a.network == b.network and a.neuron == b.neuron and b.batch == 64
    assert build_task(b).n_steps == 1350


def test_internal_cell_types_have_no_readout_weights() -> None:
    config = make_config(
        task="evidence-accumulation-liu",
        rule="mdgl",
        network={"cell_types": "six-types", "output_connectivity": 1.0},
    )
    network = build_network(config, build_task(config), key=jax.random.key(1))
    readout = np.asarray(ct.per_neuron(ct.SIX_TYPES, 100, "readout"))
    mask = np.asarray(network.output_mask)
    assert (mask[~readout] == 0).all() and (mask[readout] == 1).all()


def test_config_errors_name_the_cell_types_field() -> None:
    with pytest.raises(ValidationError, match="cell_types or excitatory_fraction"):
        make_config(
            task="evidence-accumulation-liu", rule="mdgl", network={"excitatory_fraction": 0.8}
        )
    with pytest.raises(ValidationError, match="sum to 1"):
        make_config(
            task="evidence-accumulation-liu",
            rule="mdgl",
            network={"cell_types": [{"name": "E", "fraction": 0.5}]},
        )
    with pytest.raises(ValidationError, match="cell_types"):
        make_config(task="evidence-accumulation-liu", rule="mdgl", network={"cell_types": "seven"})
