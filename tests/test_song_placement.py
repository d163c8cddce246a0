"""The spiny-MSN song model: placement is data, and what it changes is the compartments'
doing (issue 22 §1–§2). Each finding is measured on learning curves, with a case where
it must fail."""

import numpy as np
import pandas as pd
import pytest
from conftest import whole_page

from creditlab.experiments.song.experiment import final_error
from creditlab.experiments.song.placement import PlacementConfig, make_wired_birds, run_placement
from creditlab.experiments.song.placement_grid import (
    cell_config,
    cell_scores,
    levels,
    prediction,
    run_grid,
)

REDUCED = {"hvc_neurons": 100, "msn_per_channel": 10}
NO_COMPARTMENTS = {
    "neck_resistance_mohm": 0.0,
    "sister_branch_coupling": 1.0,
    "shaft_calcium_ratio": 1.0,
}
HYPOTHESIS, SWAPPED = (1.0, 0.0), (0.0, 1.0)


def curve(placement, physics=None, **fields) -> pd.DataFrame:
    base = PlacementConfig(
        birds=3, renditions=300, seed=11, model=REDUCED, physics=physics or {},
        rule_options={"learning_rate": 1.0}, **fields,
    )  # fmt: skip
    return run_placement(cell_config(base, *placement)).learning


def mean_error(learning: pd.DataFrame) -> np.ndarray:
    return learning.groupby("bird").relative_error.mean().to_numpy()


def test_swapping_placement_changes_learning_through_the_compartments() -> None:
    # Declared: with the default (literature) physics, every bird's mean relative error
    # over 300 renditions is higher with LMAN on spines and HVC on shafts than the
    # other way round; without compartments (no neck, full spread, calcium shared) the
    # spine flags change nothing, so the two placements give the same numbers.
    normal, swapped = mean_error(curve(HYPOTHESIS)), mean_error(curve(SWAPPED))
    assert np.all(swapped > normal + 0.05), (normal, swapped)
    flat_normal = curve(HYPOTHESIS, NO_COMPARTMENTS)
    flat_swapped = curve(SWAPPED, NO_COMPARTMENTS)
    np.testing.assert_allclose(mean_error(flat_normal), mean_error(flat_swapped), rtol=1e-9)


def test_placement_is_data_drawn_per_synapse_with_its_fraction() -> None:
    base = PlacementConfig(birds=2, renditions=1, seed=3, model=REDUCED)
    for hvc, lman in [(0.2, 0.8), (0.6, 0.4)]:
        birds = make_wired_birds(cell_config(base, hvc, lman))
        placement = birds.placement
        source = np.asarray(placement.source[0])
        connected = np.asarray(placement.connected) > 0
        spine = np.asarray(placement.spine) > 0
        is_hvc = np.broadcast_to(source < REDUCED["hvc_neurons"], connected.shape)
        hvc_fraction = spine[connected & is_hvc].mean()
        lman_fraction = spine[connected & ~is_hvc].mean()
        assert hvc_fraction == pytest.approx(hvc, abs=0.03)
        assert lman_fraction == pytest.approx(lman, abs=0.08)
    # every MSN has its own HVC inputs: no two MSNs share their connection pattern
    rows = np.asarray(placement.connected[0])
    assert len({row.tobytes() for row in rows}) == len(rows)


def test_an_lman_lesion_removes_the_variability_that_learning_needs() -> None:
    # Declared: with LMAN silent the synapses' calcium repeats from rendition to
    # rendition, so the traces carry nothing the reward could correlate with and no
    # weight moves by more than 1e-6 nS over 300 renditions. Must fail: intact, over the
    # same renditions, weights move by more than 1e-3 nS.
    def largest_move(lesion: str) -> float:
        config = PlacementConfig(birds=2, renditions=300, seed=11, model=REDUCED,
                                 lesion=lesion, rule_options={"learning_rate": 1.0})  # fmt: skip
        start = np.asarray(make_wired_birds(config).initial_weights)
        return float(np.abs(np.asarray(run_placement(config).weights) - start).max())

    assert largest_move("lman") < 1e-6
    assert largest_move("none") > 1e-3


