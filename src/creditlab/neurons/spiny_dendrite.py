"""Medium spiny neurons whose synapses sit on spine heads or on dendritic shafts, and
differ by what those compartments are (seed 000; issue 22).

Each MSN i has ``branches`` dendritic branches. Its synapses are the columns of a dense
matrix ``[msns, columns]``: column s comes from presynaptic input ``source[s]``, and
for each MSN it is connected or not, on a spine head or on the shaft, on one branch
(:class:`Placement`, data: any input can sit on either compartment with any fraction).
A synapse's conductance is its weight times its input's activity, g_is = w_is x_p(s)
[nS], and its current [pA] flows into its branch:

    shaft synapse   I_is = g_is (E − v_b)
    spine synapse   I_is = g_is (E − v_b) / (1 + g_is R_neck)     through the neck
                    v_head = v_b + R_neck I_is                     the head's voltage
    branch b        v_b = R_branch ((1 − κ) I_b + κ Σ_b' I_b')    I_b: current into b
    soma            v_soma = R_soma Σ_b I_b                          the MSN's output

with every voltage a depolarisation from rest [mV] (pA · MΩ = 10⁻³ mV), E the synaptic
reversal potential above rest, and κ the fraction of a branch's depolarisation that
reaches a sister branch (how far shaft depolarisation spreads along the dendrite). So a
spine head sees its own synapse's current amplified by the neck (local depolarisation
stays in the spine) plus its branch's voltage; a shaft synapse sees only its branch's
voltage, to which every input on the branch contributes, and the other branches' by κ.
Within a time bin the voltages are at steady state (the membrane time constant, 16–33
ms in MSNs, is about one 20 ms bin; Reyes et al. 1998). With I_is = a_is (E − v_b),
a = g / (1 + g R_neck), the branch voltages solve a linear system per MSN and bin,
solved exactly.

Plasticity sees calcium through NMDA receptors, open by the presynaptic input and
unblocked by the local voltage (Mg²⁺ block, Jahr & Stevens 1990):

    B(v) = 1 / (1 + [Mg²⁺]/3.57 mM · exp(−0.062 (V_rest + v)))     v, V_rest in mV

and the calcium that enters stays where it entered: in a spine head's small volume
behind its neck, or spread into the shaft's larger volume, so that the same influx
raises the concentration at a shaft synapse by a fraction ρ of what it does in a head:

    c_is = B(v_local) · (1 if on a spine else ρ)      the synapse's calcium signal

:func:`SpinyDendrites.respond` returns the soma's output and each synapse's local
voltage, unblock and calcium signal ``[bins, msns, columns]``: what a synapse there can
know. Sources of the constants: ``docs/songbird_physics_sources.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp
from jax import Array

MICROVOLT_PER_MV = 1e3  # pA · MΩ = µV


@dataclass(frozen=True)
class SpinePhysics:
    """The constants of the module docstring (units in the names)."""

    neck_resistance_mohm: float = 200.0  # R_neck; Acker et al. 2016: mean 179–204
    branch_resistance_mohm: float = 100.0  # R_branch, a branch's input resistance
    soma_resistance_mohm: float = 49.0  # R_soma; Reyes et al. 1998: R_N 49 ± 2 MΩ
    sister_branch_coupling: float = 0.3  # κ, in [0, 1]; no MSN value found
    reversal_above_rest_mv: float = 83.0  # E: glutamate receptors reverse at 0 mV
    rest_mv: float = -83.0  # V_rest; mouse MSNs −83.0 ± 0.7 mV (D1), −84.1 (D2)
    magnesium_mm: float = 1.0  # [Mg²⁺]; mouse CSF 0.89–1.00 mM
    shaft_calcium_ratio: float = 0.1  # ρ, in [0, 1]; no measured value found

    def __post_init__(self) -> None:
        for name in (
            "neck_resistance_mohm",
            "branch_resistance_mohm",
            "soma_resistance_mohm",
            "magnesium_mm",
        ):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be ≥ 0, got {getattr(self, name)}")
        for name in ("sister_branch_coupling", "shaft_calcium_ratio"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not self.reversal_above_rest_mv > 0:
            raise ValueError(
                f"reversal_above_rest_mv must be > 0, got {self.reversal_above_rest_mv}"
            )


class Placement(NamedTuple):
    """Where each synapse sits: ``source [columns]`` (the presynaptic input of each
    column), and per MSN ``connected``, ``spine`` (1: spine head, 0: shaft) and
    ``branch`` (one-hot over branches) ``[msns, columns]`` (``[msns, columns,
    branches]`` for ``branch``)."""

    source: Array
    connected: Array
    spine: Array
    branch: Array


def nmda_unblock(depolarisation_mv: Array, physics: SpinePhysics) -> Array:
    """B(v), the open fraction of NMDA receptors left by Mg²⁺ at V_rest + v."""
    voltage = physics.rest_mv + depolarisation_mv
    return 1.0 / (1.0 + physics.magnesium_mm / 3.57 * jnp.exp(-0.062 * voltage))


class DendriteResponse(NamedTuple):
    """``soma`` ``[bins, msns]`` [mV]; ``local`` voltage [mV], ``unblock`` B and
    ``calcium`` c at each synapse ``[bins, msns, columns]`` (0 where a column is not
    connected)."""

    soma: Array
    local: Array
    unblock: Array
    calcium: Array


@dataclass(frozen=True)
class SpinyDendrites:
    """A population of spiny MSNs with ``physics`` (module docstring)."""

    physics: SpinePhysics = SpinePhysics()

    def respond(self, weights: Array, activity: Array, placement: Placement) -> DendriteResponse:
        """Steady state per bin for weights ``[msns, columns]`` [nS] and presynaptic
        activity ``[bins, inputs]`` (dimensionless, ≥ 0)."""
        p = self.physics
        conductance = activity[:, placement.source][:, None, :] * (weights * placement.connected)
        neck = placement.spine * (p.neck_resistance_mohm / MICROVOLT_PER_MV)
        admittance = conductance / (1.0 + conductance * neck)  # a: I = a (E − v_b)
        on = [placement.branch[..., b] > 0 for b in range(placement.branch.shape[-1])]
        # per-branch sums and look-ups as selects: cheaper on a CPU than products
        per_branch = jnp.stack([jnp.where(b, admittance, 0.0).sum(-1) for b in on], -1)
        branch_voltage = self._branch_voltages(per_branch)
        at_branch = sum(jnp.where(b, branch_voltage[..., k, None], 0.0) for k, b in enumerate(on))
        current = admittance * (p.reversal_above_rest_mv - at_branch)
        local = (at_branch + neck * current) * placement.connected
        soma = p.soma_resistance_mohm / MICROVOLT_PER_MV * current.sum(-1)
        unblock = nmda_unblock(local, p) * placement.connected
        dilution = placement.spine + (1.0 - placement.spine) * p.shaft_calcium_ratio
        return DendriteResponse(soma, local, unblock, unblock * dilution)

    def _branch_voltages(self, admittance: Array) -> Array:
        """v ``[..., branches]`` from each branch's summed admittance A ``[...,
        branches]``: I = A (E − v) and v = R ((1 − κ) I + κ Σ I) is the linear system
        (P + R κ 1 Aᵀ) v = R E ((1 − κ) A + κ ΣA 1), P = 1 + R (1 − κ) A, solved
        exactly by Sherman–Morrison."""
        p = self.physics
        resistance = p.branch_resistance_mohm / MICROVOLT_PER_MV
        kappa, reversal = p.sister_branch_coupling, p.reversal_above_rest_mv
        total = admittance.sum(-1, keepdims=True)
        diagonal = 1.0 + resistance * (1.0 - kappa) * admittance
        rhs = resistance * reversal * ((1.0 - kappa) * admittance + kappa * total)
        solved, ones = rhs / diagonal, 1.0 / diagonal
        coupling = resistance * kappa
        numerator = coupling * (admittance * solved).sum(-1, keepdims=True)
        denominator = 1.0 + coupling * (admittance * ones).sum(-1, keepdims=True)
        return solved - ones * numerator / denominator
