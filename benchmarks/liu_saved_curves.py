"""Liu et al. 2021's saved validation curves, out of their pickles and into a CSV, once.

    python benchmarks/liu_saved_curves.py GIT_DIR [--commit ff5d266] [--out CSV]

GIT_DIR is a clone of github.com/Helena-Yuhan-Liu/MDGL-main (``fetch`` puts one under
``/work/.mirror``); the saved runs behind the paper's Fig. 3C are
``bin/results/AccumulatingCues_main/*/results.pickle``, five per method (``default_BPTT``,
``default_EI`` = MDGL, ``default_Eprop``). Each holds, per validation point (every 10
iterations, before that iteration's step, 64 fresh trials; one BPTT run every 20),
``iter_list``, ``loss_list`` (the recall cross-entropy) and ``error_list`` (which holds
the accuracy).

The pickles are read with an unpickler that builds nothing but numpy scalars and dtypes
(the only globals they name); anything else is refused. The CSV, committed as
``benchmarks/liu_saved_curves.csv``, has one row per run and validation point: method,
run (the folder's date), iteration, loss, accuracy. It is what
``benchmarks/liu_reproduction.py`` draws Liu's curves from.
"""

from __future__ import annotations

import argparse
import csv
import io
import pickle
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = "bin/results/AccumulatingCues_main"
METHODS = {"default_BPTT": "bptt", "default_EI": "mdgl", "default_Eprop": "eprop"}
# numpy 1 pickles its scalars as numpy.core.multiarray.scalar (Liu's files), numpy 2 as
# numpy._core.multiarray.scalar
ALLOWED = {
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "dtype"),
}


class NumbersOnly(pickle.Unpickler):
    """An unpickler that builds numpy scalars and dtypes and refuses every other global."""

    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"refusing {module}.{name} in a saved run")
        return scalar_from_bytes if name == "scalar" else np.dtype


def scalar_from_bytes(dtype: np.dtype, data: bytes) -> np.generic:
    """The numpy scalar of ``dtype`` whose bytes are ``data`` (what numpy pickles a
    scalar as), built by ``frombuffer`` rather than numpy's internal constructor."""
    return np.frombuffer(data, dtype=dtype)[0]


def git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True
    ).stdout


def saved_runs(git_dir: Path, commit: str) -> list[dict]:
    """Every saved run's method, run name and curves at ``commit``."""
    names = git(git_dir, "ls-tree", "-r", "--name-only", commit, RESULTS).decode().split()
    runs = []
    for name in sorted(n for n in names if n.endswith("/results.pickle")):
        folder = name.split("/")[-2]
        method = next((m for key, m in METHODS.items() if folder.endswith(key)), None)
        if method is None:
            continue
        saved = NumbersOnly(io.BytesIO(git(git_dir, "show", f"{commit}:{name}"))).load()
        runs.append(
            {
                "method": method,
                "run": folder.split("-")[0],
                "iteration": [int(i) for i in saved["iter_list"]],
                "loss": [float(v) for v in saved["loss_list"]],
                "accuracy": [float(v) for v in saved["error_list"]],
            }
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir", type=Path)
    parser.add_argument("--commit", default="ff5d266247076b0f21395356fa1a24c401bf6125")
    parser.add_argument("--out", type=Path, default=HERE / "liu_saved_curves.csv")
    args = parser.parse_args()
    runs = saved_runs(args.git_dir, args.commit)
    with args.out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["method", "run", "iteration", "loss", "accuracy"])
        for run in runs:
            for i, loss, accuracy in zip(
                run["iteration"], run["loss"], run["accuracy"], strict=True
            ):
                writer.writerow([run["method"], run["run"], i, f"{loss:.7g}", f"{accuracy:.7g}"])
    from liu_reproduction import liu_finals, liu_runs  # the CSV read back, as it is used

    for method, finals in liu_finals(liu_runs(args.out)).items():
        (loss, loss_sd, runs_read), (accuracy, accuracy_sd, _) = finals.values()
        print(f"{method}: {runs_read} runs, final loss {loss:.3f} ± {loss_sd:.3f}, "
              f"accuracy {accuracy:.3f} ± {accuracy_sd:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