def test_the_grid_statistics_and_prediction_are_the_declared_ones(tmp_path) -> None:
    learning = pd.DataFrame({
        "bird": np.repeat([0, 1], 300),
        "rendition": np.tile(np.arange(1, 301), 2),
        "relative_error": np.concatenate([np.linspace(1.0, 0.5, 300), np.full(300, 0.8)]),
    })  # fmt: skip
    scores = cell_scores(learning)
    removed = 1 - np.array([final_error(learning)[0], 0.8])
    assert scores["error_removed"] == pytest.approx(removed.mean())
    assert scores["learning_speed"] == pytest.approx(np.mean([0.25, 0.2]))
    np.testing.assert_allclose(levels(6), [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    grid = pd.DataFrame({
        "hvc_spine_fraction": [0.0, 1.0, 1.0], "lman_spine_fraction": [0.0, 0.0, 1.0],
        "error_removed": [0.1, 0.5, 0.45], "error_removed_low": [0.0, 0.4, 0.3],
        "error_removed_high": [0.2, 0.6, 0.5],
    })  # fmt: skip
    best = prediction(grid)
    assert (best["hvc_spine_fraction"], best["lman_spine_fraction"]) == (1.0, 0.0)
    assert best["tied_cells"] == 2  # the third cell's interval reaches 0.4
    base = PlacementConfig(birds=1, renditions=2, seed=5, model=REDUCED)
    first = run_grid(base, 2, tmp_path / "cells")
    assert len(first) == 4 and len(list((tmp_path / "cells").glob("*.parquet"))) == 4
    again = run_grid(base, 2, tmp_path / "cells")  # read back, not rerun
    pd.testing.assert_frame_equal(first, again)


def test_the_placement_command_writes_its_report_resumes_and_refuses_bad_input(tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from creditlab.cli import app

    out = tmp_path / "grid"
    arguments = ["song-placement", "--out", str(out), "--physics", "mid,strong", "--levels",
                 "2", "--birds", "2", "--renditions", "3", "--msn-per-channel", "3"]  # fmt: skip
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    for name in ("grid.parquet", "placement_grid.png", "placement.md", "report.html",
                 "synapses.parquet", "config.json"):  # fmt: skip
        assert (out / name).exists(), name
    grid = pd.read_parquet(out / "grid.parquet")
    assert len(grid) == 2 * 4 and set(grid.physics) == {"mid", "strong"}
    text = (out / "placement.md").read_text()
    assert "not found" in text and "Kornfeld et al. 2020" in text
    page = whole_page(out / "report.html")  # the page of placement.md, its figure explained
    assert "<td>Kornfeld et al. 2020" in page and "star marks the" in page
    assert "<th>seed</th>" in page and "birds 2, renditions 3" in page
    synapses = pd.read_parquet(out / "synapses.parquet")
    assert set(synapses.compartment) <= {"spine_head", "shaft"}
    assert (synapses.area_um2 > 0).all()
    status = json.loads((out / "status.json").read_text())
    assert status["status"] == "complete"
    again = CliRunner().invoke(app, arguments)  # the same run: read back, not redone
    assert again.exit_code == 0, again.output
    pd.testing.assert_frame_equal(pd.read_parquet(out / "grid.parquet"), grid)
    other = CliRunner().invoke(app, [*arguments[:-2], "--msn-per-channel", "4"])
    assert other.exit_code != 0 and "already holds results" in " ".join(other.output.split())
    for bad, word in ((["--physics", "huge"], "huge"), (["--levels", "1"], "levels"),
                      (["--seed", "1000000"], "calibration")):  # fmt: skip
        refused = CliRunner().invoke(app, ["song-placement", "--out", str(tmp_path / "x"), *bad])
        assert refused.exit_code == 2 and word in refused.output, refused.output
