"""Every rule with and without apical inhibition on the same mice: the rule × inhibition
grid of ``creditlab bci-compare``, as one function a Python user can call.

Every rule with a vectorized learning signal brings its controls into the grid (so that
neither steering, nor the shared cost, nor a signal without credit information is
mistaken for credit assignment): the same rule and feedback with its own change
dropped (``RULE-no-credit``: learning rate 0, the feedback still steering activity),
the rule with ``shuffled`` feedback (``RULE-shuffled``: the right magnitudes, the roles
permuted), and once per grid the energy cost alone with no feedback and no credit
(``energy-cost-only``: the shared cost may by itself turn P− down); ``none`` joins any
grid with controls. A finding that a control reproduces is marked "not diagnostic" in
the signatures: it separates no rule from a condition that must not show it.

Each condition gets its own folder (``NAME`` and ``NAME-inhibited``) with its tables,
figures and report; the grid's answer, which condition reproduces which finding, is
written as ``signatures.md`` and ``signatures.parquet``. Conditions run one after
another in this process, or as Ray tasks (``address``: ``"local"``, ``"auto"`` or
``ray://host:port``); either way each is written as soon as it finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from creditlab.cluster import ONE_CORE, TaskResources
from creditlab.experiments.bci.experiment import BCIConfig, Results
from creditlab.experiments.bci.learning import rule_label
from creditlab.experiments.bci.outputs import (
    condition_state,
    finish_condition,
    open_condition,
    read_condition,
    simulate_condition,
)
from creditlab.experiments.bci.signatures import signature_rows, write_signatures
from creditlab.io.run_directory import OutputExists, RunDirectory, check_out
from creditlab.rules import get_rule

INHIBITION = ("none", "all")
Condition = tuple[str, str]  # (name, apical inhibition)
DayCallback = Callable[[int], None]
ENERGY_COST_ONLY = "energy-cost-only"


def condition_label(name: str, inhibition: str) -> str:
    """``NAME`` or ``NAME + inhibition``."""
    return f"{name}{' + inhibition' if inhibition == 'all' else ''}"


def folder_name(name: str, inhibition: str) -> str:
    """A condition's folder in the grid: ``NAME`` or ``NAME-inhibited``."""
    return name if inhibition == "none" else f"{name}-inhibited"


def condition_name(config: BCIConfig) -> str:
    """What a condition is, for tables: the rule with its feedback origin (marked when
    it knows the decoder), or one of the two controls."""
    if not config.credit and config.learning_config().feedback_gain == 0:
        return "energy cost only (no feedback, no credit)"
    label = rule_label(config.rule, config.feedback)
    return label if config.credit else f"{label}; no credit (learning rate 0)"


def is_control(config: BCIConfig) -> bool:
    """A condition that must not show the findings: no plasticity, no credit, or
    feedback with the roles shuffled."""
    shuffled = config.learning_config().origin == "shuffled"
    return config.rule == "none" or not config.credit or shuffled


CONTROLS = ("no-credit", "shuffled", ENERGY_COST_ONLY, "none")


def parse_condition(text: str) -> tuple[str, str | None]:
    """``RULE`` or ``RULE:ORIGIN`` (the origin of B, for a rule with a learning signal)."""
    rule, _, origin = text.partition(":")
    return rule, origin or None


def comparison_configs(
    rules: tuple[str, ...],
    *,
    feedback: str | None = None,
    controls: tuple[str, ...] = CONTROLS,
    **fields,
) -> dict[Condition, BCIConfig]:
    """One validated config per condition × inhibition (``fields``: the shared
    settings). Each of ``rules`` is ``RULE`` (with ``feedback``, for the rules with a
    learning signal) or ``RULE:ORIGIN``, its own origin of B (named ``RULE-ORIGIN``).
    ``controls`` picks which controls of the module docstring join: ``no-credit`` and
    ``shuffled`` (each vectorized rule's), ``energy-cost-only`` and ``none`` (once)."""
    unknown = sorted(set(controls) - set(CONTROLS))
    if unknown:
        raise ValueError(f"unknown control(s) {unknown}; choose from {', '.join(CONTROLS)}")
    repeated = sorted({text for text in rules if rules.count(text) > 1})
    if repeated or not rules:
        raise ValueError(f"rules must be distinct and at least one; repeated: {repeated}")
    learning = fields.pop("learning", {})
    named: dict[str, dict] = {}
    for text in rules:
        rule, own = parse_condition(text)
        signal = get_rule(rule).learning_signal
        origin = (own or feedback) if signal else own
        name = f"{rule}-{own}" if own else rule
        named[name] = {"rule": rule, "feedback": origin}
        if not signal:
            continue
        if "no-credit" in controls:
            named[f"{name}-no-credit"] = {**named[name], "credit": False}
        if "shuffled" in controls and origin != "shuffled":
            named.setdefault(f"{rule}-shuffled", {**named[name], "feedback": "shuffled"})
        if ENERGY_COST_ONLY in controls:
            no_feedback = {**learning, "feedback_gain": 0.0}
            cost_only = {**named[name], "credit": False, "learning": no_feedback}
            named.setdefault(ENERGY_COST_ONLY, cost_only)
    if "none" in controls and "none" not in named:
        named["none"] = {"rule": "none"}
    return {
        (name, inhibition): BCIConfig(
            **{"learning": learning, **fields, **settings}, apical_inhibition=inhibition
        )
        for name, settings in named.items()
        for inhibition in INHIBITION
    }


