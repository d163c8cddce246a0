"""In-silico versions of published experiments, one package each; looked up by name.

An :class:`ExperimentEntry` names an experiment, its config (a pydantic model with a
``rule`` field that takes any rule with a closed-loop form) and the function that runs
it (``config -> results``, pure: the same config and seed give the same numbers).
Importing this module imports no experiment; ``load()`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class ExperimentEntry:
    """An experiment: ``module:config`` and ``module:run`` (imported when loaded)."""

    name: str
    description: str
    config: str
    run: str

    def load(self) -> tuple[Any, Any]:
        """The config class and the run function."""
        return tuple(
            getattr(import_module(path.split(":")[0]), path.split(":")[1])
            for path in (self.config, self.run)
        )


EXPERIMENTS: dict[str, ExperimentEntry] = {
    "bci": ExperimentEntry(
        "bci",
        "mouse BCI with vectorized dendritic signals (Francioni et al. 2026)",
        "creditlab.experiments.bci.experiment:BCIConfig",
        "creditlab.experiments.bci.experiment:run_experiment",
    ),
    "song": ExperimentEntry(
        "song",
        "zebra finch song learning in Area X (node perturbation; Fiete et al. 2007)",
        "creditlab.experiments.song.experiment:SongConfig",
        "creditlab.experiments.song.experiment:run_song",
    ),
}
