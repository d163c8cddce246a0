"""Every rule with and without apical inhibition on the same mice: the rule × inhibition
grid of ``creditlab bci-compare``, as one function a Python user can call.

Each condition gets its own folder (``RULE`` and ``RULE-inhibited``) with its tables,
figures and report; the grid's answer, which rule reproduces which finding, is written
as ``signatures.md`` and ``signatures.parquet``. Conditions run one after another in
this process, or as Ray tasks (``address``: ``"local"``, ``"auto"`` or
``ray://host:port``); either way each is written as soon as it finishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from creditlab.experiments.bci.experiment import BCIConfig, Results
from creditlab.experiments.bci.outputs import (
    condition_title,
    open_condition,
    simulate_condition,
    write_results,
)
from creditlab.experiments.bci.signatures import signature_rows, write_signatures
from creditlab.io.run_directory import RunDirectory

INHIBITION = ("none", "all")
Condition = tuple[str, str]  # (rule, apical inhibition)
DayCallback = Callable[[int], None]


def condition_label(rule: str, inhibition: str) -> str:
    """``RULE`` or ``RULE + inhibition``."""
    return f"{rule}{' + inhibition' if inhibition == 'all' else ''}"


def comparison_configs(rules: tuple[str, ...], **fields) -> dict[Condition, BCIConfig]:
    """One validated config per rule × inhibition (``fields``: the shared settings)."""
    return {
        (rule, inhibition): BCIConfig(rule=rule, apical_inhibition=inhibition, **fields)
        for rule in rules
        for inhibition in INHIBITION
    }


def run_comparison(
    out: Path,
    configs: dict[Condition, BCIConfig],
    *,
    nwb: bool = False,
    address: str | None = None,
    plugins: tuple[str, ...] = (),
    on_start: Callable[[Condition], DayCallback | None] | None = None,
    on_done: Callable[[Condition], None] | None = None,
) -> Path:
    """Run every condition of ``configs`` (:func:`comparison_configs`) into ``out`` (which
    must not hold results) and return the path of ``signatures.md``; ``plugins`` are the
    users' rule files that Ray tasks run first. ``on_start(key)``
    may return a per-day callback for a local run; ``on_done(key)`` follows each write."""
    directory = RunDirectory(out)
    folders = {
        (rule, inhibition): open_condition(
            config, directory.path / (rule if inhibition == "none" else f"{rule}-inhibited")
        )
        for (rule, inhibition), config in configs.items()
    }

    def finished() -> Iterator[tuple[Condition, Results]]:
        if address is None:
            for key, config in configs.items():
                on_day = on_start(key) if on_start is not None else None
                yield key, simulate_condition(config, folders[key] if nwb else None, on_day)
            return
        from creditlab.experiments.bci.cluster import simulate_on_ray

        jobs = {key: (configs[key], folders[key] if nwb else None) for key in configs}
        yield from simulate_on_ray(jobs, address, plugins)

    outcomes = {}
    for key, results in finished():
        found = write_results(folders[key], results, title=condition_title(configs[key]))
        outcomes[key] = results, found
        if on_done is not None:
            on_done(key)
    rules = list(dict.fromkeys(rule for rule, _ in configs))
    table = pd.concat(
        [
            signature_rows(
                rule,
                outcomes[rule, "none"][1],
                outcomes[rule, "all"][1],
                outcomes[rule, "none"][0].daily,
                outcomes[rule, "all"][0].daily,
            )
            for rule in rules
        ],
        ignore_index=True,
    )
    first = next(iter(configs.values()))
    return write_signatures(
        directory.path,
        table,
        description=(
            f"{first.mice} mice × {first.days} days × {first.session_minutes:g} min per "
            f"condition, seed {first.seed}; the same simulated mice under every rule. "
            "'with inhibition': NDNF-like activation on all days."
        ),
    )
