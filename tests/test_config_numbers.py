"""Every numeric field of every config refuses booleans, NaN and infinities, naming the
field: ``{"iterations": true}`` must not run one iteration, ``tau_m = inf`` must not
train a silent network."""

from __future__ import annotations

import math
import typing

import pytest
from pydantic import BaseModel, ValidationError

from creditlab.compare.plan import CompareSpec
from creditlab.config import (
    CellTypeConfig,
    NetworkConfig,
    NeuronConfig,
    RewardRuleConfig,
    TrainConfig,
    make_config,
)
from creditlab.experiments.bci.experiment import BCIConfig
from creditlab.experiments.song.experiment import SongConfig

VALID: dict[type[BaseModel], dict] = {
    NeuronConfig: {},
    CellTypeConfig: {"name": "E", "fraction": 0.5},
    NetworkConfig: {},
    RewardRuleConfig: {},
    TrainConfig: make_config(task="sine-waves", rule="eprop").model_dump(),
    CompareSpec: {"tasks": ("sine-waves",), "rules": ("eprop",)},
    BCIConfig: {"mice": 1, "days": 1},
    SongConfig: {"birds": 1, "renditions": 10},
}
MAPPINGS = {  # mapping fields whose values are numbers, with a key that is valid
    (BCIConfig, "circuit"): "somatic_noise",
    (BCIConfig, "learning"): "feedback_gain",
    (BCIConfig, "rule_options"): "learning_rate",
    (SongConfig, "model"): "bin_ms",
}


def numeric(annotation) -> bool:
    if annotation in (int, float):
        return True
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return bool(args) and all(a in (int, float) for a in args)


CASES = [
    (model, name)
    for model in VALID
    for name, field in model.model_fields.items()
    if numeric(field.annotation)
]


def test_the_valid_bases_are_valid() -> None:
    for model, fields in VALID.items():
        model(**fields)
    assert len(CASES) > 40


@pytest.mark.parametrize("bad", [True, math.nan, math.inf, -math.inf], ids=str)
@pytest.mark.parametrize(("model", "name"), CASES, ids=lambda x: getattr(x, "__name__", x))
def test_a_numeric_field_refuses(model, name, bad) -> None:
    with pytest.raises(ValidationError) as error:
        model(**(VALID[model] | {name: bad}))
    assert name in str(error.value)


@pytest.mark.parametrize("bad", [True, math.nan, math.inf], ids=str)
@pytest.mark.parametrize(("model", "name"), list(MAPPINGS), ids=lambda x: getattr(x, "__name__", x))
def test_a_numeric_value_in_a_mapping_refuses(model, name, bad) -> None:
    key = MAPPINGS[model, name]
    model(**(VALID[model] | {name: {key: 0.5}}))  # the key itself is valid
    with pytest.raises(ValidationError) as error:
        model(**(VALID[model] | {name: {key: bad}}))
    assert key in str(error.value)


def test_absurd_sizes_are_refused() -> None:
    with pytest.raises(ValidationError, match="rate_target_hz"):
        make_config(task="sine-waves", rule="eprop", rate_target_hz=1e30)
    with pytest.raises(ValidationError, match="init_gain"):
        make_config(task="sine-waves", rule="eprop", network={"init_gain": 1e30})
