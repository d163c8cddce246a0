"""Will a run fit? The memory it needs, estimated before anything is allocated, against
what the device has: a size that cannot fit is refused with both numbers, rather than
swapping for hours (``train --n-rec 100000`` wants ~10¹¹ bytes of weights and optimizer
state on a 24-GiB machine).

Two checks, each before the allocation it guards:
- the training state (parameters, optimizer and rule state, data keys), from the
  initialisation's abstract shapes, before it is drawn;
- the compiled step's own figures (XLA's ``memory_analysis``: arguments, outputs and
  temporaries), before it first runs.

``benchmarks/memory_estimate.py`` compares the estimate with the measured peak.
"""

from __future__ import annotations

import os
from typing import Any

GIB = 2**30


class DoesNotFit(MemoryError):
    """The run needs more memory than its device has."""


def tree_bytes(tree: Any) -> int:
    """Bytes of the arrays (or abstract shapes) of a pytree."""
    import jax
    import numpy as np

    total = 0
    for leaf in jax.tree.leaves(tree):
        dtype = getattr(leaf, "dtype", None)
        if dtype is None:
            continue
        if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
            itemsize = 8  # a key's data: two uint32 words (threefry) or more (rbg)
        else:
            itemsize = np.dtype(dtype).itemsize
        total += int(np.prod(leaf.shape, dtype=np.int64)) * itemsize
    return total


def compiled_bytes(compiled: Any) -> int:
    """What XLA says a compiled program holds at once: arguments, outputs, temporaries."""
    analysis = compiled.memory_analysis()
    if analysis is None:
        return 0
    parts = ("argument_size_in_bytes", "output_size_in_bytes", "temp_size_in_bytes")
    return sum(int(getattr(analysis, name, 0) or 0) for name in parts)


def available_bytes(device: Any = None) -> int | None:
    """Memory the run can still use on ``device`` (default: JAX's first): a GPU's limit
    minus what is in use, or the host's available memory for the CPU; None if unknown."""
    import jax

    device = device or jax.devices()[0]
    if device.platform != "cpu":
        stats = device.memory_stats() or {}
        if "bytes_limit" in stats:
            return int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
        return None
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None


def check_fits(needed: int, what: str, device: Any = None) -> None:
    """Raise :class:`DoesNotFit` when ``needed`` bytes exceed what ``device`` has."""
    free = available_bytes(device)
    if free is not None and needed > free:
        raise DoesNotFit(
            f"{what} needs about {needed / GIB:.3g} GiB (estimate) and "
            f"{free / GIB:.3g} GiB is available; choose a smaller network or batch"
        )
