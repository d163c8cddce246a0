"""The declared statistics of the Liu et al. 2021 reproduction (RESULTS §9, plan declared
2026-12-02 before any run), read from a comparison folder's trial records.

    python benchmarks/liu_reproduction.py DIR

DIR is the ``--out`` of ``creditlab compare --tasks evidence-accumulation-liu --rules
bptt,mdgl,eprop --seeds 5 --iterations 2000 --lr-candidates 1 --alignment-draws 1``.
Writes ``DIR/reproduction.json`` and prints Markdown: per rule the final loss and
accuracy (mean of the last 10 held-out evaluations per seed), mean ± SD over seeds and
each seed, against Liu's saved results (and ``DIR/reproduction.png``: the learning
curves against Liu's saved validation curves, ``benchmarks/liu_saved_curves.csv``); goal
(a), |ours − Liu's| ≤ 2 √(SD_ours²/n + SD_Liu²/5) for each rule's loss; goal (b), MDGL
closes ≥ 40 % of the e-prop → BPTT gap (point estimate), with its 95 % bootstrap
interval (10 000 resamples, seed 0).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from creditlab.analysis.statistics import gap_closure_with_interval
from creditlab.report.figures import figure, plot_band, save_figure, smooth

HERE = Path(__file__).resolve().parent

RULES = ("bptt", "mdgl", "eprop")
CLOSURE_GOAL = 0.4
NAMES = {"bptt": "BPTT", "mdgl": "MDGL", "eprop": "e-prop"}
COLOURS = {"bptt": "tab:blue", "mdgl": "tab:orange", "eprop": "tab:green"}
EVERY = 10  # Liu's validation interval, in iterations
GRID = np.arange(0, 2001, EVERY)
MEASURES = ("loss", "accuracy")


def liu_runs(path: Path = HERE / "liu_saved_curves.csv") -> dict[str, list[dict]]:
    """Liu et al. 2021's saved runs (github.com/Helena-Yuhan-Liu/MDGL-main, bin/results;
    extracted by ``liu_saved_curves.py``), five per method, each as its ``iteration``,
    ``loss`` and ``accuracy`` arrays at its validation points."""
    import csv

    points: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            points.setdefault((row["method"], row["run"]), []).append(
                (float(row["iteration"]), float(row["loss"]), float(row["accuracy"]))
            )
    runs: dict[str, list[dict]] = {}
    for (method, _), values in sorted(points.items()):
        iteration, loss, accuracy = np.array(values).T
        runs.setdefault(method, []).append(
            {"iteration": iteration, "loss": loss, "accuracy": accuracy}
        )
    return runs


def liu_finals(runs: dict[str, list[dict]]) -> dict[str, dict]:
    """Per method and measure: (mean, SD, number of runs) over runs of each run's mean
    of its last 10 validation points, as Liu et al. report them."""
    finals = {}
    for method, saved in runs.items():
        finals[method] = {}
        for measure in MEASURES:
            values = np.array([run[measure][-10:].mean() for run in saved])
            finals[method][measure] = (float(values.mean()), float(values.std(ddof=1)),
                                       len(values))  # fmt: skip
    return finals


def read_trials(folder: Path) -> dict[str, dict]:
    records = {}
    for file in sorted((folder / "trials").glob("final-*.json")):
        record = json.loads(file.read_text())
        if record.get("status") == "ok":
            records[record["spec"]["rule"]] = record
    return records


def rule_row(rule: str, record: dict, liu: dict[str, tuple[float, float, int]]) -> dict:
    """``rule``'s final loss and accuracy against Liu's (``liu_finals``'s entry)."""
    seeds = record["seeds"]
    row = {"rule": rule, "seeds": [s["seed"] for s in seeds]}
    for measure in MEASURES:
        values = np.array([s[f"final_{measure}"] for s in seeds], float)
        mean, sd = float(values.mean()), float(values.std(ddof=1))
        liu_mean, liu_sd, liu_n = liu[measure]
        allowed = 2 * math.sqrt(sd**2 / len(values) + liu_sd**2 / liu_n)
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


def liu_curves(runs: dict[str, list[dict]]) -> dict[str, dict]:
    """Liu's runs on the grid 0, 10, …, 2000 (the one BPTT run saved every 20 iterations
    interpolated), as ``{method: {"loss": [runs, points], "accuracy": [...]}}``."""
    curves = {}
    for method, saved in runs.items():
        curves[method] = {
            measure: np.array([np.interp(GRID, run["iteration"], run[measure]) for run in saved])
            for measure in MEASURES
        }
    return curves


def our_curves(record: dict) -> dict[str, np.ndarray]:
    """Each seed's training-batch loss and accuracy averaged over blocks of ``EVERY``
    iterations (each batch is 64 fresh trials scored before its update, as Liu's
    validation batches are), ``[seeds, blocks]``."""
    out = {}
    for measure in MEASURES:
        curves = np.array([s[f"{measure}_curve"] for s in record["seeds"]], float)
        blocks = curves.shape[1] // EVERY
        out[measure] = curves[:, : blocks * EVERY].reshape(len(curves), blocks, EVERY).mean(-1)
    return out


def draw_curves(records: dict[str, dict], runs: dict[str, list[dict]], path: Path) -> None:
    """Loss and accuracy against iteration, ours (solid) and Liu's saved runs (dashed,
    each run's running mean over 5 validation points, as Liu's own figure), mean ± SD
    over seeds or runs."""
    liu = liu_curves(runs)
    fig = figure(7.0, 3.4)
    axes = fig.subplots(1, 2)
    for rule in RULES:
        for axis, measure in zip(axes, MEASURES, strict=True):
            if rule in records:
                ours = our_curves(records[rule])[measure]
                x = np.arange(ours.shape[1]) * EVERY + EVERY / 2
                plot_band(axis, x, ours.mean(0), ours.std(0, ddof=1), COLOURS[rule],
                          label=f"{NAMES[rule]}, here")  # fmt: skip
            theirs = np.array([smooth(run, 5) for run in liu[rule][measure]])
            plot_band(axis, GRID, theirs.mean(0), theirs.std(0, ddof=1), COLOURS[rule],
                      label=f"{NAMES[rule]}, Liu et al.", style="--")  # fmt: skip
    axes[0].set(xlabel="iteration", ylabel="recall loss (cross-entropy)", ylim=(0, 0.75))
    axes[1].set(xlabel="iteration", ylabel="recall accuracy", ylim=(0.4, 1.0))
    for axis, chance in zip(axes, (np.log(2), 0.5), strict=True):
        axis.axhline(chance, color="grey", lw=0.8, ls=":")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3,
               frameon=False, fontsize=8)  # fmt: skip
    save_figure(fig, path)


