"""Run a comparison on Ray: tuning trials, then the final seeds at each rule's best rate.

``compare(spec, out)`` starts a local Ray instance (or joins the cluster at ``address``;
there, creditlab must be installed on every node), submits every trial as a Ray task of
:func:`creditlab.compare.trial.run_trial` and records each as it finishes in
``out/trials/<trial id>.json`` (atomically). A trial that raises is recorded as failed,
with its error, and the others go on. Run again with the same ``out`` and spec to resume:
finished trials are read back, failed and missing ones run again, each from its
checkpoint (``out/trials/<trial id>.checkpoint.npz``, every few minutes) where one was
left. On a cluster that path must be on storage the nodes share for a checkpoint to be
found again. A folder holding a different comparison is refused, never overwritten.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from creditlab.cluster import ONE_CORE, TaskResources, connect
from creditlab.compare.leaderboard import write_leaderboard
from creditlab.compare.plan import (
    CompareSpec,
    TrialSpec,
    learning_rates,
    plan_final,
    plan_tuning,
)
from creditlab.compare.trial import run_trial, tail_mean
from creditlab.io.run_directory import OutputExists, RunDirectory, _atomic_write, _version

Event = Callable[[str, dict], None]


class ComparisonFolder:
    """``out/compare.json`` (the spec) and ``out/trials/*.json`` (one record per trial)."""

    def __init__(self, path: Path, spec: CompareSpec) -> None:
        self.path = Path(path)
        self.trials = self.path / "trials"
        spec_file = self.path / "compare.json"
        resume = spec_file.is_file()
        if resume:
            saved = json.loads(spec_file.read_text())["spec"]
            if CompareSpec(**saved) != spec:
                raise OutputExists(
                    f"{self.path} holds a different comparison ({spec_file}); choose another "
                    "--out, or repeat that comparison's options to resume it"
                )
        # refuses a file, an unwritable folder, other results, a folder a running job holds
        self.directory = RunDirectory(self.path, resume=resume)
        self.trials.mkdir(parents=True, exist_ok=True)
        if not spec_file.exists():
            record = {"spec": spec.model_dump(mode="json"), "creditlab": _version()}
            _atomic_write(spec_file, lambda p: p.write_text(json.dumps(record, indent=2)))
        if not (self.path / "config.json").exists():  # what the reports' header shows
            self.directory.write_config(spec.model_dump(mode="json"))

    def finished(self) -> dict[str, dict]:
        """The records of trials that completed (failed ones are run again)."""
        records = {}
        for file in sorted(self.trials.glob("*.json")):
            record = json.loads(file.read_text())
            if record.get("status") == "ok":
                records[record["trial_id"]] = record
        return records

    def save(self, record: dict) -> None:
        """Keep ``record``; a finished trial's checkpoint is then removed."""
        path = self.trials / f"{record['trial_id']}.json"
        _atomic_write(path, lambda p: p.write_text(json.dumps(record, allow_nan=True)))
        if record.get("status") == "ok":
            self.checkpoint(record["trial_id"]).unlink(missing_ok=True)

    def checkpoint(self, trial_id: str) -> Path:
        """Where the trial ``trial_id`` keeps its seeds' state while it runs."""
        return self.trials / f"{trial_id}.checkpoint.npz"


def failed_record(trial: TrialSpec, error: BaseException) -> dict:
    message = str(error).strip().splitlines()
    return {
        "trial_id": trial.trial_id,
        "spec": trial.model_dump(),
        "status": "failed",
        "error": f"{type(error).__name__}: {message[-1] if message else ''}",
    }


def tuning_score(record: dict) -> float:
    """A tuning run's final loss; ∞ if it failed or diverged."""
    if record["status"] != "ok":
        return math.inf
    seed = record["seeds"][0]
    loss = tail_mean(seed["loss_curve"])
    return math.inf if seed["diverged"] or not math.isfinite(loss) else loss


def compare(
    spec: CompareSpec,
    out: Path,
    *,
    address: str | None = None,
    on_event: Event | None = None,
    trial_function: Callable[[dict, str | None], dict] = run_trial,
    resources: TaskResources = ONE_CORE,
) -> dict[str, Any]:
    """Run (or resume) ``spec`` into ``out``; returns the leaderboard's rows, the trial
    records and the folder. ``on_event(kind, record)`` hears of every trial ("ok",
    "failed", "resumed") and of a (task, rule) none of whose rates trained ("untuned").
    ``trial_function(spec fields, checkpoint path)`` is what each trial runs (default
    :func:`run_trial`), with
    ``resources`` (a CPU each by default; a share of a GPU with ``gpus``)."""
    import ray

    folder = ComparisonFolder(out, spec)
    with folder.directory:  # its lock is held until the comparison ends
        connect(address)
        remote_trial = ray.remote(**resources.options())(trial_function)
        notify = on_event or (lambda kind, record: None)

        done = folder.finished()
        records: dict[str, dict] = {}
        pending: dict[Any, TrialSpec] = {}

        def submit(trial: TrialSpec) -> None:
            if trial.trial_id in done:
                finish(trial, done[trial.trial_id], resumed=True)
            else:
                checkpoint = str(folder.checkpoint(trial.trial_id))
                pending[remote_trial.remote(trial.model_dump(), checkpoint)] = trial

        tuning = plan_tuning(spec)
        groups: dict[tuple[str, str], list[TrialSpec]] = {}
        for trial in tuning:
            groups.setdefault((trial.task, trial.rule), []).append(trial)

        def finish(trial: TrialSpec, record: dict, *, resumed: bool = False) -> None:
            records[trial.trial_id] = record
            if not resumed:
                folder.save(record)
            notify("resumed" if resumed else record["status"], record)
            if trial.phase != "tune":
                return
            group = groups[(trial.task, trial.rule)]
            if all(t.trial_id in records for t in group):
                scored = [(tuning_score(records[t.trial_id]), t.learning_rate) for t in group]
                best_score, best_rate = min(scored)
                if math.isfinite(best_score):
                    for final in plan_final(spec, trial.task, trial.rule, best_rate):
                        submit(final)
                else:
                    notify("untuned", {"task": trial.task, "rule": trial.rule})

        for trial in tuning:
            submit(trial)
        if not tuning:
            for task in spec.tasks:
                for rule in spec.rules:
                    for final in plan_final(spec, task, rule, learning_rates(task, 1)[0]):
                        submit(final)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                trial = pending.pop(ref)
                try:
                    record = ray.get(ref)
                except Exception as error:  # a failed trial is reported, the others go on
                    record = failed_record(trial, getattr(error, "cause", None) or error)
                finish(trial, record)
        folder.directory.mark("complete", spec.iterations)
        return write_leaderboard(spec, list(records.values()), folder.path)


def planned_trials(spec: CompareSpec) -> int:
    """How many trials ``spec`` runs if every (task, rule) can be tuned."""
    finals = spec.seeds if spec.seed_batching == "separate" else 1
    return len(plan_tuning(spec)) + len(spec.tasks) * len(spec.rules) * finals
