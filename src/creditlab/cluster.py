"""Joining Ray: a local instance, or the cluster at ``--address``.

Every command that scales out (``compare``, ``bci-compare --address``) connects through
:func:`connect`. On a cluster creditlab must be installed on every node.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator


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