HOW_TO_READ = (
    "Evidence accumulation at Liu's configuration. Solid: this reproduction, each seed's "
    "training batches (64 fresh trials, scored before the update) averaged over 10 "
    "iterations, then mean ± SD over 5 seeds. Dashed: Liu et al.'s saved validation runs "
    "(64 fresh trials every 10 iterations, each run's running mean over 5 points, as in "
    "their figure), mean ± SD over their 5 runs. Dotted: chance (a loss of ln 2 = 0.693, "
    "an accuracy of 0.5)."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    folder = parser.parse_args().folder
    records = read_trials(folder)
    missing = [rule for rule in RULES if rule not in records]
    if missing:
        raise SystemExit(f"{folder} has no finished trial of {', '.join(missing)} yet")
    runs = liu_runs()
    liu = liu_finals(runs)
    rows = {rule: rule_row(rule, records[rule], liu[rule]) for rule in RULES}
    loss = {rule: rows[rule]["loss"]["each_seed"] for rule in RULES}
    closure = gap_closure_with_interval(loss["eprop"], loss["mdgl"], loss["bptt"])
    liu_loss = {rule: liu[rule]["loss"][0] for rule in RULES}
    liu_closure = (liu_loss["eprop"] - liu_loss["mdgl"]) / (liu_loss["eprop"] - liu_loss["bptt"])
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
    draw_curves(records, runs, folder / "reproduction.png")

    print("| rule | final loss (mean ± SD) | Liu | |difference| ≤ 2 s.e. | accuracy | Liu |")
    print("|---|---|---|---|---|---|")
    for rule, row in rows.items():
        lo, acc = row["loss"], row["accuracy"]
        verdict = "yes" if lo["within"] else "no"
        print(
            f"| {rule} | {lo['mean']:.3f} ± {lo['sd']:.3f} | {lo['liu_mean']:.3f} ± "
            f"{lo['liu_sd']:.3f} | {verdict} ({abs(lo['difference']):.3f} vs "
            f"{lo['two_standard_errors']:.3f}) | {acc['mean']:.3f} ± {acc['sd']:.3f} | "
            f"{acc['liu_mean']:.3f} ± {acc['liu_sd']:.3f} |"
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
    print(f"\n![learning curves]({folder / 'reproduction.png'})\n\n{HOW_TO_READ}")


if __name__ == "__main__":
    main()
