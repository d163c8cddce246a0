"""Joining Ray: a local instance, or the cluster at ``--address``.

Every command that scales out (``compare``, ``bci-compare --address``) connects through
:func:`connect`. On a cluster creditlab must be installed on every node.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any, NamedTuple

# Settings of the driver that every task's worker must see too (Ray starts workers with
# their node's environment, not the driver's): the compilation cache, JAX's precision
# and platform, XLA's flags.
FORWARDED = ("CREDITLAB_CACHE_DIR", "JAX_ENABLE_X64", "JAX_PLATFORMS", "XLA_FLAGS")
ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


class TaskResources(NamedTuple):
    """What one Ray task (a trial, a condition) asks for, and the environment its worker
    runs with (:meth:`options`).

    ``gpus`` > 0 (fractions share a device): the task gets that share of a GPU, and JAX
    allocates GPU memory as it needs it rather than preallocating most of the device, so
    tasks sharing a GPU fit. ``gpus`` = 0: JAX stays on the CPU (a CPU task on a GPU node
    leaves the GPUs alone) and, with ``cpus`` = 1, XLA computes on one thread, so the
    cores Ray hands out are the cores used and a node is not oversubscribed."""

    cpus: float = 1.0
    gpus: float = 0.0

    def options(self) -> dict[str, Any]:
        if self.cpus <= 0 or self.gpus < 0:
            raise ValueError(f"a task needs cpus > 0 and gpus >= 0, got {self}")
        env = {name: os.environ[name] for name in FORWARDED if name in os.environ}
        if self.gpus > 0:
            env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
        else:
            env["JAX_PLATFORMS"] = "cpu"
            if self.cpus == 1:
                env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} {ONE_THREAD}".strip()
        return {
            "num_cpus": self.cpus,
            "num_gpus": self.gpus,
            "max_retries": 0,
            "runtime_env": {"env_vars": env},
        }


ONE_CORE = TaskResources()  # a CPU task computing on one core


class ClusterUnreachable(ConnectionError):
    """The Ray cluster at ``--address`` does not answer."""


LOCAL = (None, "local")
REACH_TIMEOUT_S = 10.0


def check_reachable(address: str | None, timeout_s: float = REACH_TIMEOUT_S) -> None:
    """Refuse, within ``timeout_s``, an ``address`` (``host:port`` or
    ``ray://host:port``) where nothing listens, instead of Ray retrying for minutes;
    ``None``, ``"local"`` and ``"auto"`` (found by Ray itself) pass."""
    import socket

    if address in LOCAL or address == "auto":
        return
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ClusterUnreachable(
            f"--address {address!r} is not local, auto, host:port or ray://host:port"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except OSError as error:
        raise ClusterUnreachable(
            f"cannot reach the Ray cluster at {address} ({error.strerror or error}); is it "
            "running (ray start --head) and is the port right?"
        ) from None


def connect(address: str | None = None) -> None:
    """``ray.init(address)`` unless Ray is already up in this process. ``None`` or
    ``"local"`` starts a private local instance; ``"auto"`` or ``"ray://host:port"`` joins
    a running cluster."""
    import ray

    if ray.is_initialized():
        return
    check_reachable(address)
    # No metrics agent (it only logs connection errors on a laptop), and no change to the
    # GPU visibility of tasks that ask for no GPU.
    os.environ.setdefault("RAY_enable_metrics_collection", "0")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    ray.init(address=address, include_dashboard=False, log_to_driver=False)


@contextlib.contextmanager
def connected(address: str | None = None) -> Iterator[None]:
    """:func:`connect` for a ``with`` block; shuts Ray down afterwards if it started it."""
    import ray

    started = not ray.is_initialized()
    connect(address)
    try:
        yield
    finally:
        if started:
            ray.shutdown()
