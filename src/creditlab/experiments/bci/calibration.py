"""Setting up the BCI on a baseline recording made without learning: which neurons are
P+ and P−, and where the target lies.

Control neurons. Among the more active half of the field of view (by somatic transient
rate), ``n_control`` disjoint pairs of neurons adjacent in rate are drawn at random; one
of each pair, at random, joins P+ and the other P−. The two sets therefore start with
matching transient rates, as in the paper (Extended Data Fig. 4a), and all other
neurons are P0.

Target (our rule; the paper does not state one). The decoder's z-scoring comes from the
baseline, d_0 is the ``low`` quantile of d (default 2.5 %), and d_90 is the lowest
quantile of d at which replaying the baseline through the protocol wins at most a
fraction ``chance`` of trials (default 0.25). The chance level reported per day is then
measured on a second, held-out baseline recording.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from creditlab.tasks.bci_decoder import Decoder, calibrate, control_signal
from creditlab.tasks.bci_protocol import TARGET_DEGREES, Protocol, accuracy, run_protocol


def choose_control(
    rates: np.ndarray, n_control: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of P+ and P− ``[n_control]`` with matched rates from ``rates [n]``."""
    order = np.argsort(rates)
    active = order[len(order) // 2 :]
    pairs = len(active) // 2
    if pairs < n_control:
        raise ValueError(f"{len(rates)} neurons are too few for {n_control} P+/P− pairs")
    chosen = rng.choice(pairs, size=n_control, replace=False)
    first, second = active[2 * chosen], active[2 * chosen + 1]
    swap = rng.random(n_control) < 0.5
    return np.where(swap, second, first), np.where(swap, first, second)


def _wins(protocol: Protocol, d: Array, threshold: Array) -> Array:
    angles = jnp.where(d >= threshold, TARGET_DEGREES, 0.0)
    return accuracy(run_protocol(protocol, angles))


@partial(jax.jit, static_argnames=("protocol", "chance", "low", "resolution"))
def calibrate_to_chance(
    plus: Array,
    minus: Array,
    protocol: Protocol,
    *,
    chance: float = 0.25,
    low: float = 0.025,
    resolution: int = 400,
) -> Decoder:
    """The decoder of a baseline recording ``plus [frames, n_plus]``, ``minus [frames,
    n_minus]`` (ΔF/F0), with d_90 set for a success rate of ``chance`` (module docstring)."""
    if not 0.0 < chance < 1.0:
        raise ValueError(f"the chance level must be in (0, 1), got {chance}")
    decoder = calibrate(plus, minus, low=low, high=1.0)
    d = control_signal(plus, minus, *decoder[:4])
    # Quantiles from the median up to the largest value, denser towards the top.
    tail = jnp.logspace(jnp.log10(0.5), jnp.log10(0.5 / d.shape[0]), resolution)
    candidates = jnp.quantile(d, 1.0 - tail)
    wins = jax.vmap(lambda threshold: _wins(protocol, d, threshold))(candidates)
    good = jnp.nan_to_num(wins, nan=0.0) <= chance
    target = candidates[jnp.argmax(good)]
    return decoder._replace(d_target=jnp.maximum(target, decoder.d_zero + 1e-6))
