"""``bci-compare --address``: each condition (rule × apical inhibition) as one Ray task.

A task simulates its mice and returns the tables; the driver writes them, with the
figures and the report, as each task finishes, so a failed condition loses nothing
else. With ``--nwb`` the task writes its NWB files itself, into the condition's folder:
on a cluster that folder must be on a filesystem every node can reach.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from pathlib import Path

from creditlab.cluster import ONE_CORE, TaskResources
from creditlab.experiments.bci.experiment import BCIConfig, Results


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
    resources: TaskResources = ONE_CORE,
) -> Iterator[tuple[Hashable, Results]]:
    """Submit every ``key: (config, nwb folder or None)`` and yield ``(key, results)`` in
    the order they finish (``plugins``: users' rule files each task runs first;
    ``resources``: what each condition asks Ray for, by default one core, on which XLA
    then computes, so conditions side by side do not oversubscribe a node).
    A condition that fails raises its error here."""
    import jax
    import ray

    from creditlab.cluster import connected

    with connected(address):
        remote = ray.remote(**resources.options())(_simulate)
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
