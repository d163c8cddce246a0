"""The declared statistics of delayed match on Liu's network
(benchmarks/liu_delayed_match.py): what each verdict may say, and that the declared
effect sizes are those of the run the plan was computed from."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def script(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import liu_delayed_match

    return liu_delayed_match


def losses(values) -> dict[int, float]:
    return dict(enumerate(values))


def test_a_real_difference_is_called_and_its_absence_is_not(script) -> None:
    rng = np.random.default_rng(1)
    other = rng.normal(0.6, 0.05, 30)
    lower = script.compare_pair(losses(other - 0.05 + rng.normal(0, 0.02, 30)),
                                losses(other), -0.5)  # fmt: skip
    assert lower["difference"]["p"] < 0.05 and lower["first_lower_in"] > 25
    assert script.verdict("mdgl", "eprop", True, lower).startswith("MDGL's loss is lower")
    same = script.compare_pair(losses(other + rng.normal(0, 0.05, 30)), losses(other), -0.5)
    assert same["difference"]["p"] > 0.05
    assert script.verdict("mdgl", "eprop", True, same).startswith("no difference shown")


def test_the_pair_declared_unresolvable_stays_so_whatever_its_p(script) -> None:
    other = np.linspace(0.5, 0.7, 30)
    row = script.compare_pair(losses(other - 0.1), losses(other + 0.001 * np.arange(30)), -0.033)
    assert row["difference"]["p"] < 1e-6
    said = script.verdict("bptt", "mdgl", False, row)
    assert said.startswith("not tested: declared not resolvable at 30 seeds")
    assert "for information only" in said and "lower" not in said


def test_a_diverged_seed_counts_at_chance_not_at_its_last_finite_loss(script) -> None:
    record = {"seeds": [{"seed": 0, "diverged": False, "final_loss": 0.4},
                        {"seed": 1, "diverged": True, "final_loss": 0.1}]}  # fmt: skip
    assert script.finals(record, "loss") == {0: 0.4, 1: pytest.approx(np.log(2))}
    assert script.diverged(record) == {1}


def test_different_seeds_are_refused(script) -> None:
    with pytest.raises(ValueError, match="different seeds"):
        script.compare_pair({0: 0.5, 1: 0.6}, {0: 0.5, 2: 0.6}, -0.5)


def test_the_declared_effects_are_the_five_seed_run(tmp_path) -> None:
    folder = tmp_path / "dms"
    shutil.copytree(BENCHMARKS / "mdgl_results" / "dms-liu-long" / "trials", folder / "trials")
    subprocess.run(
        [sys.executable, str(BENCHMARKS / "liu_delayed_match.py"), str(folder),
         "--rename", "mdgl-no-modulation=eprop"],
        check=True, capture_output=True, cwd=BENCHMARKS,
    )  # fmt: skip
    pairs = json.loads((folder / "delayed_match.json").read_text())["pairs"]
    for name, row in pairs.items():
        assert row["d_z"] == pytest.approx(row["declared_d_z"], abs=5e-4), name
    assert (folder / "delayed_match.png").stat().st_size > 10_000


def test_a_diverged_seed_is_named_and_the_pairs_without_it_shown(tmp_path) -> None:
    folder = tmp_path / "dms"
    shutil.copytree(BENCHMARKS / "mdgl_results" / "dms-liu-long" / "trials", folder / "trials")
    (path,) = (folder / "trials").glob("final-*-mdgl-lr*.json")
    record = json.loads(path.read_text())
    record["seeds"][2]["diverged"] = True
    path.write_text(json.dumps(record))
    printed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "liu_delayed_match.py"), str(folder),
         "--rename", "mdgl-no-modulation=eprop"],
        check=True, capture_output=True, text=True, cwd=BENCHMARKS,
    ).stdout  # fmt: skip
    assert "Diverged seeds, scored at chance above: MDGL [2]" in printed
    result = json.loads((folder / "delayed_match.json").read_text())
    assert result["diverged"]["mdgl"] == [2]
    assert result["rules"]["mdgl"]["loss"][2] == pytest.approx(np.log(2))
    assert result["pairs"]["mdgl-eprop"]["without_diverged_seeds"]["seeds"] == 4
