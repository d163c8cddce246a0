"""What keeping the reset in the eligibility traces does (issue 23 §1: "with its effect
measured"): on Liu et al. 2021's configuration (``evidence-accumulation-liu`` at its
defaults), at each seed's initial weights, the cosine between the update of e-prop
(offline) and of MDGL and BPTT's exact gradient (which differentiates the reset), on
one batch of 64 trials, with the reset kept and dropped.

    python benchmarks/liu_reset_effect.py [--seeds 5]

Declared before it was run: per rule, the paired difference cos(kept) − cos(dropped)
over seeds 0 … K−1 (same network, weights and batch), mean with its 95 % t interval. No
threshold: it is a measurement of the option's effect, reported whatever its sign.
Output: the printed table and ``benchmarks/liu_reset_effect.json``.
"""

import argparse
import json
from pathlib import Path

import jax
import numpy as np

from creditlab.analysis.gradient_alignment import gradient_alignment
from creditlab.analysis.statistics import mean_with_interval
from creditlab.build import build_objective
from creditlab.config import make_config
from creditlab.train import training_parts


def cosine(rule: str, reset: bool, seed: int) -> float:
    extra = {"evaluation": "offline"} if rule == "eprop" else {}
    config = make_config(task="evidence-accumulation-liu", rule=rule, seed=seed,
                         eligibility_reset=reset, **extra)  # fmt: skip
    parts = training_parts(config)
    network, state, _ = parts.initial(seed)
    trials = parts.task.sample(jax.random.fold_in(jax.random.key(7), seed), config.batch)
    alignment = gradient_alignment(
        parts.rule_for(network), network, build_objective(config, parts.task), state.params,
        state.rule_state, trials, key=jax.random.key(0),
    )  # fmt: skip
    return float(alignment.cosine)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    seeds = range(parser.parse_args().seeds)
    results = {}
    for rule in ("eprop", "mdgl"):
        kept = np.array([cosine(rule, True, s) for s in seeds])
        dropped = np.array([cosine(rule, False, s) for s in seeds])
        difference = mean_with_interval(kept - dropped)
        interval = [difference.mean, difference.low, difference.high]
        results[rule] = {"kept": kept.tolist(), "dropped": dropped.tolist(), "difference": interval}
        print(f"{rule}: cos kept {kept.mean():.3f}, dropped {dropped.mean():.3f}, "
              f"kept − dropped {difference.mean:+.3f} [{difference.low:+.3f}, "
              f"{difference.high:+.3f}]", flush=True)  # fmt: skip
    path = Path(__file__).parent / "liu_reset_effect.json"
    path.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
