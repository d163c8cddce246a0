"""creditlab's e-prop reproduces NEST 3.10's e-prop loss trajectories (relative 1e-5, float64).

Runs ``benchmarks/eprop_vs_nest.py --json`` as a user would; NEST (nest-simulator) is a dev
dependency. The matched configuration is the NEST example's own: weights, inputs and targets.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nest", reason="nest-simulator is a dev dependency (pip install -e '.[dev]')")

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "eprop_vs_nest.py"


def compare(*args: str) -> dict:
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(completed.stdout)  # one JSON object and nothing else (NEST's banner: stderr)


@pytest.mark.parametrize(
    ("task", "iterations", "seed", "batch"),
    [("sine-waves", 4, 1, 2), ("evidence-accumulation", 3, 7, 2)],
)
def test_loss_trajectory_matches_nest(task: str, iterations: int, seed: int, batch: int) -> None:
    result = compare(
        "--task", task, "--iterations", str(iterations), "--seed", str(seed), "--batch", str(batch)
    )
    nest, ours = result["nest"]["loss"], result["creditlab"]["loss"]
    assert len(nest) == len(ours) == iterations
    assert len(set(nest)) > 1, "the loss must change, or the comparison says nothing"
    assert ours == pytest.approx(nest, rel=1e-5)
    assert result["nest"]["wall_s"] > 0 and result["creditlab"]["wall_s"] > 0
