"""The ablation's table (benchmarks/liu_ablation.py): a row that moves the loss is found
and one that does not is not, the p is adjusted over the whole table, and rows run at
other seeds are refused."""

import json
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture
def script(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import liu_ablation

    return liu_ablation


def write(folder, rule, row, losses, training=None, seeds=None) -> None:
    seeds = range(len(losses)) if seeds is None else seeds
    records = [
        {"seed": seed, "diverged": False, "final_loss": float(loss), "final_accuracy": 0.9,
         "training_batches_loss": float(loss if training is None else training[i])}
        for i, (seed, loss) in enumerate(zip(seeds, losses, strict=True))
    ]  # fmt: skip
    record = {"rule": rule, "row": row, "iterations": 500, "seeds": records}
    (folder / f"{rule}-{row}.json").write_text(json.dumps(record))


def test_a_row_that_moves_the_loss_is_found_and_one_that_does_not_is_not(script, tmp_path):
    rng = np.random.default_rng(4)
    reference = rng.normal(0.45, 0.05, 5)
    write(tmp_path, "mdgl", "all-liu", reference, training=reference + 0.02)
    write(tmp_path, "mdgl", "rewiring", reference + 0.10 + rng.normal(0, 0.005, 5))
    write(tmp_path, "mdgl", "readout-bias", reference + rng.normal(0, 0.05, 5))
    entries = {e["name"]: e for e in script.changes(tmp_path)["mdgl"]}
    moved, unmoved = entries["rewiring"], entries["readout-bias"]
    assert moved["row"] == 1 and moved["change"]["low"] > 0.08 and moved["p_holm"] < 0.05
    assert unmoved["change"]["low"] < 0 < unmoved["change"]["high"]
    assert unmoved["p_holm"] > 0.05
    measured = entries["measurement (training batches)"]
    assert measured["row"] == 11 and measured["change"]["mean"] == pytest.approx(0.02)
    assert "change" not in entries["all Liu's"]  # the reference is not a test of itself


def test_the_holm_adjustment_spans_both_rules(script, tmp_path):
    rng = np.random.default_rng(5)
    for rule in ("mdgl", "eprop"):
        reference = rng.normal(0.45, 0.05, 5)
        write(tmp_path, rule, "all-liu", reference)
        write(tmp_path, rule, "rewiring", reference + 0.03 + rng.normal(0, 0.02, 5))
    tested = [e for entries in script.changes(tmp_path).values() for e in entries if "p_holm" in e]
    p = sorted(e["change"]["p"] for e in tested)  # 4 tests: two rows, two measurements
    assert len(tested) == 4
    assert min(e["p_holm"] for e in tested) == pytest.approx(min(1.0, 4 * p[0]))


def test_a_row_at_other_seeds_is_refused(script, tmp_path):
    write(tmp_path, "eprop", "all-liu", [0.5, 0.6, 0.4])
    write(tmp_path, "eprop", "cue-order", [0.5, 0.6, 0.4], seeds=[0, 1, 3])
    with pytest.raises(ValueError, match="other seeds"):
        script.changes(tmp_path)
