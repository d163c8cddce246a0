"""Seeds trained together are spread over the devices JAX sees. On two (CPU) devices,
looped seeds give exactly the numbers one device gives (and ``train`` gives); with the
vmapped layout each device trains its half of the seeds with exactly the numbers one
device gives for that half (bitwise, float64)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

SCRIPT = """
import json, sys
import jax
jax.config.update("jax_enable_x64", True)
from creditlab.config import make_config
from creditlab.seeds import BATCHINGS, device_shares, train_seeds
config = make_config(task="sine-waves", rule="eprop", iterations=4, batch=2,
                     network={"n_rec": 10}, precision="float64")
seeds = [int(s) for s in sys.argv[1].split(",")]
result = train_seeds(config, seeds, batching=BATCHINGS[sys.argv[2]])
from creditlab.train import training_parts
runs = BATCHINGS["looped"].start(training_parts(config), seeds)
placed = len({d for state in runs._states for d in state.params.w_rec.devices()})
w = result.states.params.w_rec
print(json.dumps({"devices": len(device_shares(len(seeds))), "placed": placed,
                  "loss": [[row["loss"] for row in rows] for rows in result.metrics],
                  "w_rec": jax.device_get(w).tolist()}))
"""


def run(seeds: str, devices: int, batching: str = "vmapped") -> dict:
    env = os.environ | {"XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, seeds, batching],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_devices_give_each_half_of_the_seeds_the_one_device_numbers() -> None:
    sharded = run("0,1,2,3", devices=2)
    assert sharded["devices"] == 2
    halves = [run("0,1", devices=1), run("2,3", devices=1)]
    assert all(half["devices"] == 1 for half in halves)
    assert sharded["loss"] == halves[0]["loss"] + halves[1]["loss"]  # bitwise
    assert sharded["w_rec"] == halves[0]["w_rec"] + halves[1]["w_rec"]
    together = run("0,1,2,3", devices=1)  # all four on one device: the same to rounding
    np.testing.assert_allclose(together["loss"], sharded["loss"], rtol=1e-12)
    odd = run("0,1,2", devices=2)  # three seeds do not split over two devices: one
    assert odd["devices"] == 1


def test_looped_seeds_on_two_devices_give_the_one_device_numbers() -> None:
    spread = run("0,1,2", devices=2, batching="looped")
    assert spread["placed"] == 2
    alone = run("0,1,2", devices=1, batching="looped")
    assert spread["loss"] == alone["loss"]  # bitwise
    assert spread["w_rec"] == alone["w_rec"]
