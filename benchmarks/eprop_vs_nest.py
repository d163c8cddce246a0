"""creditlab's e-prop against NEST 3.10's e-prop models, on the NEST examples' configurations.

NEST's ``eprop_iaf_bsshslm_2020``, ``eprop_iaf_adapt_bsshslm_2020`` and
``eprop_readout_bsshslm_2020`` reproduce Bellec et al.'s original code.
``nest_reference/runner.py`` trains the network of NEST's
``eprop_supervised_regression_sine-waves_bsshslm_2020.py`` or
``eprop_supervised_classification_evidence-accumulation_bsshslm_2020.py`` for a given number of
iterations, seed and batch size, and returns its initial weights, the input spikes it delivered, the
targets and the loss of every iteration. This script trains creditlab's network on exactly those
weights, inputs and targets (float64) and compares the two loss trajectories.

Units differ only by conventions, mapped here once:
* NEST's pseudo-derivative parameters are pre-scaled by V_th (height 0.3/V_th, width V_th);
* NEST sums the task gradient over the learning window W (divided by W with ``average_gradient``),
  creditlab averages over it, so the gradient differs by a known factor λ = N/W (N = W or 1); the
  learning rate (gradient descent) or Adam's ε is scaled by λ, and c_reg is divided by W;
* the sine-wave example reports the loss summed over time, creditlab the mean (factor T).

Inputs are the example's own (input spikes in step 0 removed). A spike in step 1 makes NEST compute
the previous sequence's input-synapse gradient before that sequence's last learning signal has
arrived (a late-delivery artifact of its event-driven implementation; benchmarks/RESULTS.md).
creditlab reproduces it only when asked, through ``EpropState.withheld_last_signal``, which this
script sets from the next sequence's step-1 inputs. ``--exact-eprop`` leaves it out (creditlab's
default e-prop) and ``--silent-step-one`` removes step-1 inputs in both simulators instead.

    python benchmarks/eprop_vs_nest.py --task sine-waves --iterations 5 --seed 1 --batch 1 --json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import optax  # noqa: E402

from creditlab.network import Params, make_network, zero_absent_synapses  # noqa: E402
from creditlab.neurons import ALIF, LIF  # noqa: E402
from creditlab.objective import Objective  # noqa: E402
from creditlab.optimizers import adam_epsilon_hat  # noqa: E402
from creditlab.rules.eprop import EpropState, eprop  # noqa: E402
from creditlab.tasks.base import Trials  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent / "nest_reference"))


def neuron_from_nest(config: dict) -> LIF | ALIF:
    """The recurrent population of the NEST example as one creditlab neuron model."""
    rec = config["neuron_rec"]
    common = {
        "dt": config["dt"],
        "tau_m": rec["tau_m"],
        "v_th": rec["V_th"],
        "t_ref": rec["t_ref"],
        "current_scale": 1.0 if rec["regular_spike_arrival"] else None,
        "surrogate_height": rec["surrogate_gradient_height"] * rec["V_th"],
        "surrogate_width": rec["surrogate_gradient_width"] / rec["V_th"],
    }
    if not config["n_ad"]:
        return LIF(**common)
    adaptive = config["neuron_ad"]
    for name in ("tau_m", "V_th", "t_ref", "regular_spike_arrival"):
        assert adaptive[name] == rec[name], f"LIF and ALIF neurons differ in {name}"
    beta = (0.0,) * config["n_reg"] + (adaptive["adapt_beta"],) * config["n_ad"]
    return ALIF(**common, tau_a=adaptive["adapt_tau"], beta=beta)


def withheld_signals(inputs: np.ndarray) -> np.ndarray:
    """``[it, b, n_in]``: the step-1 inputs of the globally next sequence (NEST's late signal)."""
    iterations, batch, _, n_in = inputs.shape
    following = inputs[:, :, 1, :].reshape(iterations * batch, n_in)[1:]
    return np.concatenate([following, np.zeros((1, n_in))]).reshape(iterations, batch, n_in)


def creditlab_run(reference: dict, *, nest_late_signal: bool = True) -> dict:
    """Train creditlab on the reference's weights, inputs and targets; losses in NEST's units."""
    start = time.perf_counter()
    config = reference["config"]
    readout = config["neuron_out"]
    assert config["tau_m_readout"] == readout["tau_m"] and not readout["regular_spike_arrival"]
    n_steps, window = config["n_steps"], config["learning_window"]
    network = make_network(
        neuron_from_nest(config),
        config["n_in"],
        config["n_rec"],
        config["n_out"],
        tau_out=readout["tau_m"],
        readout_scale=None,
    )
    averaged = window if config["average_gradient"] else 1
    scale = averaged / window  # creditlab's gradient = scale × NEST's
    loss = "mse" if readout["loss"] == "mean_squared_error" else "cross_entropy"
    objective = Objective(
        loss=loss,
        dt=config["dt"],
        rate_target_hz=config["neuron_rec"]["f_target"],
        rate_coefficient=config["neuron_rec"]["c_reg"] / window,
    )
    settings = config["optimizer"]
    if settings["type"] == "gradient_descent":
        optimizer = optax.sgd(settings["eta"] / scale)
    else:
        optimizer = adam_epsilon_hat(
            settings["eta"], settings["beta_1"], settings["beta_2"], settings["epsilon"] * scale
        )
    loss_scale = n_steps if loss == "mse" else 1.0  # the sine example reports a sum over time

    params = Params(*(jnp.asarray(reference[k], jnp.float64) for k in ("w_in", "w_rec", "w_out")))
    rule = eprop(network, objective)
    feedback = jnp.asarray(reference["w_feedback"], jnp.float64)
    mask = (np.arange(n_steps) >= n_steps - window).astype(np.float64)
    inputs = np.asarray(reference["inputs"], np.float64)
    targets = np.asarray(reference["targets"], np.float64)
    withheld = withheld_signals(inputs) if nest_late_signal else np.zeros((*inputs.shape[:2], 0))

    @jax.jit
    def train_step(params: Params, optimizer_state, inputs, targets, withheld):
        trials = Trials(inputs, targets, jnp.broadcast_to(mask, inputs.shape[:2]))
        rule_state = EpropState(feedback, withheld if nest_late_signal else None)
        updates, _, metrics = rule.update(params, rule_state, trials)
        steps, optimizer_state = optimizer.update(
            zero_absent_synapses(network, updates), optimizer_state
        )
        return optax.apply_updates(params, steps), optimizer_state, metrics["loss"]

    optimizer_state = optimizer.init(params)
    losses = []
    for iteration in range(inputs.shape[0]):
        params, optimizer_state, value = train_step(
            params, optimizer_state, inputs[iteration], targets[iteration], withheld[iteration]
        )
        losses.append(float(value) * loss_scale)
    return {"loss": losses, "wall_s": time.perf_counter() - start}


def compare(
    task: str,
    iterations: int,
    seed: int,
    batch: int,
    *,
    nest_late_signal: bool = True,
    silent_step_one: bool = False,
) -> dict:
    """Run NEST and creditlab on one matched configuration."""
    from runner import run_nest

    overrides = {"input": {"silent_steps": 2}} if silent_step_one else None
    with c_stdout_to_stderr():  # NEST prints its banner and progress there
        reference = run_nest(task, iterations, seed=seed, batch=batch, config_overrides=overrides)
    ours = creditlab_run(reference, nest_late_signal=nest_late_signal)
    nest_loss = np.asarray(reference["loss"], float)
    relative = np.abs(np.asarray(ours["loss"]) - nest_loss) / np.abs(nest_loss)
    return {
        "nest": {"loss": nest_loss.tolist(), "wall_s": float(reference["wall_s"])},
        "creditlab": ours,
        "max_relative_difference": float(relative.max()),
    }


@contextlib.contextmanager
def c_stdout_to_stderr() -> Iterator[None]:
    """Send what C code writes to stdout (file descriptor 1) to stderr meanwhile, so that
    ``--json`` prints one JSON object and nothing else on stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--task", choices=["sine-waves", "evidence-accumulation"], default="sine-waves"
    )
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--exact-eprop", action="store_true", help="no NEST late-signal artifact")
    parser.add_argument("--silent-step-one", action="store_true", help="no input spikes in step 1")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    result = compare(
        args.task,
        args.iterations,
        args.seed,
        args.batch,
        nest_late_signal=not args.exact_eprop,
        silent_step_one=args.silent_step_one,
    )
    if args.json:
        print(json.dumps(result))
        return
    print(f"{'iteration':>9} {'NEST loss':>22} {'creditlab loss':>22} {'rel. diff':>10}")
    for i, (a, b) in enumerate(
        zip(result["nest"]["loss"], result["creditlab"]["loss"], strict=True)
    ):
        print(f"{i:>9} {a:>22.15g} {b:>22.15g} {abs(b - a) / abs(a):>10.2e}")
    print(
        f"wall time: NEST {result['nest']['wall_s']:.2f} s, "
        f"creditlab {result['creditlab']['wall_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
