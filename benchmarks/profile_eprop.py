"""Where the time of an e-prop iteration goes: variants of the hand-written scan body.

Each variant computes (part of) the e-prop gradient of one sine-wave trial (LIF 100/100/1,
T = 1000) with creditlab's initial weights; only the gradient is timed (no optimizer),
as the median over ``--repeats`` of ``--calls`` calls, the result waited for once.

* ``forward``: the network simulation only (v, z, y) — the floor of any scan.
* ``eprop``: the full online e-prop of ``handwritten.eprop_gradient`` (6 ``[pre, post]``
  updates per step: ē, ΔW and Σe for input and recurrent synapses).
* ``eprop-no-reg``: the same without the regulariser's Σ_t e (4 updates per step).
* ``eprop-reg-matmul``: online ē and ΔW, Σ_t e = z̄ᵀψ as one matrix product after the
  scan (z̄ and ψ emitted per step, O(T · neurons) memory).
* ``eprop-vmap``: ``eprop`` under ``jax.vmap`` with batch 1 (as creditlab runs a trial).
* ``eprop-offline``: the same gradient with no per-synapse work in the scan: for LIF,
  Σ_t L^t ē^t = Σ_s z̄^s ⊗ (ψ^s ⊙ L̃^s) with L̃ the learning signal filtered backwards in
  time by κ, so the scan emits z̄, ψ and y and two matrix products finish the job.

    python benchmarks/profile_eprop.py [--calls 50] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import handwritten
from handwritten import Constants, Weights, _psi


def _traces(c: Constants, w: Weights, x: jax.Array):
    """Scan of the network emitting z̄ (inputs and recurrent, per step), ψ, z and y."""
    w_in, w_rec, w_out = w
    n_in, n_rec = w_in.shape
    dtype = w_in.dtype

    def step(carry, x_t):
        v, z, zb_in, zb_rec, y = carry
        zb_in = c.alpha * zb_in + x_t
        zb_rec = c.alpha * zb_rec + z
        v = c.alpha * v + (x_t @ w_in + z @ w_rec) - z * c.v_th
        z = (v >= c.v_th).astype(dtype)
        y = c.kappa * y + z @ w_out
        return (v, z, zb_in, zb_rec, y), (zb_in, zb_rec, _psi(c, v), z, y)

    zeros = jnp.zeros(n_rec, dtype)
    init = (zeros, zeros, jnp.zeros(n_in, dtype), zeros, jnp.zeros(w_out.shape[1], dtype))
    return jax.lax.scan(step, init, x.astype(dtype))[1]


def forward(c: Constants, w: Weights, x: jax.Array, y_star: jax.Array):
    _, _, _, z, y = _traces(c, w, x)
    return jnp.sum((y - y_star) ** 2), jnp.sum(z)


def offline(c: Constants, w: Weights, x: jax.Array, y_star: jax.Array):
    """The LIF e-prop gradient (with regulariser) from per-step z̄, ψ, z and y."""
    w_in, _, w_out = w
    n_steps = x.shape[0]
    zb_in, zb_rec, psi, z, y = _traces(c, w, x)
    error = (y - y_star) / n_steps  # [T, n_out]
    signal = error @ w_out.T  # [T, n_rec]

    def backwards(later, now):
        value = c.kappa * later + now
        return value, value

    _, filtered_signal = jax.lax.scan(backwards, jnp.zeros_like(signal[0]), signal, reverse=True)
    rate_signal = c.c_reg * (jnp.mean(z, axis=0) - c.f_target)
    post = psi * (filtered_signal + rate_signal / n_steps)  # [T, n_rec]
    _, zb_out = jax.lax.scan(lambda a, b: (c.kappa * a + b,) * 2, jnp.zeros_like(z[0]), z)
    pre = jnp.concatenate([zb_in, zb_rec], axis=1)  # [T, n_in + n_rec]
    grad = pre.T @ post
    n_in = w_in.shape[0]
    return grad[:n_in], grad[n_in:], zb_out.T @ error


def eprop_variant(regulariser: str):
    """Online e-prop with the regulariser's Σ e kept online, dropped, or as a matmul."""

    def gradient(c: Constants, w: Weights, x: jax.Array, y_star: jax.Array):
        w_in, w_rec, w_out = w
        n_steps, dtype = x.shape[0], w_in.dtype
        z0 = jnp.zeros(w_rec.shape[0], dtype)
        mats = (jnp.zeros_like(w_in), jnp.zeros_like(w_rec))
        carry = (z0, z0, jnp.zeros(w_in.shape[0], dtype), z0, *mats, *mats, z0[: w_out.shape[1]])

        def step(carry, scanned):
            v, z, zb_in, zb_rec, eb_in, eb_rec, g_in, g_rec, y = carry
            x_t, y_star_t = scanned
            zb_in = c.alpha * zb_in + x_t
            zb_rec = c.alpha * zb_rec + z
            v = c.alpha * v + (x_t @ w_in + z @ w_rec) - z * c.v_th
            z = (v >= c.v_th).astype(dtype)
            psi = _psi(c, v)
            eb_in = c.kappa * eb_in + zb_in[:, None] * psi[None, :]
            eb_rec = c.kappa * eb_rec + zb_rec[:, None] * psi[None, :]
            y = c.kappa * y + z @ w_out
            signal = w_out @ ((y - y_star_t) / n_steps)
            g_in, g_rec = g_in + eb_in * signal, g_rec + eb_rec * signal
            return (v, z, zb_in, zb_rec, eb_in, eb_rec, g_in, g_rec, y), (zb_in, zb_rec, psi)

        final, (zb_in, zb_rec, psi) = jax.lax.scan(step, carry, (x.astype(dtype), y_star))
        if regulariser == "matmul":
            return final[6] + zb_in.T @ psi, final[7] + zb_rec.T @ psi
        return final[6], final[7]

    return gradient


VARIANTS = {
    "forward": forward,
    "eprop": handwritten.eprop_gradient,
    "eprop-no-reg": eprop_variant("none"),
    "eprop-reg-matmul": eprop_variant("matmul"),
    "eprop-vmap": lambda c, w, x, y: jax.vmap(lambda x, y: handwritten.eprop_gradient(c, w, x, y))(
        x[None], y[None]
    ),
    "eprop-offline": offline,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    _, c, w, x, y_star = handwritten.creditlab_problem("eprop")

    reference = jax.jit(lambda w: handwritten.eprop_gradient(c, w, x, y_star)[0])(w)
    offline_grad = jax.jit(lambda w: offline(c, w, x, y_star))(w)
    error = max(
        float(jnp.max(jnp.abs(a - b))) for a, b in zip(reference, offline_grad, strict=True)
    )
    print(f"offline vs online e-prop gradient: max |Δ| {error:.1e}")

    compiled = {}
    for name, function in VARIANTS.items():
        compiled[name] = jax.jit(lambda w, f=function: f(c, w, x, y_star))
        jax.block_until_ready(compiled[name](w))
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for _ in range(args.repeats):
        for name, function in compiled.items():
            start = time.perf_counter()
            for _ in range(args.calls):
                out = function(w)
            jax.block_until_ready(out)
            times[name].append((time.perf_counter() - start) / args.calls)
    base = statistics.median(times["eprop"])
    print(f"{'variant':<18}{'ms/gradient':>12}{'vs eprop':>10}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<18}{1e3 * median:>12.2f}{median / base:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
