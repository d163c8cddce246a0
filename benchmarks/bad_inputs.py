"""Bad inputs and faults, tried as a new user would: every command run as a real process.

Each case is a command line (and the files or folders it needs) with the outcome it must
have, declared before the run:

* ``refused``: exit code 2 with a message that names what is wrong (the case's ``names``,
  any of them, case-insensitive), before any work;
* ``accepted``: exit code 0 (and, where given, ``names`` in the output).

What happened is classified as one of: clear error, accepted, error not naming it (exit 2
without the name), traceback (``Traceback`` in the output), hang (no exit within the
case's time), silent wrong result (exit 0 where a refusal was due), other exit code.
Writes a Markdown table of every case and the counts by class and outcome.

    python benchmarks/bad_inputs.py [--out benchmarks/bad_inputs.md] [--parallel 2]
        [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

CREDITLAB = [sys.executable, "-m", "creditlab"]
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
TINY_TRAIN = ["--task", "sine-waves", "--rule", "eprop", "--iterations", "2", "--n-rec", "4"]


@dataclass(frozen=True)
class Case:
    kind: str  # the class of fault, as the issue lists them
    argv: list[str]  # after ``creditlab``; "{d}" is the case's own empty folder
    expect: str  # "refused" or "accepted"
    names: tuple[str, ...] = ()
    setup: Callable[[Path], None] | None = None
    timeout_s: float = 60.0
    holds_lock: str | None = None  # a folder (under {d}) a running job holds meanwhile
    label: str = field(default="")

    @property
    def title(self) -> str:
        return self.label or " ".join(self.argv)


def write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())

    return make


def both(*setups: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        for setup in setups:
            setup(folder)

    return make


def nwb_like(kind: str) -> Callable[[Path], None]:
    """A folder ``rec`` holding one file that is not a readable NWB recording."""

    def make(folder: Path) -> None:
        import h5py
        import numpy as np

        rec = folder / "rec"
        rec.mkdir()
        if kind == "text":
            (rec / "m0_day1.nwb").write_text("not hdf5")
        elif kind == "plain-hdf5":
            with h5py.File(rec / "m0_day1.nwb", "w") as handle:
                handle["x"] = np.arange(3)
        elif kind == "truncated":
            with h5py.File(rec / "m0_day1.nwb", "w") as handle:
                handle["x"] = np.arange(100_000)
            data = (rec / "m0_day1.nwb").read_bytes()
            (rec / "m0_day1.nwb").write_bytes(data[:3000])

    return make


def finished_train(folder: Path) -> None:
    """``{d}/done``: a complete run's folder (results a new run must not overwrite)."""
    subprocess.run(
        [*CREDITLAB, "train", *TINY_TRAIN, "--out", str(folder / "done")],
        check=True,
        capture_output=True,
    )


def numeric(command: list[str], option: str, values: list[str], names: tuple[str, ...]):
    """Cases giving ``option`` each of ``values``: a bad number, or a name not among the
    option's choices."""
    return [
        Case(
            "bad number" if _looks_numeric(value) else "bad choice",
            [*command, option, value],
            "refused",
            names,
        )
        for value in values
    ]


def _looks_numeric(value: str) -> bool:
    first = value.split(",")[0]
    try:
        float(first)
    except ValueError:
        return first in ("", "true")
    return True


