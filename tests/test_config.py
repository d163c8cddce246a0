"""A bad configuration fails before any computation, naming the field and allowed values."""

import pytest
from pydantic import ValidationError

from creditlab.config import describe_errors, load_config, make_config


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"task": "mnist", "rule": "eprop"},
            "task: Value error, unknown task 'mnist'; tasks: sine-waves, evidence-accumulation, "
            "evidence-accumulation-liu, delayed-match, delayed-match-liu, dnms, "
            "teacher-student, reach",
        ),
        (
            {"task": "sine-waves", "rule": "hebb"},
            "rule: Value error, unknown rule 'hebb'; trainable rules: bptt, eprop,",
        ),
        (
            {"task": "sine-waves", "rule": "eprop", "iterations": 0},
            "iterations: Input should be greater than or equal to 1",
        ),
        (
            {"task": "sine-waves", "rule": "eprop", "network": {"connectivity": 1.5}},
            "network.connectivity: Input should be less than or equal to 1",
        ),
        (
            {"task": "sine-waves", "rule": "eprop", "neuron": {"model": "hh"}},
            "neuron.model: Input should be 'lif', 'alif' or 'rate'",
        ),
        (
            {"task": "sine-waves", "rule": "eprop", "learning_rat": 1.0},
            "learning_rat: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_fields_are_named(fields: dict, expected: str) -> None:
    with pytest.raises(ValidationError) as error:
        make_config(**fields)
    assert expected in describe_errors(error.value)


def test_task_defaults_and_toml_round_trip(tmp_path) -> None:
    path = tmp_path / "run.toml"
    path.write_text('task = "evidence-accumulation"\nrule = "bptt"\n[network]\nn_rec = 40\n')
    config = load_config(path)
    assert config.neuron.model == "alif" and config.network.n_rec == 40 and config.batch == 32
    assert make_config(**config.model_dump()) == config


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("c.json", '{"iterations": 2,', "c.json: not valid JSON"),
        ("c.toml", "iterations = = 2", "c.toml: not valid TOML"),
        ("c.json", b"\x80\x04K\x02.", "c.json: not a text file"),
        ("c.yaml", "iterations: 2", "c.yaml: a config is a .json or .toml file"),
        ("c.pkl", b"\x80\x04K\x02.", "c.pkl: a config is a .json or .toml file"),
        ("c.json", "[1, 2]", "c.json must hold a table of fields"),
    ],
)
def test_a_config_file_that_cannot_be_read_is_named(tmp_path, name, content, expected) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError, match=expected):
        load_config(path)
