"""The declared statistics of the Liu et al. 2021 reproduction (RESULTS §9, plan declared
2026-12-02 before any run), read from a comparison folder's trial records.

    python benchmarks/liu_reproduction.py DIR

DIR is the ``--out`` of ``creditlab compare --tasks evidence-accumulation-liu --rules
bptt,mdgl,eprop --seeds 5 --iterations 2000 --lr-candidates 1 --alignment-draws 1``.
Writes ``DIR/reproduction.json`` and prints Markdown: per rule the final loss and
accuracy (mean of the last 10 held-out evaluations per seed), mean ± SD over seeds and
each seed, against Liu's saved results; goal (a), |ours − Liu's| ≤ 2 √(SD_ours²/n +
SD_Liu²/5) for each rule's loss; goal (b), MDGL closes ≥ 40 % of the e-prop → BPTT gap
(point estimate), with its 95 % bootstrap interval (10 000 resamples, seed 0).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from creditlab.analysis.statistics import gap_closure_with_interval

# Liu et al. 2021's saved runs (github.com/Helena-Yuhan-Liu/MDGL-main, bin/results), five
# per rule: mean and SD over runs of the mean of the last 10 validation points
# (recomputed for RESULTS §9, issue 23 §1).
LIU = {
    "bptt": {"loss": (0.083, 0.013), "accuracy": (0.979, 0.005)},
    "mdgl": {"loss": (0.243, 0.025), "accuracy": (0.902, 0.016)},
    "eprop": {"loss": (0.489, 0.111), "accuracy": (0.753, 0.106)},
}
LIU_RUNS = 5
CLOSURE_GOAL = 0.4


def read_trials(folder: Path) -> dict[str, dict]:
    records = {}
    for file in sorted((folder / "trials").glob("final-*.json")):
        record = json.loads(file.read_text())
        if record.get("status") == "ok":
            records[record["spec"]["rule"]] = record
    return records


def rule_row(rule: str, record: dict) -> dict:
    seeds = record["seeds"]
    row = {"rule": rule, "seeds": [s["seed"] for s in seeds]}
    for measure in ("loss", "accuracy"):
        values = np.array([s[f"final_{measure}"] for s in seeds], float)
        mean, sd = float(values.mean()), float(values.std(ddof=1))
        liu_mean, liu_sd = LIU[rule][measure]
        allowed = 2 * math.sqrt(sd**2 / len(values) + liu_sd**2 / LIU_RUNS)
        row[measure] = {
            "each_seed": values.tolist(),
            "mean": mean,
            "sd": sd,
            "liu_mean": liu_mean,
            "liu_sd": liu_sd,
            "difference": mean - liu_mean,
            "two_standard_errors": allowed,
            "within": bool(abs(mean - liu_mean) <= allowed),
        }
    row["measured_on"] = seeds[0].get("final_measured_on")
    row["train_wall_time_s"] = record.get("train_wall_time_s")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    records = read_trials(folder)
    missing = [rule for rule in LIU if rule not in records]
    if missing:
        raise SystemExit(f"{folder} has no finished trial of {', '.join(missing)} yet")
    rows = {rule: rule_row(rule, records[rule]) for rule in LIU}
    loss = {rule: rows[rule]["loss"]["each_seed"] for rule in LIU}
    closure = gap_closure_with_interval(loss["eprop"], loss["mdgl"], loss["bptt"])
    liu_closure = (LIU["eprop"]["loss"][0] - LIU["mdgl"]["loss"][0]) / (
        LIU["eprop"]["loss"][0] - LIU["bptt"]["loss"][0]
    )
    result = {
        "rules": rows,
        "closure": {
            "estimate": closure.mean,
            "low": closure.low,
            "high": closure.high,
            "goal": CLOSURE_GOAL,
            "met": bool(closure.mean >= CLOSURE_GOAL),
            "liu": liu_closure,
        },
    }
    (folder / "reproduction.json").write_text(json.dumps(result, indent=1))

    print("| rule | final loss (mean ± SD) | Liu | |difference| ≤ 2 s.e. | accuracy | Liu |")
    print("|---|---|---|---|---|---|")
    for rule, row in rows.items():
        lo, acc = row["loss"], row["accuracy"]
        verdict = "yes" if lo["within"] else "no"
        print(
            f"| {rule} | {lo['mean']:.3f} ± {lo['sd']:.3f} | {lo['liu_mean']:.3f} ± "
            f"{lo['liu_sd']:.3f} | {verdict} ({abs(lo['difference']):.3f} vs "
            f"{lo['two_standard_errors']:.3f}) | {acc['mean']:.3f} ± {acc['sd']:.3f} | "
            f"{acc['liu_mean']:.3f} |"
        )
    print()
    for rule, row in rows.items():
        pairs = zip(
            row["seeds"], row["loss"]["each_seed"], row["accuracy"]["each_seed"], strict=True
        )
        print(f"- {rule}: " + ", ".join(f"seed {s}: {lo:.3f} ({a:.3f})" for s, lo, a in pairs))
    verdict = "met" if result["closure"]["met"] else "not met"
    print(
        f"\nMDGL closes {closure.mean:.2f} [{closure.low:.2f}, {closure.high:.2f}] of the "
        f"e-prop → BPTT gap (goal ≥ {CLOSURE_GOAL}: {verdict}; Liu's saved runs "
        f"{liu_closure:.2f})"
    )


if __name__ == "__main__":
    main()