GRID = "comparison.json"


def open_grid(out: Path, configs: dict[Condition, BCIConfig]) -> RunDirectory:
    """``out`` for the grid ``configs``, holding its lock for the run: a new folder, or
    one holding this same grid (``comparison.json``), resumed; anything else is refused."""
    import json

    grid = {
        f"{name} | {inhibition}": config.model_dump(mode="json")
        for (name, inhibition), config in configs.items()
    }
    check_out(out)
    record = out / GRID
    if record.is_file():
        if json.loads(record.read_text()) != grid:
            raise OutputExists(
                f"{out} holds a different comparison ({record}); choose another --out, or "
                "repeat that comparison's options to resume it (nothing was overwritten)"
            )
        return RunDirectory(out, resume=True)
    directory = RunDirectory(out)
    record.write_text(json.dumps(grid, indent=1))
    labels = [condition_label(name, inhibition) for name, inhibition in configs]
    directory.write_config({"conditions": list(grid.values()), "labels": labels})
    return directory


def run_comparison(
    out: Path,
    configs: dict[Condition, BCIConfig],
    *,
    nwb: bool = False,
    address: str | None = None,
    plugins: tuple[str, ...] = (),
    on_start: Callable[[Condition], DayCallback | None] | None = None,
    on_done: Callable[[Condition], None] | None = None,
    resources: TaskResources = ONE_CORE,
) -> Path:
    """Run every condition of ``configs`` (:func:`comparison_configs`) into ``out`` and
    return the path of ``signatures.md``. Run again into the same ``out`` with the same
    grid, it reads the finished conditions back and runs the rest (:func:`open_grid`).
    ``plugins`` are the users' rule files that Ray tasks run first. ``on_start(key)``
    may return a per-day callback for a local run; ``on_done(key)`` follows each write
    (or each condition read back). ``resources``: what each Ray task asks for (cores,
    a share of a GPU) and the environment its worker gets."""
    directory = open_grid(out, configs)
    with directory:  # its lock is held until the grid ends
        folders = {
            (name, inhibition): directory.path / folder_name(name, inhibition)
            for name, inhibition in configs
        }
        states = {key: condition_state(config, folders[key]) for key, config in configs.items()}
        outcomes = {}
        for key, state in states.items():  # a resumed grid reads its finished conditions back
            if state == "complete":
                outcomes[key] = read_condition(folders[key])
                if on_done is not None:
                    on_done(key)
        pending = {key: config for key, config in configs.items() if key not in outcomes}
        for key, config in pending.items():
            open_condition(config, folders[key], resume=states[key] == "partial").release()

        def finished() -> Iterator[tuple[Condition, Results]]:
            if address is None:
                for key, config in pending.items():
                    on_day = on_start(key) if on_start is not None else None
                    yield key, simulate_condition(config, folders[key] if nwb else None, on_day)
                return
            from creditlab.experiments.bci.cluster import simulate_on_ray

            jobs = {key: (config, folders[key] if nwb else None) for key, config in pending.items()}
            yield from simulate_on_ray(jobs, address, plugins, resources)

        for key, results in finished():
            outcomes[key] = results, finish_condition(configs[key], folders[key], results)
            if on_done is not None:
                on_done(key)
        names = list(dict.fromkeys(name for name, _ in configs))
        table = pd.concat(
            [
                signature_rows(
                    condition_name(configs[name, "none"]),
                    outcomes[name, "none"][1],
                    outcomes[name, "all"][1],
                    outcomes[name, "none"][0].daily,
                    outcomes[name, "all"][0].daily,
                    control=is_control(configs[name, "none"]),
                )
                for name in names
            ],
            ignore_index=True,
        )
        first = next(iter(configs.values()))
        directory.mark("complete", first.days)
        return write_signatures(
            directory.path,
            table,
            description=(
                f"{first.mice} mice × {first.days} days × {first.session_minutes:g} min per "
                f"condition, seed {first.seed}; the same simulated mice under every rule. "
                f"Learning is measured in daily {first.probe_minutes:g}-min probe blocks "
                "(feedback off, plasticity frozen). 'with inhibition': NDNF-like activation "
                "on all days."
            ),
            reports={
                condition_label(*key): f"{folder.name}/report.html"
                for key, folder in folders.items()
            },
        )
