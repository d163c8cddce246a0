"""A bad configuration fails before any computation, naming the field and allowed values."""

import pytest
from pydantic import ValidationError

from creditlab.build import build_task
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


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_cues": 3.5}, "n_cues must be an integer, got 3.5"),
        ({"n_cues": 6}, "n_cues must be odd"),
        ({"scored_ms": "abc"}, "scored_ms must be a number or None"),
        ({"cue_order": "sideways"}, "cue_order must be one of 'gap-first', 'cue-first'"),
        ({"input_rate_hz": -40.0}, "input_rate_hz must be ≥ 0"),
        ({"delay_ms": -1.0}, "delay_ms must be ≥ 0"),
        ({"minority_probability": 1.5}, r"minority_probability must be in \[0, 1\]"),
        ({"group_size": 0}, "group_size must be ≥ 1"),
    ],
)
def test_task_options_are_checked_by_kind_and_range(options: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_config(task="evidence-accumulation-liu", rule="mdgl", task_options=options)


def test_task_options_of_the_right_kind_pass_and_batches_fit_the_patterns() -> None:
    options = {"n_cues": 5, "scored_ms": 5, "delay_ms": 0.0}
    config = make_config(task="evidence-accumulation-liu", rule="mdgl", batch=32,
                         evaluation_batch=32, task_options=options)  # fmt: skip
    assert build_task(config).n_cues == 5 and build_task(config).scored_ms == 5
    with pytest.raises(ValidationError, match="at most 32 distinct trials"):
        make_config(task="evidence-accumulation-liu", rule="mdgl", task_options={"n_cues": 5})
    with pytest.raises(ValidationError, match="evaluation_batch 500: the task draws at most 128"):
        make_config(task="evidence-accumulation-liu", rule="mdgl", evaluation_batch=500)
    with pytest.raises(ValidationError, match="spikes at most once a step"):
        make_config(task="delayed-match", rule="bptt", task_options={"input_rate_hz": 2000.0})
    # independent cue patterns have no limit
    make_config(task="evidence-accumulation", rule="bptt", batch=1000)