def cases() -> list[Case]:
    out = ["--out", "{d}/out"]
    train = ["train", *TINY_TRAIN, *out]
    cfg = ["train", "--task", "sine-waves", "--rule", "eprop", *out, "--config"]
    found: list[Case] = []
    # -- bad numbers on the command line -------------------------------------------------
    it, lr = ("iterations",), ("learning", "learning_rate", "learning-rate")
    found += numeric(train, "--iterations", ["0", "-1", "nan", "true", "1e3"], it)
    found += numeric(train, "--learning-rate", ["nan", "inf", "-inf", "-0.1", "0"], lr)
    found += numeric(train, "--batch", ["0", "-2", "nan"], ("batch",))
    found += numeric(train, "--n-rec", ["0", "-5", "inf"], ("n_rec", "n-rec"))
    found += numeric(train, "--seed", ["-1", "nan", "2.5"], ("seed",))
    found += numeric(train, "--precision", ["float16", "64"], ("precision",))
    found += numeric(["demo", *out], "--iterations", ["0", "nan"], it)
    found += numeric(["demo", *out], "--batch", ["0"], ("batch",))
    cmp = ["compare", "--tasks", "teacher-student", "--rules", "bptt", *out]
    found += numeric(cmp, "--seeds", ["0", "-1", "nan"], ("seeds",))
    found += numeric(cmp, "--iterations", ["0"], it)
    found += numeric(cmp, "--lr-candidates", ["0", "100"], ("lr_candidates", "lr-candidates"))
    found += numeric(cmp, "--alignment-draws", ["0"], ("alignment",))
    found += numeric(cmp, "--gpus-per-trial", ["-1", "nan", "inf"], ("gpus",))
    found += numeric(cmp, "--cpus-per-trial", ["0", "inf"], ("cpus",))
    found += numeric(cmp, "--seed-batching", ["sideways"], ("seed_batching", "seed-batching"))
    bci = ["bci", *out, "--no-nwb"]
    found += numeric(bci, "--mice", ["0", "-1"], ("mice",))
    found += numeric(bci, "--days", ["0"], ("days",))
    found += numeric(bci, "--session-minutes", ["0.05", "0", "nan", "inf", "-3"], ("session",))
    found += numeric(bci, "--probe-minutes", ["-1", "nan"], ("probe",))
    found += numeric(bci, "--seed", ["-1"], ("seed",))
    found += numeric(bci, "--apical-inhibition", ["sometimes"], ("apical",))
    found += numeric(bci, "--feedback", ["telepathic"], ("feedback",))
    found += numeric(bci, "--feedback-site", ["axon"], ("feedback_site", "feedback-site", "site"))
    found += numeric(bci, "--rule", ["no-such-rule"], ("rule",))
    dose = ["bci-dose-response", *out]
    levels = ("levels", "level")
    found += numeric(dose, "--levels", ["nan", "", "-5,0", "0,inf", "a,b"], levels)
    found += numeric(dose, "--mice", ["0"], ("mice",))
    found += numeric(dose, "--session-minutes", ["inf"], ("session",))
    bcmp = ["bci-compare", *out]
    found += numeric(bcmp, "--rules", ["dendritic,dendritic", "", "nope"], ("rule",))
    found += numeric(bcmp, "--controls", ["nope"], ("control",))
    found += numeric(bcmp, "--mice", ["0"], ("mice",))
    found += numeric(bcmp, "--session-minutes", ["0.05"], ("session",))
    found += numeric(bcmp, "--gpus-per-condition", ["0.5", "nan"], ("gpus", "address"))
    tune = ["tune", *out]
    found += numeric(tune, "--experiment", ["cerebellum"], ("experiment",))
    found += numeric(tune, "--rules", [""], ("rule",))
    found += numeric(tune, "--mice", ["0"], ("mice",))
    found += numeric(tune, "--session-minutes", ["nan"], ("session",))
    found += numeric(tune, "--cohort", ["-1"], ("cohort",))
    found += numeric([*tune, "--experiment", "song"], "--birds", ["0"], ("birds",))
    found += numeric([*tune, "--experiment", "song"], "--renditions", ["0"], ("renditions",))
    song = ["song", *out]
    found += numeric(song, "--birds", ["0", "-2"], ("birds",))
    found += numeric(song, "--renditions", ["0", "nan"], ("renditions",))
    found += numeric(song, "--lesion", ["cerebellum"], ("lesion",))
    found += numeric(song, "--route", ["teleport"], ("route",))
    found += numeric(song, "--rule", ["no-such-rule"], ("rule",))
    found += numeric(song, "--seed", ["-1"], ("seed",))
    placement = ["song-placement", *out]
    found += numeric(placement, "--physics", ["huge", "", "mid,mid"], ("physics",))
    found += numeric(placement, "--levels", ["1", "0"], ("levels",))
    found += numeric(placement, "--birds", ["0"], ("birds",))
    found += numeric(placement, "--renditions", ["0"], ("renditions",))
    found += numeric(placement, "--msn-per-channel", ["0"], ("msn_per_channel",))
    found += numeric(placement, "--learning-rate", ["-1", "nan"], ("learning-rate",))
    found += numeric(placement, "--seed", ["1000000", "-1"], ("seed",))
    # -- argument lists --------------------------------------------------------------------
    found += [
        Case(
            "argument list",
            ["compare", "--tasks", "", "--rules", "bptt", *out],
            "refused",
            ("task",),
        ),
        Case(
            "argument list",
            ["compare", "--tasks", "teacher-student", "--rules", "", *out],
            "refused",
            ("rule",),
        ),
        Case(
            "argument list",
            ["compare", "--tasks", "teacher-student", "--rules", "bptt,bptt", *out],
            "refused",
            ("twice",),
        ),
        Case(
            "argument list",
            ["compare", "--tasks", "nope", "--rules", "bptt", *out],
            "refused",
            ("task",),
        ),
        Case(
            "argument list",
            ["compare", "--tasks", "evidence-accumulation", "--rules", "mdgl", *out],
            "refused",
            ("mdgl", "cell"),
        ),
        Case(
            "argument list",
            ["train", "--task", "evidence-accumulation", "--rule", "mdgl", *out],
            "refused",
            ("cell_types", "cell types"),
        ),
        Case(
            "argument list",
            ["train", "--task", "nope", "--rule", "eprop", *out],
            "refused",
            ("task",),
        ),
        Case(
            "argument list",
            ["train", "--task", "sine-waves", "--rule", "nope", *out],
            "refused",
            ("rule",),
        ),
        Case("argument list", ["train", "--rule", "eprop", *out], "refused", ("task",)),
        Case(
            "argument list", ["bci-cohorts", "{d}/nothing-here", *out], "refused", ("nothing-here",)
        ),
        Case("argument list", ["bci-cohorts", "{d}", *out], "refused", ("run", "signatures")),
    ]
    # -- sizes that cannot fit, clusters that do not answer ------------------------------
    found += [
        Case(
            "cannot fit",
            ["train", "--task", "sine-waves", "--rule", "eprop", "--n-rec", "100000", *out],
            "refused",
            ("GiB",),
            timeout_s=30,
        ),
        Case(
            "cannot fit",
            [
                "train",
                "--task",
                "sine-waves",
                "--rule",
                "bptt",
                "--n-rec",
                "60000",
                "--batch",
                "64",
                *out,
            ],
            "refused",
            ("GiB",),
            timeout_s=30,
        ),
        Case(
            "unreachable cluster",
            [*cmp, "--address", "127.0.0.1:1"],
            "refused",
            ("127.0.0.1:1",),
            timeout_s=30,
        ),
        Case(
            "unreachable cluster",
            ["bci-compare", *out, "--address", "127.0.0.1:1"],
            "refused",
            ("127.0.0.1:1",),
            timeout_s=30,
        ),
        Case(
            "unreachable cluster",
            ["tune", *out, "--address", "127.0.0.1:1"],
            "refused",
            ("127.0.0.1:1",),
            timeout_s=30,
        ),
    ]
    # -- config files -----------------------------------------------------------------------
    config_cases = [
        ("c.json", '{"iterations": true}', ("iterations",)),
        ("c.json", '{"iterations": 2, "learning_rate": NaN}', ("learning_rate",)),
        ("c.json", '{"iterations": 2, "learning_rate": Infinity}', ("learning_rate",)),
        ("c.json", '{"iterations": 2, "network": {"n_rec": "ten"}}', ("n_rec",)),
        ("c.json", '{"iteratons": 2}', ("iteratons",)),
        ("c.json", '{"iterations": 2,', ("c.json",)),
        ("c.json", "[1, 2]", ("c.json",)),
        ("c.json", "", ("c.json",)),
        ("c.json", '{"iterations": 2, "network": {"init_gain": 1e30}}', ("init_gain",)),
        ("c.json", '{"iterations": 2, "rate_target_hz": 1e30}', ("rate_target",)),
        ("c.toml", "iterations = 2\n[neuron]\ntau_m = inf\n", ("tau_m",)),
        ("c.toml", "iterations = 2\n[neuron]\ntau_m = -20.0\n", ("tau_m",)),
        ("c.toml", "iterations = 2\n[network]\ninit_gain = inf\n", ("init_gain",)),
        ("c.toml", "iterations = = 2\n", ("c.toml",)),
        ("c.toml", "iterations = 2\nbatch = false\n", ("batch",)),
        ("c.yaml", "iterations: 2\n", ("c.yaml", "JSON or TOML")),
        ("c.pkl", b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x02.", ("c.pkl",)),
        ("c.json", b"\xff\xfe\x00binary", ("c.json",)),
    ]
    found += [
        Case(
            "config file",
            [*cfg, "{d}/" + name],
            "refused",
            names,
            setup=write(name, text),
            label=f"train --config {name} ← {text!r}"[:110],
        )
        for name, text, names in config_cases
    ]
    found += [
        Case("config file", [*cfg, "{d}/missing.json"], "refused", ("missing.json",)),
        Case("config file", [*cfg, "{d}"], "refused", ("{d}", "folder", "directory")),
    ]
    # -- user files: synapse tables, tuning tables, recordings ---------------------------
    header = "pre_type,post_type,compartment,area_um2,pre_id,post_id\n"
    tables = [
        ("t.csv", "", ("t.csv",)),
        ("t.csv", header, ("t.csv", "no synapses", "empty")),
        ("t.csv", "a,b\n1,2\n", ("t.csv",)),
        ("t.csv", header + "HVC,MSN,spine_head,-1,0,1\n", ("area",)),
        ("t.csv", header + "HVC,MSN,spine_head,nan,0,1\n", ("area",)),
        ("t.csv", header + "HVC,MSN,spine_head,abc,0,1\n", ("area",)),
        ("t.csv", header + "HVC,MSN,elbow,0.2,0,1\n", ("compartment",)),
        ("t.pkl", b"\x80\x04K\x02.", ("t.pkl",)),
        ("t.json", "{not json", ("t.json",)),
        ("t.parquet", b"PAR1 not really", ("t.parquet",)),
    ]
    found += [
        Case(
            "synapse table",
            ["connectome-stats", "{d}/" + name, *out],
            "refused",
            names,
            setup=write(name, text),
            label=f"connectome-stats {name} ← {text!r}"[:110],
        )
        for name, text, names in tables
    ]
    conn = str(FIXTURES / "synapses.conn_mat.txt")
    found += [
        Case("synapse table", ["connectome-stats", "{d}/none.csv", *out], "refused", ("none.csv",)),
        Case(
            "synapse table",
            ["connectome-stats", conn, *out],
            "refused",
            ("--cell-type-codes",),
            label="connectome-stats conn_mat without its code table",
        ),
        Case(
            "synapse table",
            ["connectome-stats", conn, *out, "--cell-type-codes", "v9"],
            "refused",
            ("v9",),
        ),
        Case(
            "synapse table",
            ["connectome-stats", conn, *out, "--format", "xlsx"],
            "refused",
            ("xlsx",),
        ),
        Case(
            "synapse table",
            ["connectome-stats", conn, *out, "--min-area-um2", "nan"],
            "refused",
            ("--min-area-um2",),
        ),
        Case(
            "synapse table",
            ["connectome-stats", "{d}/c.csv", *out],
            "refused",
            ("--format conn-mat",),
            setup=write("c.csv", Path(conn).read_text().replace("\t", ",")),
            label="connectome-stats on a conn_mat export made comma-separated",
        ),
        Case(
            "synapse table",
            ["connectome-stats", "{d}/t.csv", *out],
            "refused",
            ("'msn'",),
            setup=write("t.csv", header + "HVC,msn,spine_head,0.2,0,1\n"),
            label="connectome-stats: cell type 'msn' (wrong case)",
        ),
        Case(
            "synapse table",
            ["connectome-stats", "{d}/t.csv", *out],
            "refused",
            ("'dendrite'",),
            setup=write("t.csv", header + "HVC,MSN,dendrite,0.2,0,1\n"),
            label="connectome-stats: compartment 'dendrite'",
        ),
        Case(
            "synapse table",
            ["connectome-stats", "{d}/t.csv", *out],
            "refused",
            ("cell id",),
            setup=write("t.csv", header + "HVC,MSN,spine_head,0.2,,\nHVC,MSN,shaft,0.3,,\n"),
            label="connectome-stats: synapses without ids",
        ),
        Case(
            "synapse table",
            ["connectome-stats", "{d}/deep.json", *out],
            "refused",
            ("deep.json",),
            setup=write("deep.json", "[" * 100_000 + "]" * 100_000),
            label="connectome-stats: JSON nested 100 000 deep",
        ),
        Case(
            "accepted",
            ["connectome-stats", conn, *out, "--cell-type-codes", "ctgt_j0251_v2"],
            "accepted",
            ("read as conn-mat",),
            timeout_s=120,
        ),
    ]
    tuning_bad = [
        ("tuned.csv", "", ("tuned.csv",)),
        ("tuned.csv", "rule,parameter,value\ndendritic,learning_rate,nan\n", ("tuned.csv",)),
        ("tuned.csv", "rule,parameter,value\ndendritic,learning_rate,abc\n", ("tuned.csv",)),
        ("tuned.csv", "x,y\n1,2\n", ("tuned.csv",)),
    ]
    found += [
        Case(
            "tuning table",
            ["bci", *out, "--no-nwb", "--tuning", "{d}/" + name],
            "refused",
            names,
            setup=write(name, text),
            label=f"bci --tuning {name} ← {text!r}"[:110],
        )
        for name, text, names in tuning_bad
    ]
    found += [
        Case("tuning table", ["bci", *out, "--tuning", "{d}/none.csv"], "refused", ("none.csv",)),
        Case(
            "tuning table",
            ["bci-compare", *out, "--tuning", "{d}/none.csv"],
            "refused",
            ("none.csv",),
        ),
    ]
    for kind in ("text", "plain-hdf5", "truncated"):
        found.append(
            Case(
                "recordings",
                ["bci-analyze", "{d}/rec", *out],
                "refused",
                ("m0_day1.nwb",),
                setup=nwb_like(kind),
                label=f"bci-analyze on a {kind} .nwb file",
            )
        )
    found += [
        Case("recordings", ["bci-analyze", "{d}/none", *out], "refused", ("none",)),
        Case(
            "recordings",
            ["bci-analyze", "{d}/empty", *out],
            "refused",
            ("empty", "nwb"),
            setup=lambda d: (d / "empty").mkdir(),
        ),
        Case(
            "recordings",
            ["bci-analyze", "{d}/rec", *out, "--populations", "{d}/p.csv"],
            "refused",
            ("p.csv",),
            setup=nwb_like("text"),
        ),
    ]
    # -- output folders --------------------------------------------------------------------
    writers = {
        "train": ["train", *TINY_TRAIN],
        "demo": ["demo"],
        "compare": ["compare", "--tasks", "teacher-student", "--rules", "bptt"],
        "bci": ["bci", "--no-nwb"],
        "bci-compare": ["bci-compare"],
        "bci-dose-response": ["bci-dose-response"],
        "song": ["song"],
        "tune": ["tune"],
        "connectome-stats": ["connectome-stats", str(FIXTURES / "synapses.csv")],
    }
    for name, argv in writers.items():
        found += [
            Case(
                "bad --out",
                [*argv, "--out", "{d}/file"],
                "refused",
                ("file",),
                setup=write("file", "x"),
                label=f"{name} --out FILE",
            ),
            Case(
                "bad --out",
                [*argv, "--out", "{d}/file/sub"],
                "refused",
                ("file",),
                setup=write("file", "x"),
                label=f"{name} --out FILE/sub",
            ),
            Case(
                "bad --out",
                [*argv, "--out", "/proc/creditlab-out"],
                "refused",
                ("/proc/creditlab-out",),
                label=f"{name} --out /proc/… (unwritable)",
            ),
            Case(
                "bad --out",
                [*argv, "--out", "{d}/busy"],
                "refused",
                ("running job",),
                holds_lock="busy",
                label=f"{name} --out FOLDER a running job holds",
            ),
        ]
    found += [
        Case(
            "bad --out",
            [*train[:-2], "--out", "{d}/done"],
            "refused",
            ("done",),
            setup=finished_train,
            timeout_s=120,
            label="train --out FOLDER with results",
        ),
        Case(
            "bad --out",
            ["train", *TINY_TRAIN, "--out", "{d}/[red]x"],
            "accepted",
            ("[red]x",),
            timeout_s=120,
            label="train --out '[red]x' (brackets)",
        ),
    ]
    # -- resume ----------------------------------------------------------------------------
    found += [
        Case("resume", ["train", "--resume", "{d}/none"], "refused", ("none",)),
        Case(
            "resume",
            ["train", "--resume", "{d}/e"],
            "refused",
            ("config",),
            setup=lambda d: (d / "e").mkdir(),
        ),
        Case(
            "resume",
            ["train", "--resume", "{d}/done", "--iterations", "5"],
            "refused",
            ("iterations",),
            setup=finished_train,
            timeout_s=120,
        ),
        Case(
            "resume",
            ["train", "--resume", "{d}/r"],
            "refused",
            ("config.json",),
            setup=write("r/config.json", "{broken"),
        ),
    ]
    # -- inputs that are right and must run ------------------------------------------------
    found += [
        Case("accepted", ["train", *TINY_TRAIN, *out], "accepted", timeout_s=120),
        Case(
            "accepted",
            [*cfg, "{d}/ok.toml"],
            "accepted",
            setup=write("ok.toml", "iterations = 2\nbatch = 2\n[network]\nn_rec = 4\n"),
            timeout_s=120,
        ),
        Case(
            "accepted",
            ["connectome-stats", str(FIXTURES / "synapses.csv"), *out],
            "accepted",
            timeout_s=120,
        ),
        Case(
            "accepted",
            [
                "bci",
                *out,
                "--no-nwb",
                "--mice",
                "1",
                "--days",
                "2",
                "--session-minutes",
                "1",
                "--probe-minutes",
                "0.6",
            ],
            "accepted",
            ("not testable",),
            timeout_s=300,
        ),
    ]
    return found


def run_case(case: Case) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if case.setup is not None:
            case.setup(folder)
        argv = [part.replace("{d}", tmp) for part in case.argv]
        holder = None
        if case.holds_lock is not None:
            busy = folder / case.holds_lock
            busy.mkdir()
            holder = open(busy / ".lock", "w")  # noqa: SIM115 (held until the case ends)
            fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [*CREDITLAB, *argv],
                capture_output=True,
                text=True,
                timeout=case.timeout_s,
                cwd=tmp,
                env=os.environ | {"COLUMNS": "200"},
            )
            code, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired:
            code, output = None, ""
        finally:
            if holder is not None:
                holder.close()
        seconds = time.perf_counter() - start
    names = [name.replace("{d}", tmp) for name in case.names]
    named = not names or any(name.lower() in output.lower() for name in names)
    if code is None:
        outcome = "hang"
    elif "Traceback" in output:
        outcome = "traceback"
    elif code == 2:
        outcome = "clear error" if named else "error not naming it"
    elif code == 0:
        outcome = "accepted" if named else "accepted, output lacks it"
        if case.expect == "refused":
            outcome = "silent wrong result"
    else:
        outcome = f"exit {code}"
    right = outcome == {"refused": "clear error", "accepted": "accepted"}[case.expect]
    message = " ".join(output.replace(tmp, "{d}").split())[:160]
    return {
        "kind": case.kind,
        "case": case.title.replace(tmp, "{d}"),
        "expect": case.expect,
        "outcome": outcome,
        "right": right,
        "seconds": round(seconds, 1),
        "message": message,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/bad_inputs.md"))
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    chosen = [case for case in cases() if args.only in case.title]
    with ThreadPoolExecutor(args.parallel) as pool:
        results = list(pool.map(run_case, chosen))
    counts = Counter((r["kind"], r["outcome"]) for r in results)
    kinds = list(dict.fromkeys(r["kind"] for r in results))
    outcomes = sorted({r["outcome"] for r in results})
    lines = [
        f"# Bad inputs and faults: {len(results)} cases, "
        f"{sum(r['right'] for r in results)} as declared",
        "",
        "`python benchmarks/bad_inputs.py` (each case a fresh `creditlab` process).",
        "",
        "| class | " + " | ".join(outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
        *(f"| {k} | " + " | ".join(str(counts[k, o]) for o in outcomes) + " |" for k in kinds),
        "",
        "| class | case | declared | outcome | s | message (start) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        mark = "" if r["right"] else " **✗**"
        case = r["case"].replace("|", "\\|")
        message = r["message"].replace("|", "\\|")
        lines.append(
            f"| {r['kind']} | `{case}` | {r['expect']} | {r['outcome']}{mark} | "
            f"{r['seconds']} | {message} |"
        )
    args.out.write_text("\n".join(lines) + "\n")
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=1))
    wrong = [r for r in results if not r["right"]]
    print(f"{len(results)} cases, {len(results) - len(wrong)} as declared; see {args.out}")
    for r in wrong:
        print(f"  ✗ {r['case']}: {r['outcome']}: {r['message']}")


if __name__ == "__main__":
    main()
