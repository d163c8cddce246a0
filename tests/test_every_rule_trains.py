"""Every rule on the command line's list trains a spiking network through ``train``."""

import math

import pytest

from creditlab.cell_types import NEEDS_TYPES
from creditlab.config import make_config
from creditlab.rules import RULES
from creditlab.train import train


@pytest.mark.parametrize("rule", list(RULES))
def test_rule_runs_through_train(rule: str) -> None:
    config = make_config(
        task="evidence-accumulation",
        rule=rule,
        iterations=2,
        batch=2,
        network={"n_rec": 12} | ({"excitatory_fraction": 0.8} if rule in NEEDS_TYPES else {}),
    )
    result = train(config)
    assert len(result.metrics) == 2
    for row in result.metrics:
        assert math.isfinite(row["loss"]) and 0.0 <= row["accuracy"] <= 1.0
        assert row["firing_rate_hz"] >= 0.0


@pytest.mark.parametrize("rule", NEEDS_TYPES)
def test_a_rule_between_cell_types_refuses_a_network_without_them(rule: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"has none: set network\.cell_types"):
        make_config(task="evidence-accumulation", rule=rule, network={"n_rec": 12})
    typed = make_config(task="evidence-accumulation-liu", rule=rule)
    assert typed.network.cell_types == "liu-ei"
