"""What a network is trained to minimise: a per-step task loss plus a firing-rate penalty.

Task loss over a batch (Bellec et al. 2020, Eqs. 8 and 10):

    E = Σ_{b,t} w_bt ℓ(y_b^t, y*_b^t),     w_bt = mask_bt / Σ mask

with ℓ = ½ Σ_k (y_k − y*_k)² (``mse``) or ℓ = −Σ_k y*_k log softmax(y)_k
(``cross_entropy``, y* one-hot). Because E is a weighted sum of per-step losses, its
derivative with respect to y^t is local in time, which online rules rely on.

Firing-rate regulariser (Bellec et al. 2020, Eq. 31):

    R = ½ c_reg · mean_b Σ_j (f_bj − f_target)²

with f_bj the mean spikes per step of neuron j in trial b and f_target given in Hz
(converted with dt). Each trial's own rate is penalised, as in NEST's e-prop models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp
from jax import Array

LOSSES = ("mse", "cross_entropy")


@dataclass(frozen=True)
class Objective:
    """The loss and the firing-rate regulariser (static, hashable).

    Attributes:
        loss: ``"mse"`` or ``"cross_entropy"``.
        dt: time step [ms], to convert ``rate_target_hz``.
        rate_target_hz: f_target [Hz].
        rate_coefficient: c_reg (0 disables the regulariser).
    """

    loss: Literal["mse", "cross_entropy"] = "mse"
    dt: float = 1.0
    rate_target_hz: float = 10.0
    rate_coefficient: float = 0.0

    @property
    def rate_target_per_step(self) -> float:
        return self.rate_target_hz * self.dt * 1e-3

    def step_loss(self, readout: Array, target: Array) -> Array:
        """ℓ(y^t, y*^t) for one step: ``readout``, ``target`` ``[n_out]`` → scalar."""
        if self.loss == "mse":
            return 0.5 * jnp.sum((readout - target) ** 2)
        return -jnp.sum(target * jax.nn.log_softmax(readout))

    def step_error(self, readout: Array, target: Array) -> Array:
        """∂ℓ/∂y^t ``[n_out]``: y − y* for ``mse``, softmax(y) − y* for ``cross_entropy``."""
        return jax.grad(self.step_loss)(readout, target)

    @staticmethod
    def step_weights(mask: Array) -> Array:
        """w_bt = mask / Σ mask, same shape as ``mask``."""
        return mask / jnp.maximum(jnp.sum(mask), 1.0)

    def task_loss(self, readout: Array, targets: Array, mask: Array) -> Array:
        """E for ``readout``/``targets`` ``[B, T, n_out]`` and ``mask`` ``[B, T]``."""
        per_step = jax.vmap(jax.vmap(self.step_loss))(readout, targets)
        return jnp.sum(self.step_weights(mask) * per_step)

    def rate_penalty(self, rates_per_step: Array) -> Array:
        """R from each trial's mean spikes per step ``[B, n_rec]``."""
        deviation = rates_per_step - self.rate_target_per_step
        return 0.5 * self.rate_coefficient * jnp.mean(jnp.sum(deviation**2, axis=-1))

    def rate_penalty_signal(self, rates_per_step: Array) -> Array:
        """B · ∂R/∂f_bj = c_reg (f_bj − f_target), same shape as ``rates_per_step``."""
        return self.rate_coefficient * (rates_per_step - self.rate_target_per_step)


def accuracy(readout: Array, targets: Array, mask: Array) -> Array:
    """Fraction of trials whose class (argmax of the masked mean readout) is right.

    ``readout``/``targets`` ``[B, T, n_out]``, ``mask`` ``[B, T]``.
    """
    evidence = jnp.sum(readout * mask[..., None], axis=1)
    labels = jnp.argmax(jnp.sum(targets * mask[..., None], axis=1), axis=-1)
    return jnp.mean(jnp.argmax(evidence, axis=-1) == labels)
