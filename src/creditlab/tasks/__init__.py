"""Supervised tasks, each a pure ``sample(key, batch) -> Trials``; looked up by name."""

from collections.abc import Callable

from creditlab.tasks.base import Task, Trials
from creditlab.tasks.delayed_match import DelayedMatch
from creditlab.tasks.dnms import DelayedNonMatch
from creditlab.tasks.evidence_accumulation import EvidenceAccumulation, liu_evidence_accumulation
from creditlab.tasks.reach import Reach
from creditlab.tasks.sine_waves import SineWaves
from creditlab.tasks.teacher_student import TeacherStudent

TASKS: dict[str, Callable[[], Task]] = {
    "sine-waves": SineWaves,
    "evidence-accumulation": EvidenceAccumulation,
    "evidence-accumulation-liu": liu_evidence_accumulation,
    "delayed-match": DelayedMatch,
    "delayed-match-liu": lambda: DelayedMatch(name="delayed-match-liu", input_counts="poisson"),
    "dnms": DelayedNonMatch,
    "teacher-student": TeacherStudent,
    "reach": Reach,
}

__all__ = [
    "TASKS",
    "DelayedMatch",
    "DelayedNonMatch",
    "EvidenceAccumulation",
    "Reach",
    "SineWaves",
    "Task",
    "TeacherStudent",
    "Trials",
]
