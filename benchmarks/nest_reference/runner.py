"""Reference runs of NEST 3.10's e-prop (``*_bsshslm_2020``) models through the public PyNEST API.

The network, parameters, random draws and training procedure follow the two NEST 3.10 examples

* ``eprop_supervised_regression_sine-waves_bsshslm_2020.py`` (task ``"sine-waves"``)
* ``eprop_supervised_classification_evidence-accumulation_bsshslm_2020.py``
  (task ``"evidence-accumulation"``)

but with a configurable number of iterations (= weight updates) and sequences per iteration (batch).
The equations these models implement are those of ``creditlab.rules.eprop``'s docstring
(Bellec et al. 2020), with NEST's event-ordering artifact described in RESULTS.md §1.

Conventions of the returned arrays
----------------------------------
* Weight matrices are oriented ``[presynaptic, postsynaptic]``:
  ``w_in[i, j]`` input i -> recurrent j, ``w_rec[i, j]`` recurrent i -> recurrent j
  (diagonal 0, no autapses), ``w_out[j, k]`` recurrent j -> readout k, ``w_feedback[j, k]`` = B_jk,
  the factor with which the error of readout k enters the learning signal of recurrent neuron j
  (NEST connection readout k -> recurrent j).
* Recurrent neurons are ordered as in the example: for "evidence-accumulation" indices 0..49 are
  the non-adaptive ``eprop_iaf_bsshslm_2020`` neurons, 50..99 the adaptive
  ``eprop_iaf_adapt_bsshslm_2020`` ones.
* ``inputs[it, b, s, i] = 1`` iff input neuron i's spike reaches the recurrent neurons in local
  step ``s`` of sequence b of iteration it, i.e. it enters the membrane-voltage update of step s
  (s = 0..n_steps-1; step 0 never carries input spikes).  The array is reconstructed from a spike
  recorder on the parrot neurons.
* ``targets[it, b, s, k]`` is the target of readout k at local step s (unmasked; for the
  classification the one-hot class label repeated over the sequence).
* ``loss[it]`` is the loss of iteration it exactly as the NEST example computes it from its
  readout multimeter.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Sequence

import numpy as np

TASKS = ("sine-waves", "evidence-accumulation")

# Hard-wired transmission shifts of the *_bsshslm_2020 models (all delays must be one step).
OFFSET_GEN = 1
DELAY_IN_REC = 1
DELAY_REC_OUT = 1
DELAY_OUT_NORM = 1
TOTAL_OFFSET = OFFSET_GEN + DELAY_IN_REC + DELAY_REC_OUT + DELAY_OUT_NORM  # = 4
EXTENSION_SIM = 1


def _sg_scaled(v_th: float, height: float = 0.3, width: float = 1.0) -> dict:
    # the examples fold the 1/V_th prefactor of the pseudo-derivative into height and width
    return {
        "surrogate_gradient_height": height / v_th,
        "surrogate_gradient_width": width * abs(v_th),
    }


def default_config(task: str) -> dict:
    """All parameters of the example for ``task`` (times in ms, dt = 1 ms)."""
    if task == "sine-waves":
        n_steps = 1000
        rec = {
            "C_m": 1.0,
            "c_reg": 300.0,
            "E_L": 0.0,
            "f_target": 10.0,
            "flush_event_send_interval": float(n_steps),
            "I_e": 0.0,
            "regular_spike_arrival": False,
            "surrogate_gradient_function": "piecewise_linear",
            "t_ref": 0.0,
            "tau_m": 30.0,
            "V_m": 0.0,
            "V_th": 0.03,
        }
        rec.update(_sg_scaled(rec["V_th"]))
        return {
            "task": task,
            "dt": 1.0,
            "n_in": 100,
            "n_rec": 100,
            "n_reg": 100,
            "n_ad": 0,
            "n_out": 1,
            "n_steps": n_steps,
            "learning_window": n_steps,
            "neuron_rec": rec,
            "neuron_ad": None,
            "neuron_out": {
                "C_m": 1.0,
                "E_L": 0.0,
                "I_e": 0.0,
                "loss": "mean_squared_error",
                "regular_spike_arrival": False,
                "tau_m": 30.0,
                "V_m": 0.0,
            },
            "optimizer": {"type": "gradient_descent", "eta": 1e-4, "Wmin": -100.0, "Wmax": 100.0},
            "average_gradient": False,
            "tau_m_readout": 30.0,
            "weights": {
                "in": "normal/sqrt(n_in)",
                "rec": "normal/sqrt(n_rec)",
                "out": "normal/sqrt(n_rec)",
                "feedback": "normal/sqrt(n_rec)",
                "dtype": "float32",
            },
            "input": {"spike_prob": 0.05, "frozen": True},
            "target": {"periods": [1000, 500, 333, 200], "amplitude_range": [0.5, 2.0]},
            "kernel": {
                "eprop_reset_neurons_on_update": True,
                "eprop_update_interval": float(n_steps),
                "eprop_learning_window": float(n_steps),
                "resolution": 1.0,
                "total_num_virtual_procs": 1,
            },
        }
    if task == "evidence-accumulation":
        cue, spacing, bg_noise, recall, n_cues = 100, 50, 1050, 150, 7
        n_steps = n_cues * (cue + spacing) + bg_noise + recall  # 2250
        reg = {
            "C_m": 1.0,
            "c_reg": 300.0,
            "E_L": 0.0,
            "f_target": 10.0,
            "flush_event_send_interval": float(n_steps),
            "I_e": 0.0,
            "regular_spike_arrival": True,
            "surrogate_gradient_function": "piecewise_linear",
            "t_ref": 5.0,
            "tau_m": 20.0,
            "V_m": 0.0,
            "V_th": 0.6,
        }
        reg.update(_sg_scaled(reg["V_th"]))
        ad = dict(reg)
        ad.update({"adapt_tau": 2000.0, "adaptation": 0.0})
        ad["adapt_beta"] = 1.7 * (
            (1.0 - np.exp(-1.0 / ad["adapt_tau"])) / (1.0 - np.exp(-1.0 / ad["tau_m"]))
        )
        return {
            "task": task,
            "dt": 1.0,
            "n_in": 40,
            "n_rec": 100,
            "n_reg": 50,
            "n_ad": 50,
            "n_out": 2,
            "n_steps": n_steps,
            "learning_window": recall,
            "neuron_rec": reg,
            "neuron_ad": ad,
            "neuron_out": {
                "C_m": 1.0,
                "E_L": 0.0,
                "I_e": 0.0,
                "loss": "cross_entropy",
                "regular_spike_arrival": False,
                "tau_m": 20.0,
                "V_m": 0.0,
            },
            "optimizer": {
                "type": "adam",
                "eta": 5e-3,
                "beta_1": 0.9,
                "beta_2": 0.999,
                "epsilon": 1e-8,
                "Wmin": -100.0,
                "Wmax": 100.0,
            },
            "average_gradient": True,
            "tau_m_readout": 20.0,
            "weights": {
                "in": "normal/sqrt(n_in)",
                "rec": "normal/sqrt(n_rec)",
                "out": "glorot_uniform(n_rec, n_out)",
                "feedback": "normal",
                "dtype": "float32",
            },
            "input": {
                "n_symbols": 4,
                "n_cues": n_cues,
                "prob_group": 0.3,
                "spike_prob": 0.04,
                "steps_cue": cue,
                "steps_spacing": spacing,
                "steps_bg_noise": bg_noise,
                "steps_recall": recall,
            },
            "kernel": {
                "eprop_reset_neurons_on_update": True,
                "eprop_update_interval": float(n_steps),
                "eprop_learning_window": float(recall),
                "resolution": 1.0,
                "total_num_virtual_procs": 1,
            },
        }
    raise ValueError(f"task must be one of {TASKS}, got {task!r}")


def example_eta_schedule(
    n_iter_train: int = 50, n_iter_test: int = 4, eta_train: float = 5e-3, validate_every: int = 10
) -> list:
    """Per-iteration learning rates of the evidence-accumulation example's phase sequence
    (validation with eta=0 before every ``validate_every``-th training iteration, training, final
    test with eta=0).  Early stopping is not modelled (it can only trigger at training
    iteration >= 10)."""
    etas = []
    for k in range(n_iter_train):
        if k % validate_every == 0:
            etas.append(0.0)
        etas.append(eta_train)
    etas.extend([0.0] * n_iter_test)
    return etas


# --------------------------------------------------------------------------------------------------
# random draws (same order and calls as in the examples;
# legacy RandomState == np.random.seed stream)
# --------------------------------------------------------------------------------------------------


def _draw_weights(rng: np.random.RandomState, cfg: dict) -> dict:
    n_in, n_rec, n_out = cfg["n_in"], cfg["n_rec"], cfg["n_out"]
    f32 = np.float32
    w_in = np.array(rng.randn(n_in, n_rec).T / np.sqrt(n_in), dtype=f32)  # [post, pre]
    w_rec = np.array(rng.randn(n_rec, n_rec).T / np.sqrt(n_rec), dtype=f32)
    np.fill_diagonal(w_rec, 0.0)
    if cfg["task"] == "sine-waves":
        w_out = np.array(rng.randn(n_rec, n_out).T / np.sqrt(n_rec), dtype=f32)
        w_fb = np.array(rng.randn(n_rec, n_out) / np.sqrt(n_rec), dtype=f32)
    else:
        scale = 1.0 / max(1.0, (n_rec + n_out) / 2.0)
        limit = np.sqrt(3.0 * scale)
        w_out = np.array(rng.uniform(low=-limit, high=limit, size=(n_rec, n_out)).T, dtype=f32)
        w_fb = np.array(rng.randn(n_rec, n_out), dtype=f32)
    # NEST all_to_all weight arrays are [target, source]; feedback readout->rec is [rec, out]
    return {"in_rec": w_in, "rec_rec": w_rec, "rec_out": w_out, "out_rec": w_fb.T.copy()}


def _sine_input_and_target(rng: np.random.RandomState, cfg: dict):
    n_steps, n_in = cfg["n_steps"], cfg["n_in"]
    bools = rng.rand(n_steps, n_in) < cfg["input"]["spike_prob"]  # [step, in]
    bools[: cfg["input"].get("silent_steps", 1), :] = (
        False  # no spikes in the 0th step of a sequence
    )
    periods = cfg["target"]["periods"]
    lo, hi = cfg["target"]["amplitude_range"]
    amplitudes = rng.uniform(low=lo, high=hi, size=len(periods))
    phases = rng.uniform(low=0.0, high=2.0 * np.pi, size=len(periods))
    sines = [
        a * np.sin(np.linspace(ph, ph + 2.0 * np.pi * (n_steps // p), n_steps))
        for a, ph, p in zip(amplitudes, phases, periods, strict=True)
    ]
    target = sum(sines)
    target = target - target[0]
    target = target / max(np.abs(target).max(), 1e-6)
    return bools, target


def _evidence_batch(rng: np.random.RandomState, cfg: dict, batch: int):
    inp = cfg["input"]
    n_in, n_steps = cfg["n_in"], cfg["n_steps"]
    n_pop = n_in // inp["n_symbols"]
    n_cues = inp["n_cues"]
    prob_choices = np.array([inp["prob_group"], 1 - inp["prob_group"]], dtype=np.float32)
    idx = rng.choice([0, 1], batch)
    probs = np.zeros((batch, 2), dtype=np.float32)
    probs[:, 0] = prob_choices[idx]
    probs[:, 1] = prob_choices[1 - idx]
    cues = np.zeros((batch, n_cues), dtype=int)
    for b in range(batch):
        cues[b, :] = rng.choice([0, 1], n_cues, p=probs[b])
    p = np.zeros((batch, n_steps, n_in))
    period = inp["steps_cue"] + inp["steps_spacing"]
    for b in range(batch):
        for c in range(n_cues):
            start = c * period + inp["steps_spacing"]
            p[
                b, start : start + inp["steps_cue"], cues[b, c] * n_pop : (cues[b, c] + 1) * n_pop
            ] = inp["spike_prob"]
    p[:, -inp["steps_recall"] :, 2 * n_pop : 3 * n_pop] = inp["spike_prob"]
    p[:, :, 3 * n_pop :] = inp["spike_prob"] / 4.0
    bools = p > rng.rand(p.size).reshape(p.shape)
    bools[:, : inp.get("silent_steps", 1), :] = False
    labels = (np.sum(cues, axis=1) > int(n_cues / 2)).astype(int)
    return bools, labels


# --------------------------------------------------------------------------------------------------
# main entry point
# --------------------------------------------------------------------------------------------------


def run_nest(
    task: str,
    iterations: int,
    seed: int = 1,
    batch: int = 1,
    *,
    eta_schedule: Sequence[float] | None = None,
    record_rec: bool = False,
    config_overrides: dict | None = None,
) -> dict:
    """Train the example network of ``task`` with NEST for ``iterations`` weight updates of
    ``batch`` sequences each and return reference data (see module docstring for array
    conventions).

    eta_schedule: optional learning rate per iteration (len == iterations).  It is applied like
        the evidence-accumulation example does (``SetDefaults`` of the synapse model at the start
        of each iteration); NEST then uses, for the update computed from iteration i's gradient,
        the eta that was in effect during iteration i (see SPEC.md for the exact per-synapse
        semantics).  Default: the task's constant eta (sine-waves 1e-4 gradient descent,
        evidence-accumulation 5e-3 Adam), set once before connecting.
    record_rec: additionally record V_m, surrogate_gradient, learning_signal (and
        adaptation/V_th_adapt) of all recurrent neurons, the recurrent spikes, and readout V_m /
        error_signal (for debugging).
    """
    import nest

    cfg = default_config(task)
    if config_overrides:
        for k, v in config_overrides.items():
            if isinstance(v, dict) and isinstance(cfg.get(k), dict):
                cfg[k].update(v)
            else:
                cfg[k] = v
    if eta_schedule is not None:
        eta_schedule = [float(e) for e in eta_schedule]
        if len(eta_schedule) != iterations:
            raise ValueError("eta_schedule needs one entry per iteration")

    T = cfg["n_steps"]
    n_in, n_rec, n_out, n_reg, n_ad = (
        cfg["n_in"],
        cfg["n_rec"],
        cfg["n_out"],
        cfg["n_reg"],
        cfg["n_ad"],
    )
    n_seq = iterations * batch
    rng = np.random.RandomState(seed)

    nest.ResetKernel()
    nest.set(print_time=False, **cfg["kernel"])
    with contextlib.suppress(Exception):  # pragma: no cover
        nest.verbosity = nest.VerbosityLevel.FATAL

    gen_spk_in = nest.Create("spike_generator", n_in)
    nrns_in = nest.Create("parrot_neuron", n_in)
    nrns_reg = nest.Create("eprop_iaf_bsshslm_2020", n_reg, cfg["neuron_rec"])
    if n_ad > 0:
        nrns_ad = nest.Create("eprop_iaf_adapt_bsshslm_2020", n_ad, cfg["neuron_ad"])
        nrns_rec = nrns_reg + nrns_ad
    else:
        nrns_rec = nrns_reg
    nrns_out = nest.Create("eprop_readout_bsshslm_2020", n_out, cfg["neuron_out"])
    gen_rate_target = nest.Create("step_rate_generator", n_out)

    stop_rec = float(TOTAL_OFFSET + n_seq * T)
    out_vars = ["readout_signal", "target_signal"] + (
        ["V_m", "error_signal", "readout_signal_unnorm"] if record_rec else []
    )
    mm_out = nest.Create(
        "multimeter",
        {"interval": 1.0, "record_from": out_vars, "start": float(TOTAL_OFFSET), "stop": stop_rec},
    )
    sr_in = nest.Create("spike_recorder", {"start": float(OFFSET_GEN), "stop": stop_rec})
    if record_rec:
        rec_vars = ["V_m", "surrogate_gradient", "learning_signal"]
        mm_reg = nest.Create(
            "multimeter", {"interval": 1.0, "record_from": rec_vars, "start": 0.0, "stop": stop_rec}
        )
        mm_ad = (
            nest.Create(
                "multimeter",
                {
                    "interval": 1.0,
                    "record_from": [*rec_vars, "V_th_adapt", "adaptation"],
                    "start": 0.0,
                    "stop": stop_rec,
                },
            )
            if n_ad > 0
            else None
        )
        sr_rec = nest.Create("spike_recorder", {"start": 0.0, "stop": stop_rec})

    w = _draw_weights(rng, cfg)

    opt = dict(cfg["optimizer"])
    opt["batch_size"] = batch
    if eta_schedule is not None:
        opt.pop("eta")  # keep NEST's default until the first iteration sets it, as the example does
    syn_defaults = {"optimizer": opt, "average_gradient": cfg["average_gradient"]}
    nest.SetDefaults("eprop_synapse_bsshslm_2020", syn_defaults)

    all_to_all = {"rule": "all_to_all", "allow_autapses": False}
    one_to_one = {"rule": "one_to_one"}
    syn_base = {
        "synapse_model": "eprop_synapse_bsshslm_2020",
        "delay": 1.0,
        "tau_m_readout": cfg["tau_m_readout"],
    }
    static = {"synapse_model": "static_synapse", "delay": 1.0}

    nest.Connect(gen_spk_in, nrns_in, one_to_one, static)
    nest.Connect(nrns_in, nrns_rec, all_to_all, dict(syn_base, weight=w["in_rec"]))
    nest.Connect(nrns_rec, nrns_rec, all_to_all, dict(syn_base, weight=w["rec_rec"]))
    nest.Connect(nrns_rec, nrns_out, all_to_all, dict(syn_base, weight=w["rec_out"]))
    nest.Connect(
        nrns_out,
        nrns_rec,
        all_to_all,
        {
            "synapse_model": "eprop_learning_signal_connection_bsshslm_2020",
            "delay": 1.0,
            "weight": w["out_rec"].T,
        },
    )  # [target=rec, source=out]
    nest.Connect(
        gen_rate_target,
        nrns_out,
        one_to_one,
        {"synapse_model": "rate_connection_delayed", "delay": 1.0, "receptor_type": 2},
    )
    if cfg["neuron_out"]["loss"] == "cross_entropy":
        nest.Connect(
            nrns_out,
            nrns_out,
            all_to_all,
            {
                "synapse_model": "rate_connection_delayed",
                "delay": 1.0,
                "receptor_type": 1,
                "weight": 1.0,
            },
        )

    nest.Connect(nrns_in, sr_in, {"rule": "all_to_all"}, static)
    nest.Connect(mm_out, nrns_out, {"rule": "all_to_all"}, static)
    if record_rec:
        nest.Connect(mm_reg, nrns_reg, {"rule": "all_to_all"}, static)
        if n_ad > 0:
            nest.Connect(mm_ad, nrns_ad, {"rule": "all_to_all"}, static)
        nest.Connect(nrns_rec, sr_rec, {"rule": "all_to_all"}, static)

    # strong spike after the task so that every e-prop synapse applies its last pending update
    gen_final = nest.Create("spike_generator", 1)
    nest.Connect(gen_final, nrns_in + nrns_rec, "all_to_all", {"weight": 1000.0})

    def read_weights(pre, post):
        c = nest.GetConnections(pre, post).get(["source", "target", "weight"])
        m = np.zeros((len(pre), len(post)))
        m[
            np.asarray(c["source"]) - pre[0].global_id, np.asarray(c["target"]) - post[0].global_id
        ] = c["weight"]
        return m

    weights_init = {
        "w_in": read_weights(nrns_in, nrns_rec),
        "w_rec": read_weights(nrns_rec, nrns_rec),
        "w_out": read_weights(nrns_rec, nrns_out),
        "w_feedback": read_weights(nrns_out, nrns_rec).T.copy(),
    }

    # ---------------- inputs and targets ----------------
    targets = np.zeros((iterations, batch, T, n_out))
    gen_bools = np.zeros((iterations, batch, T, n_in), dtype=np.int8)
    if task == "sine-waves":
        bools, target = _sine_input_and_target(rng, cfg)
        gen_bools[:] = bools[None, None]
        targets[:] = target[None, None, :, None]
        seq_starts = np.arange(n_seq) * T + OFFSET_GEN
        steps = np.arange(T, dtype=float)
        gen_spk_in.set(
            [
                {"spike_times": np.hstack([steps[bools[:, i]] + s for s in seq_starts])}
                for i in range(n_in)
            ]
        )
        gen_rate_target.set(
            {
                "amplitude_times": np.arange(n_seq * T, dtype=float) + TOTAL_OFFSET,
                "amplitude_values": np.tile(target, n_seq),
            }
        )

    t0 = time.perf_counter()
    for it in range(iterations):
        if eta_schedule is not None:
            opt_it = dict(opt, eta=eta_schedule[it])
            nest.SetDefaults("eprop_synapse_bsshslm_2020", {"optimizer": opt_it})
        if task == "evidence-accumulation":
            bools, labels = _evidence_batch(rng, cfg, batch)
            gen_bools[it] = bools
            targets[it, np.arange(batch), :, labels] = 1.0
            offset = it * batch * T
            timeline = np.arange(batch * T, dtype=float) + offset + OFFSET_GEN
            flat = bools.reshape(batch * T, n_in)
            gen_spk_in.set([{"spike_times": timeline[flat[:, i]]} for i in range(n_in)])
            amp = np.zeros((n_out, batch))
            amp[labels, np.arange(batch)] = 1.0
            gen_rate_target.set(
                [
                    {
                        "amplitude_times": np.arange(batch, dtype=float) * T
                        + offset
                        + TOTAL_OFFSET,
                        "amplitude_values": amp[k],
                    }
                    for k in range(n_out)
                ]
            )
        nest.Simulate(float(batch * T))
    t_task = n_seq * T
    gen_final.set({"spike_times": [float(t_task + DELAY_IN_REC + DELAY_REC_OUT + DELAY_OUT_NORM)]})
    nest.Simulate(float(TOTAL_OFFSET + EXTENSION_SIM))
    wall_s = time.perf_counter() - t0

    weights_final = {
        "w_in_final": read_weights(nrns_in, nrns_rec),
        "w_rec_final": read_weights(nrns_rec, nrns_rec),
        "w_out_final": read_weights(nrns_rec, nrns_out),
    }

    # ---------------- read out ----------------
    ev = mm_out.get("events")
    senders = np.asarray(ev["senders"])
    times = np.asarray(ev["times"])
    out_ids = nrns_out.tolist()

    def per_out(key):
        arr = np.asarray(ev[key])
        res = np.zeros((iterations, batch, T, n_out))
        for k, gid in enumerate(out_ids):
            m = senders == gid
            order = np.argsort(times[m], kind="stable")
            vals = arr[m][order]
            assert vals.size == n_seq * T, (key, vals.size)
            res[..., k] = vals.reshape(iterations, batch, T)
        return res

    readout = per_out("readout_signal")
    target_rec = per_out("target_signal")
    if cfg["neuron_out"]["loss"] == "mean_squared_error":
        loss = 0.5 * np.mean(np.sum((readout - target_rec) ** 2, axis=2), axis=(1, 2))
    else:
        W = cfg["learning_window"]
        loss = -np.mean(
            np.sum(target_rec[:, :, -W:, :] * np.log(readout[:, :, -W:, :]), axis=3), axis=(1, 2)
        )

    # inputs actually delivered: parrot spike stamp S reaches the recurrent neurons in update S,
    # which is local step (S - OFFSET_GEN - DELAY_IN_REC) mod T of global sequence (S - 2) // T
    evs = sr_in.get("events")
    st = np.rint(np.asarray(evs["times"])).astype(np.int64)
    sd = np.asarray(evs["senders"]) - nrns_in[0].global_id
    rel = st - (OFFSET_GEN + DELAY_IN_REC)
    keep = (rel >= 0) & (rel < n_seq * T)
    inputs = np.zeros((n_seq, T, n_in), dtype=np.int8)
    np.add.at(inputs, (rel[keep] // T, rel[keep] % T, sd[keep]), 1)
    inputs = inputs.reshape(iterations, batch, T, n_in)
    if not np.array_equal(inputs, gen_bools):
        raise RuntimeError("delivered input spikes differ from the generated ones")

    syn_def = nest.GetDefaults("eprop_synapse_bsshslm_2020")
    config = copy.deepcopy(cfg)
    config.update(
        {
            "seed": seed,
            "batch": batch,
            "iterations": iterations,
            "eta_schedule": eta_schedule,
            "optimizer_nest_defaults_after_run": dict(syn_def["optimizer"]),
            "synapse": dict(syn_base, average_gradient=cfg["average_gradient"], optimizer=opt),
            "feedback_synapse": {
                "synapse_model": "eprop_learning_signal_connection_bsshslm_2020",
                "delay": 1.0,
            },
            "target_synapse": {
                "synapse_model": "rate_connection_delayed",
                "delay": 1.0,
                "receptor_type": 2,
            },
            "shifts": {
                "offset_gen": OFFSET_GEN,
                "delay_in_rec": DELAY_IN_REC,
                "delay_rec_out": DELAY_REC_OUT,
                "delay_out_norm": DELAY_OUT_NORM,
                "total_offset": TOTAL_OFFSET,
                "extension_sim": EXTENSION_SIM,
            },
            "nest_status_rec": {
                k: v for k, v in nrns_reg[0].get().items() if isinstance(v, (int, float, str, bool))
            },
        }
    )
    if n_ad > 0:
        config["nest_status_ad"] = {
            k: v for k, v in nrns_ad[0].get().items() if isinstance(v, (int, float, str, bool))
        }

    result = {
        **weights_init,
        **weights_final,
        "inputs": inputs,
        "targets": targets,
        "loss": loss,
        "readout_signal": readout,
        "target_signal_recorded": target_rec,
        "wall_s": wall_s,
        "config": config,
    }

    if record_rec:

        def rec_trace(mm, nodes, key, n_total):
            e = mm.get("events")
            snd = np.asarray(e["senders"])
            tm = np.rint(np.asarray(e["times"])).astype(np.int64)
            out = np.zeros((n_total, len(nodes)))
            for j, gid in enumerate(nodes.tolist()):
                m = snd == gid
                out[tm[m] - 1, j] = np.asarray(e[key])[
                    m
                ]  # value recorded at update t carries time t+1
            return out

        n_total = int(stop_rec)
        rec = {}
        for key in ["V_m", "surrogate_gradient", "learning_signal"]:
            parts = [rec_trace(mm_reg, nrns_reg, key, n_total)]
            if n_ad > 0:
                parts.append(rec_trace(mm_ad, nrns_ad, key, n_total))
            rec[key] = np.concatenate(parts, axis=1)
        if n_ad > 0:
            for key in ["V_th_adapt", "adaptation"]:
                rec[key] = rec_trace(mm_ad, nrns_ad, key, n_total)
        e = sr_rec.get("events")
        spikes = np.zeros((n_total + 1, n_rec), dtype=np.int8)
        stamps = np.rint(np.asarray(e["times"])).astype(np.int64)
        spikes[stamps - 1, np.asarray(e["senders"]) - nrns_rec[0].global_id] = (
            1  # spike of update t has stamp t+1
        )
        rec["spikes"] = spikes[:n_total]
        rec["out_V_m"] = per_out("V_m")
        rec["out_error_signal"] = per_out("error_signal")
        rec["out_readout_signal_unnorm"] = per_out("readout_signal_unnorm")
        result["debug"] = rec  # indexed by NEST update step t (global), see SPEC.md

    return result


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=TASKS)
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    r = run_nest(a.task, a.iterations, a.seed, a.batch)
    np.set_printoptions(precision=10)
    print("loss", r["loss"], "wall_s", round(r["wall_s"], 3))
