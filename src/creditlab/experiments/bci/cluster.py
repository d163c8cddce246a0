"""``bci-compare --address``: each condition (rule × apical inhibition) as one Ray task.

A task simulates its mice and returns the tables; the driver writes them, with the
figures and the report, as each task finishes, so a failed condition loses nothing
else. With ``--nwb`` the task writes its NWB files itself, into the condition's folder:
on a cluster that folder must be on a filesystem every node can reach.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from pathlib import Path

from creditlab.experiments.bci.experiment import BCIConfig, Results

# Each condition asks Ray for one CPU (so none is unschedulable on a small node); JAX
# still spreads its vmapped mice over every core of the node it lands on.
CPUS_PER_CONDITION = 1


def _simulate(
    config: dict, nwb_directory: str | None, x64: bool, plugins: tuple[str, ...]
) -> Results:
    import jax

    from creditlab.experiments.bci.outputs import simulate_condition
    from creditlab.plugins import load_plugins

    load_plugins(plugins)  # the users' rule files, before the config names their rules
    jax.config.update("jax_enable_x64", x64)  # compute in the driver's precision
    return simulate_condition(BCIConfig(**config), nwb_directory)


def simulate_on_ray(
    jobs: dict[Hashable, tuple[BCIConfig, Path | None]],
    address: str,
    plugins: tuple[str, ...] = (),
    gpus: float = 0.0,
) -> Iterator[tuple[Hashable, Results]]:
    """Submit every ``key: (config, nwb folder or None)`` and yield ``(key, results)`` in
    the order they finish (``plugins``: users' rule files each task runs first; ``gpus``:
    the share of a GPU each condition asks for, :class:`creditlab.cluster.TaskResources`).
    A condition that fails raises its error here."""
    import jax
    import ray

    from creditlab.cluster import TaskResources, connected

    options = {"num_cpus": CPUS_PER_CONDITION, "max_retries": 0}
    if gpus > 0:
        options = TaskResources(cpus=CPUS_PER_CONDITION, gpus=gpus).options()
    with connected(address):
        remote = ray.remote(**options)(_simulate)
        x64 = jax.config.jax_enable_x64
        pending = {
            remote.remote(
                config.model_dump(), None if folder is None else str(folder), x64, plugins
            ): key
            for key, (config, folder) in jobs.items()
        }
        while pending:
            (ready,), _ = ray.wait(list(pending), num_returns=1)
            key = pending.pop(ready)
            yield key, ray.get(ready)
