"""Joining Ray: a local instance, or the cluster at ``--address``.

Every command that scales out (``compare``, ``bci-compare --address``) connects through
:func:`connect`. On a cluster creditlab must be installed on every node.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


def connect(address: str | None = None) -> None:
    """``ray.init(address)`` unless Ray is already up in this process. ``None`` or
    ``"local"`` starts a private local instance; ``"auto"`` or ``"ray://host:port"`` joins
    a running cluster."""
    import ray

    if ray.is_initialized():
        return
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
