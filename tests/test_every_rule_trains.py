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


@pytest.mark.parametrize("task", ["evidence-accumulation-liu", "delayed-match-liu"])
def test_every_rule_builds_on_liu_tasks_with_the_options_it_can_use(task: str) -> None:
    """Liu's tasks default to e-prop-family options (a readout bias, the reset in the
    traces, the offline form); a rule that cannot use one runs without it, and asking
    for it explicitly is still refused."""
    from pydantic import ValidationError

    from creditlab.config import keeps_reset_in_traces, trains_readout_bias

    for rule in RULES:
        config = make_config(task=task, rule=rule)
        assert config.network.readout_bias == trains_readout_bias(rule, config.evaluation)
        assert config.eligibility_reset == keeps_reset_in_traces(rule, config.evaluation)
        assert config.rewiring != "none" and config.network.signed_readout
    assert make_config(task=task, rule="mdgl-online").evaluation == "online"
    assert make_config(task=task, rule="eprop").evaluation == "offline"
    with pytest.raises(ValidationError, match="readout bias is trained by"):
        make_config(task=task, rule="node-perturbation", network={"readout_bias": True})
    with pytest.raises(ValidationError, match="offline forms only"):
        make_config(task=task, rule="eprop", evaluation="online", eligibility_reset=True)


@pytest.mark.parametrize(
    "rule", ["node-perturbation", "feedback-alignment", "three-factor", "mdgl-online"]
)
def test_rules_without_liu_options_train_on_liu_task(rule: str) -> None:
    """A rule without Liu's e-prop options trains on Liu's network (DEEP R, signed
    weights, balanced initial weights), with the readout bias left at 0."""
    config = make_config(
        task="evidence-accumulation-liu",
        rule=rule,
        iterations=2,
        batch=2,
        task_options={"delay_ms": 50.0},
    )
    result = train(config)
    assert all(math.isfinite(row["loss"]) for row in result.metrics)
    assert not config.network.readout_bias and result.params.b_out is None
