"""Where the time of a gradient goes: variants of the hand-written e-prop and BPTT.

Each variant computes (part of) the e-prop or BPTT gradient of one sine-wave trial
(LIF 100 in / ``--n-rec`` recurrent / 1 out, T = 1000) from creditlab's initial weights;
only the gradient is timed (no optimizer): median and minimum over ``--repeats`` of the
mean of ``--calls`` calls, the result waited for once per repeat.

* ``forward``: the network simulation only (v, z, y) — the floor of any scan.
* ``eprop``: the full online e-prop of ``handwritten.eprop_gradient`` (6 ``[pre, post]``
  updates per step: ē, ΔW and Σe for input and recurrent synapses).
* ``eprop-no-reg``: the same without the regulariser's Σ_t e (4 updates per step).
* ``eprop-reg-matmul``: online ē and ΔW, Σ_t e = z̄ᵀψ as one matrix product after the
  scan (z̄ and ψ emitted per step, O(T · neurons) memory).
* ``eprop-vmap``: ``eprop`` under ``jax.vmap`` with batch 1 (as creditlab runs a trial).
* ``eprop-offline``: the same gradient with no per-synapse work in the scan: for LIF,
  Σ_t L^t ē^t = Σ_s z̄^s ⊗ (ψ^s ⊙ L̃^s) with L̃ the learning signal filtered backwards in
  time by κ, so the scan emits z̄, ψ and y and one matrix product finishes the job
  (O(T · neurons) memory; not online).
* ``eprop-chunked``: exact online e-prop K = 25 steps at a time (memory O(synapses +
  K · neurons)): the scan over a chunk runs the neurons only; the chunk's per-synapse
  sums are one [pre, K] × [K, 3·post] product and its leaky filters [K, K] products.
* ``bptt``: ``handwritten.bptt_gradient`` (``jax.grad`` through the scan).
* ``bptt-weights-outside``: the same gradient with the weight gradients as matrix
  products after the scan (see :func:`bptt_weight_gradients_outside`).
* ``creditlab forward`` / ``creditlab eprop`` / ``creditlab bptt``: creditlab's
  ``simulate`` and its rules' ``update`` on the same trial and weights (gradient only).

Agreement of the reformulations with the plain versions is printed first.

    python benchmarks/profile_eprop.py [--calls 50] [--repeats 5] [--n-rec 100]
                                       [--variants forward eprop ...]
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
from handwritten import Constants, Weights, lif_step


def _traces(c: Constants, w: Weights, x: jax.Array):
    """Scan of the network emitting z̄ (inputs and recurrent, per step), ψ, z and y."""
    w_in, w_rec, w_out = w
    n_in, n_rec = w_in.shape
    dtype = w_in.dtype

    def step(carry, x_t):
        v, z, zb_in, zb_rec, y = carry
        zb_in = c.alpha * zb_in + c.g * x_t
        zb_rec = c.alpha * zb_rec + c.g * z
        v, z, psi = lif_step(c, w_in, w_rec, v, z, x_t)
        y = c.kappa * y + c.g_out * (z @ w_out)
        return (v, z, zb_in, zb_rec, y), (zb_in, zb_rec, psi, z, y)

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
    signal = c.g_out * (error @ w_out.T)  # [T, n_rec]

    def backwards(later, now):
        value = c.kappa * later + now
        return value, value

    _, filtered_signal = jax.lax.scan(backwards, jnp.zeros_like(signal[0]), signal, reverse=True)
    rate_signal = c.c_reg * (jnp.mean(z, axis=0) - c.f_target)
    post = psi * (filtered_signal + rate_signal / n_steps)  # [T, n_rec]
    _, zb_out = jax.lax.scan(lambda a, b: (c.kappa * a + b,) * 2, jnp.zeros_like(z[0]), c.g_out * z)
    pre = jnp.concatenate([zb_in, zb_rec], axis=1)  # [T, n_in + n_rec]
    grad = pre.T @ post
    n_in = w_in.shape[0]
    return grad[:n_in], grad[n_in:], zb_out.T @ error


def _decay_matrix(decay: float, steps: int, dtype) -> jax.Array:
    """D[k, m] = decay^(k−m) for m ≤ k, else 0: a leaky filter over a chunk as a matmul."""
    k = jnp.arange(steps)
    lag = k[:, None] - k[None, :]
    return jnp.where(lag >= 0, decay ** jnp.maximum(lag, 0), 0.0).astype(dtype)


def chunked(c: Constants, w: Weights, x: jax.Array, y_star: jax.Array, steps: int = 25):
    """Exact LIF e-prop, ``steps`` at a time: one scan over the chunk for the neurons only,
    then every per-synapse sum of the chunk as a single [pre, K] × [K, 3·post] product;
    leaky filters inside a chunk are [K, K] matrix products (no inner loops)."""
    w_in, w_rec, w_out = w
    (n_in, n_rec), n_out, dtype = w_in.shape, w_out.shape[1], w_in.dtype
    n_steps = x.shape[0]
    a_pre = _decay_matrix(c.alpha, steps, dtype)
    a_out = _decay_matrix(c.kappa, steps, dtype)
    powers = c.kappa ** jnp.arange(steps, dtype=dtype)
    to_end = powers[::-1, None] * jnp.ones((1, n_rec), dtype)  # κ^(K−1−k)
    alpha_pow = c.alpha ** jnp.arange(1, steps + 1, dtype=dtype)
    kappa_pow = c.kappa ** jnp.arange(1, steps + 1, dtype=dtype)

    def neuron(carry, x_t):
        v, z, y = carry
        v_new, z_new, psi = lif_step(c, w_in, w_rec, v, z, x_t)
        y = c.kappa * y + c.g_out * (z_new @ w_out)
        return (v_new, z_new, y), (z, z_new, psi, y)

    def chunk(carry, scanned):
        state, pre_trace, filtered, grad, e_sum, out_trace, grad_out, count = carry
        x_k, y_star_k = scanned
        state, (z_prev, z, psi, y) = jax.lax.scan(neuron, state, x_k)
        pre = c.g * jnp.concatenate([x_k, z_prev], axis=1)  # [K, pre]
        traces = a_pre @ pre + alpha_pow[:, None] * pre_trace  # z̄ [K, pre]
        error = (y - y_star_k) / n_steps  # [K, n_out]
        signal = c.g_out * (error @ w_out.T)  # L [K, post]
        future = a_out.T @ signal  # Σ_{k'≥k} κ^(k'−k) L^k'
        post = jnp.concatenate([psi * future, psi * to_end, psi], axis=1)  # [K, 3·post]
        sums = traces.T @ post  # [pre, 3·post]
        grad = grad + (c.kappa * powers @ signal) * filtered + sums[:, :n_rec]
        filtered = c.kappa**steps * filtered + sums[:, n_rec : 2 * n_rec]
        e_sum = e_sum + sums[:, 2 * n_rec :]
        outs = a_out @ (c.g_out * z) + kappa_pow[:, None] * out_trace  # κ-filtered z [K, post]
        grad_out = grad_out + outs.T @ error
        carry = (state, traces[-1], filtered, grad, e_sum, outs[-1], grad_out, count + z.sum(0))
        return carry, None

    z0 = jnp.zeros(n_rec, dtype)
    synapses = jnp.zeros((n_in + n_rec, n_rec), dtype)
    init = (
        (z0, z0, jnp.zeros(n_out, dtype)),
        jnp.zeros(n_in + n_rec, dtype),
        synapses,
        synapses,
        synapses,
        z0,
        jnp.zeros_like(w_out),
        z0,
    )
    by_chunk = (x.reshape(-1, steps, n_in).astype(dtype), y_star.reshape(-1, steps, n_out))
    final, _ = jax.lax.scan(chunk, init, by_chunk)
    _, _, _, grad, e_sum, _, grad_out, count = final
    grad = grad + e_sum / n_steps * (c.c_reg * (count / n_steps - c.f_target))
    return grad[:n_in], grad[n_in:], grad_out


def bptt_weight_gradients_outside(c: Constants, w: Weights, x: jax.Array, y_star: jax.Array):
    """The exact BPTT gradient of ``handwritten.bptt_loss`` with no [pre, post] work per step.

    Reverse mode through a scan adds z^{t−1} ⊗ δ^t into the W_rec (and x^t ⊗ δ^t into the
    W_in) cotangent at every step. Here the input current x W_in is computed before the
    scan, the readout after it, and W_rec enters the scan under ``stop_gradient``; the
    gradient with respect to an added current ε^t (zero) gives δ^t [T, post], and
    ∂/∂W_rec = Σ_t z^{t−1} ⊗ δ^t is one [post, T] × [T, post] product after the scan.
    """
    w_in, w_rec, w_out = w
    n_rec, n_steps, dtype = w_rec.shape[0], x.shape[0], w_in.dtype
    spike = handwritten.make_spike(c)
    recurrent = jax.lax.stop_gradient(w_rec)

    def total(w_in, w_out, extra):
        def step(carry, current):
            v, z = carry
            v = c.alpha * v + c.g * (current + z @ recurrent) - z * c.v_th
            z_new = spike(v)
            return (v, z_new), (z_new, z)

        zeros = jnp.zeros(n_rec, dtype)
        currents = x.astype(dtype) @ w_in + extra
        _, (z, z_prev) = jax.lax.scan(step, (zeros, zeros), currents)
        drive = c.g_out * (z @ w_out)
        _, y = jax.lax.scan(lambda y, d: (c.kappa * y + d,) * 2, jnp.zeros_like(drive[0]), drive)
        loss = jnp.sum(0.5 * jnp.sum((y - y_star) ** 2, axis=-1)) / n_steps
        penalty = 0.5 * c.c_reg * jnp.sum((jnp.mean(z, axis=0) - c.f_target) ** 2)
        return loss + penalty, z_prev

    extra = jnp.zeros((n_steps, n_rec), dtype)
    (g_in, g_out, delta), z_prev = jax.grad(total, argnums=(0, 1, 2), has_aux=True)(
        w_in, w_out, extra
    )
    return g_in, z_prev.T @ delta, g_out


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
            zb_in = c.alpha * zb_in + c.g * x_t
            zb_rec = c.alpha * zb_rec + c.g * z
            v, z, psi = lif_step(c, w_in, w_rec, v, z, x_t)
            eb_in = c.kappa * eb_in + zb_in[:, None] * psi[None, :]
            eb_rec = c.kappa * eb_rec + zb_rec[:, None] * psi[None, :]
            y = c.kappa * y + c.g_out * (z @ w_out)
            signal = c.g_out * (w_out @ ((y - y_star_t) / n_steps))
            g_in, g_rec = g_in + eb_in * signal, g_rec + eb_rec * signal
            return (v, z, zb_in, zb_rec, eb_in, eb_rec, g_in, g_rec, y), (zb_in, zb_rec, psi)

        final, (zb_in, zb_rec, psi) = jax.lax.scan(step, carry, (x.astype(dtype), y_star))
        if regulariser == "matmul":
            return final[6] + zb_in.T @ psi, final[7] + zb_rec.T @ psi
        return final[6], final[7]

    return gradient


VARIANTS = {
    "forward": forward,
    "eprop": lambda c, w, x, y: handwritten.eprop_gradient(c, w, x, y)[0],
    "eprop-no-reg": eprop_variant("none"),
    "eprop-reg-matmul": eprop_variant("matmul"),
    "eprop-vmap": lambda c, w, x, y: jax.vmap(lambda x, y: handwritten.eprop_gradient(c, w, x, y))(
        x[None], y[None]
    ),
    "eprop-offline": offline,
    "eprop-chunked": chunked,
    "bptt": lambda c, w, x, y: handwritten.bptt_gradient(c, w, x, y)[0],
    "bptt-weights-outside": bptt_weight_gradients_outside,
}


def creditlab_variants(x: jax.Array, y_star: jax.Array, n_rec: int) -> dict:
    """creditlab's own forward pass (``simulate``) and rule updates on the same trial."""
    from creditlab.network import Params, simulate
    from creditlab.tasks.base import Trials

    out = {}
    trials = Trials(x[None], y_star[None], jnp.ones((1, x.shape[0])))
    for rule in ("eprop", "bptt"):
        setup, *_ = handwritten.creditlab_problem(rule, n_rec=n_rec)
        out[f"creditlab {rule}"] = lambda w, s=setup: s.rule.update(
            Params(*w), s.state.rule_state, trials
        )[0]
    out["creditlab forward"] = lambda w, s=setup: simulate(s.network, Params(*w), x)[0]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-rec", type=int, default=100, help="recurrent neurons")
    parser.add_argument("--variants", nargs="+", help="only these (default: all)")
    args = parser.parse_args(argv)
    _, c, w, x, y_star = handwritten.creditlab_problem("eprop", n_rec=args.n_rec)

    functions = {name: lambda w, f=f: f(c, w, x, y_star) for name, f in VARIANTS.items()}
    functions.update(creditlab_variants(x, y_star, args.n_rec))
    if args.variants:
        functions = {name: functions[name] for name in args.variants}
    checks = [("eprop", "eprop-offline"), ("eprop", "eprop-chunked")]
    checks += [("bptt", "bptt-weights-outside")]
    for reference_name, name in checks:
        if reference_name in functions and name in functions:
            reference = jax.jit(functions[reference_name])(w)
            grad = jax.jit(functions[name])(w)
            pairs = zip(reference, grad, strict=True)
            error = max(
                float(jnp.max(jnp.abs(a - b) / (jnp.max(jnp.abs(a)) + 1e-30))) for a, b in pairs
            )
            print(f"{name} vs {reference_name}: max |Δg| / max |g| = {error:.1e}")

    compiled = {}
    for name, function in functions.items():
        compiled[name] = jax.jit(function)
        jax.block_until_ready(compiled[name](w))
    times: dict[str, list[float]] = {name: [] for name in compiled}
    for _ in range(args.repeats):
        for name, function in compiled.items():
            start = time.perf_counter()
            for _ in range(args.calls):
                out = function(w)
            jax.block_until_ready(out)
            times[name].append((time.perf_counter() - start) / args.calls)
    base = statistics.median(times[next(iter(times))])
    print(f"{'variant':<20}{'ms/gradient':>12}{'min':>8}{'vs first':>10}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<20}{1e3 * median:>12.2f}{1e3 * min(samples):>8.2f}{median / base:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
