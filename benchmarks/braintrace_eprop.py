"""The sine-wave LIF network trained with braintrace's e-prop: time per iteration.

Runs in a separate environment that has ``braintrace`` (not creditlab's venv)::

    python3 -m venv /tmp/bt-venv && /tmp/bt-venv/bin/pip install braintrace optax
    /tmp/bt-venv/bin/python benchmarks/braintrace_eprop.py [--iterations 200] [--json]

The weights to start from and the frozen input/target come from creditlab (written
to an ``.npz`` by creditlab's own interpreter, ``--creditlab-python``), so the network,
input and initial weights are those of ``speed_sine.py``. The network is the same LIF
(soft reset not differentiated, pseudo-derivative 0.3/v_th·max(0, 1−|v−v_th|/v_th), no
autapses) with a κ-leaky readout, trained with ``braintrace.EProp`` (symmetric feedback,
``kappa_filter_decay = κ``), per-step loss ½(y−y*)² averaged over T, Adam with creditlab's
learning rate; τ_m, v_th, τ_out and the input scales g, g_out are creditlab's defaults.

Not identical to creditlab's e-prop, so compare times, not losses:

* braintrace filters the trace of the membrane (z̄ → κ-filtered z̄) and multiplies by
  the learning signal ∂E/∂v^t = ψ^t L^t afterwards; Bellec et al. and creditlab filter
  e = ψ z̄ itself, so ψ sits inside the κ filter there.
* the readout weights get the same κ filter on top of their exact trace;
* no firing-rate regulariser (braintrace's loss is a sum of per-step terms; the
  regulariser depends on the rate over the whole trial).

Measured: compilation (first call) and the median over ``--repeats`` of ``--iterations``
compiled iterations, the state threaded through and waited for at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import brainstate
import braintrace
import jax
import jax.numpy as jnp
import numpy as np
import optax

HERE = Path(__file__).resolve().parent
DUMP = """
import sys, numpy as np
sys.path.insert(0, {here!r})
import handwritten
_, c, w, x, y = handwritten.creditlab_problem("eprop")
np.savez({out!r}, w_in=w[0], w_rec=w[1], w_out=w[2], x=x, y=y, alpha=c.alpha,
         kappa=c.kappa, g=c.g, g_out=c.g_out, v_th=c.v_th, height=c.height, width=c.width,
         lr=c.learning_rate, eps=c.adam_epsilon)
"""


def creditlab_problem(python: str) -> dict[str, np.ndarray]:
    """creditlab's initial weights, input, target and constants (via its interpreter)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "problem.npz")
        subprocess.run([python, "-c", DUMP.format(here=str(HERE), out=out)], check=True)
        with np.load(out) as data:
            return {name: data[name] for name in data.files}


def make_spike(v_th: float, height: float, width: float):
    @jax.custom_jvp
    def spike(v):
        return (v >= v_th).astype(v.dtype)

    @spike.defjvp
    def _jvp(primals, tangents):
        (v,), (v_dot,) = primals, tangents
        psi = height * jnp.maximum(0.0, 1.0 - jnp.abs((v - v_th) / v_th) / width) / v_th
        return spike(v), psi * v_dot

    return spike


class SineNetwork(brainstate.nn.Module):
    """LIF recurrent layer (input and recurrent weights in one ETP matmul) and readout."""

    def __init__(self, p: dict[str, np.ndarray]):
        super().__init__()
        self.n_rec = p["w_rec"].shape[0]
        self.n_out = p["w_out"].shape[1]
        self.alpha, self.kappa, self.v_th = float(p["alpha"]), float(p["kappa"]), float(p["v_th"])
        self.g, self.g_out = float(p["g"]), float(p["g_out"])
        self.spike = make_spike(self.v_th, float(p["height"]), float(p["width"]))
        weights = jnp.concatenate([jnp.asarray(p["w_in"]), jnp.asarray(p["w_rec"])], axis=0)
        self.synapses = braintrace.nn.Linear(*weights.shape, w_init=weights, b_init=None)
        self.readout = braintrace.nn.Linear(
            self.n_rec, self.n_out, w_init=jnp.asarray(p["w_out"]), b_init=None
        )

    def init_state(self, *args, **kwargs):
        self.v = brainstate.HiddenState(jnp.zeros(self.n_rec))
        self.y = brainstate.HiddenState(jnp.zeros(self.n_out))

    def reset_state(self, *args, **kwargs):
        self.v.value = jnp.zeros(self.n_rec)
        self.y.value = jnp.zeros(self.n_out)

    def update(self, x):
        previous = self.spike(self.v.value)
        current = self.synapses(jnp.concatenate([x, previous]))
        v = self.alpha * self.v.value + self.g * current
        v = v - jax.lax.stop_gradient(previous) * self.v_th
        self.v.value = v
        self.y.value = self.kappa * self.y.value + self.g_out * self.readout(self.spike(v))
        return self.y.value


def build(p: dict[str, np.ndarray]):
    """The learner and a jit-compiled training iteration ``step() -> loss``."""
    model = SineNetwork(p)
    x, y_star = jnp.asarray(p["x"]), jnp.asarray(p["y"])
    learner = braintrace.compile(model, braintrace.EProp, x[0], kappa_filter_decay=model.kappa)
    weights = learner.param_states
    optimizer = optax.adam(float(p["lr"]), eps=float(p["eps"]))
    opt_state = brainstate.ShortTermState(optimizer.init({k: s.value for k, s in weights.items()}))
    n_in = p["w_in"].shape[0]
    no_autapses = 1.0 - jnp.eye(model.n_rec)

    def step_loss(x_t, y_t):
        return 0.5 * jnp.sum((learner(x_t) - y_t) ** 2)

    @brainstate.transform.jit
    def step():
        brainstate.nn.reset_all_states(model)
        learner.reset_state()
        grads, losses = learner.etrace_grad(x, y_star, step_fn=step_loss, return_value=True)
        values = {k: s.value for k, s in weights.items()}
        updates, opt_state.value = optimizer.update(grads, opt_state.value, values)
        for k, new in optax.apply_updates(values, updates).items():
            weights[k].value = new
        syn = model.synapses.weight
        w = syn.value["weight"]
        syn.value = {**syn.value, "weight": w.at[n_in:].multiply(no_autapses)}
        return jnp.mean(losses)

    return step


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--creditlab-python", default="/work/main/.venv/bin/python")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    problem = creditlab_problem(args.creditlab_python)
    start = time.perf_counter()
    step = build(problem)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    losses = [float(step())]
    first_s = time.perf_counter() - start
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(args.iterations):
            loss = step()
        losses.append(float(loss))
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    result = {
        "braintrace": braintrace.__version__,
        "jax": jax.__version__,
        "build_s": build_s,
        "first_call_s": first_s,
        "iterations": args.iterations,
        "run_median_s": median,
        "run_all_s": times,
        "ms_per_iteration": 1e3 * median / args.iterations,
        "loss_first_and_after_each_repeat": losses,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"braintrace {braintrace.__version__} EProp, sine-wave LIF 100/100/1, T=1000")
        print(f"  build {build_s:.2f} s, first call (compile + 1 iteration) {first_s:.2f} s")
        print(
            f"  {args.iterations} iterations: median {median:.3f} s"
            f" = {result['ms_per_iteration']:.2f} ms/iteration"
        )
        print("  loss at the start and after each repeat:", [f"{v:.4g}" for v in losses])
    return 0 if all(math.isfinite(v) for v in losses) else 1


if __name__ == "__main__":
    sys.exit(main())
