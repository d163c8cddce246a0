"""Supervised tasks, each a pure ``sample(key, batch) -> Trials``; looked up by name."""

from creditlab.tasks.base import Task, Trials
from creditlab.tasks.delayed_match import DelayedMatch
from creditlab.tasks.evidence_accumulation import EvidenceAccumulation
from creditlab.tasks.sine_waves import SineWaves

TASKS: dict[str, type] = {
    "sine-waves": SineWaves,
    "evidence-accumulation": EvidenceAccumulation,
    "delayed-match": DelayedMatch,
}

__all__ = ["TASKS", "DelayedMatch", "EvidenceAccumulation", "SineWaves", "Task", "Trials"]
