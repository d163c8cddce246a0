"""Apical inhibition as a dose-response: the same mice at several NDNF activations."""

import pandas as pd
import pytest
from conftest import whole_page
from typer.testing import CliRunner

from creditlab.cli import app
from creditlab.experiments.bci.dose_response import dose_response, level_config
from creditlab.experiments.bci.experiment import BCIConfig

SMALL = dict(mice=3, days=2, session_minutes=2.0, baseline_minutes=2.0, probe_minutes=1.0)


def test_stronger_ndnf_activation_lowers_somatic_activity_of_the_same_mice() -> None:
    config = BCIConfig(rule="none", seed=5, **SMALL)
    table, trends = dose_response(config, (0.0, 10.0, 40.0))
    assert len(table) == 3 * 3 and set(table.level) == {0.0, 10.0, 40.0}
    at = table.groupby("level").activity.mean()
    assert at[0.0] == pytest.approx(1.0)
    assert at[40.0] < at[10.0] < 1.0  # the shunt and the plateau threshold quiet the somata
    assert trends["activity"].high < 0
    assert level_config(config, 5.0).apical_inhibition == "all"


def test_levels_are_checked_before_any_work(tmp_path) -> None:
    with pytest.raises(ValueError, match="start at 0"):
        dose_response(BCIConfig(**SMALL), (5.0, 10.0))
    out = tmp_path / "dose"
    arguments = ["bci-dose-response", "--out", str(out), "--levels", "0,5,20", "--rule", "none"]
    arguments += ["--mice", "2", "--days", "1", "--session-minutes", "1"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out / "dose_response.parquet")) == 3 * 2
    assert (out / "dose_response.png").exists() and (out / "config.json").exists()
    page = whole_page(out / "dose_response.html")
    assert "dose_response.png" in page and "levels 0, 5, 20" in page
    bad_levels = ["bci-dose-response", "--out", str(tmp_path / "x"), "--levels", "0,a"]
    bad = CliRunner().invoke(app, bad_levels)
    assert bad.exit_code == 2 and "numbers" in bad.output
