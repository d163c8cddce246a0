"""Reading and summarising synapse tables the size of the Area X connectome.

Generates a synapse table of N rows in a given format (Parquet and line-delimited JSON
with the web release's codes; SyConn's ``conn_mat`` with ``ctgt_j0251_v2`` codes), then
times ``creditlab connectome-stats`` on it in a fresh process and reads that process's
peak resident memory. The mix of cell types is invented (HVC 40 %, MSN 30 %, LMAN 10 %,
DA 5 %, others 15 % of presynaptic partners; MSN 80 % of postsynaptic ones; 20 000 MSNs,
50 000 HVC axons), so HVC→MSN synapses, which the pair-similarity shuffles run on, are
about a third of the table.

    python benchmarks/connectome_read.py --rows 18000000 --format parquet
    python benchmarks/connectome_read.py --rows 500000,1000000,2000000 --format conn-mat
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

WEB = {"HVC": 5, "MSN": 13, "LMAN": 9, "DA": 1, "GPi": 4, "TAN": 16}
V2 = {"HVC": 4, "MSN": 2, "LMAN": 3, "DA": 1, "GPi": 7, "TAN": 5}
PRE = (["HVC", "MSN", "LMAN", "DA", "TAN", "GPi"], [0.40, 0.30, 0.10, 0.05, 0.10, 0.05])
POST = (["MSN", "GPi", "TAN"], [0.80, 0.15, 0.05])
CHUNK = 1_000_000


def chunk(rng: np.random.Generator, n: int) -> pd.DataFrame:
    pre = rng.choice(PRE[0], n, p=PRE[1])
    post = rng.choice(POST[0], n, p=POST[1])
    return pd.DataFrame(
        {
            "pre": pre,
            "post": post,
            "pre_id": 1_000_000 + rng.integers(0, 50_000, n),
            "post_id": rng.integers(0, 20_000, n),
            "morphology": rng.choice([0, 1, 2, 3], n, p=[0.1, 0.5, 0.35, 0.05]),
            "area": np.round(np.exp(rng.normal(-1.2, 0.6, n)), 4),
            "synprob": np.round(rng.uniform(0.3, 1.0, n), 3),
        }
    )


def web_records(c: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "pre_ssv": c.pre_id,
            "post_ssv": c.post_id,
            "pre_celltype": c.pre.map(WEB),
            "post_celltype": c.post.map(WEB),
            "post_morphology": c.morphology,
            "syn_area": c.area,
            "synprob": c.synprob,
        }
    )


def conn_mat_rows(rng: np.random.Generator, c: pd.DataFrame) -> np.ndarray:
    n = len(c)
    pre_first = c.pre_id.to_numpy() < c.post_id.to_numpy()
    pre_comp, post_comp = rng.choice([1, 3, 4], n), np.where(c.morphology == 3, 2, 0)
    spiness = np.where(c.morphology == 3, 3, c.morphology)  # conn_mat: 3 is "other"
    pre_cols = [c.pre_id, c.pre.map(V2), pre_comp, np.full(n, -1)]
    post_cols = [c.post_id, c.post.map(V2), post_comp, spiness]
    first = [np.where(pre_first, a, b) for a, b in zip(pre_cols, post_cols, strict=True)]
    second = [np.where(pre_first, b, a) for a, b in zip(pre_cols, post_cols, strict=True)]
    sign = np.where(c.pre.isin(["MSN", "GPi", "TAN"]), -1.0, 1.0)
    xyz = rng.integers(0, 25_000, (n, 3))
    columns = [
        *xyz.T, first[0], second[0], sign * c.area, first[2], second[2], first[1], second[1],
        first[3], second[3], c.synprob, np.full(n, -1.0), np.full(n, -1.0),
        *rng.normal(size=(20, n)),
    ]  # fmt: skip
    return np.column_stack([np.asarray(col, float) for col in columns])


CONN_MAT_COLUMNS = "x y z ssv1 ssv2 size comp1 comp2 celltype1 celltype2 spiness1 spiness2"
CONN_MAT_HEADER = "\t".join(
    [*CONN_MAT_COLUMNS.split(), "synprob", "spinehead_vol1", "spinehead_vol2"]
    + [f"latentmorph{s}_{i}" for s in (1, 2) for i in range(10)]
)


def generate(path: Path, rows: int, format: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    writer = None
    with open(path, "wb") as handle:
        if format == "conn-mat":
            handle.write(f"# {CONN_MAT_HEADER}\n".encode())
        for start in range(0, rows, CHUNK):
            c = chunk(rng, min(CHUNK, rows - start))
            if format == "parquet":
                part = pa.Table.from_pandas(web_records(c), preserve_index=False)
                writer = writer or pq.ParquetWriter(handle, part.schema)
                writer.write_table(part)
            elif format == "ndjson":
                handle.write(web_records(c).to_json(orient="records", lines=True).encode())
            else:
                np.savetxt(handle, conn_mat_rows(rng, c), delimiter="\t", fmt="%.18e")
        if writer is not None:
            writer.close()


def measure(path: Path, format: str, out: Path) -> tuple[float, float]:
    """Wall seconds and peak resident GiB of ``creditlab connectome-stats`` on ``path``."""
    codes = ["--cell-type-codes", "ctgt_j0251_v2"] if format == "conn-mat" else []
    command = [sys.executable, "-m", "creditlab", "connectome-stats", str(path), "--out",
               str(out), *codes]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20  # KiB → GiB
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000", help="comma-separated sizes")
    parser.add_argument("--format", default="parquet", choices=["parquet", "ndjson", "conn-mat"])
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        for rows in (int(r) for r in args.rows.split(",")):
            path = Path(tmp) / f"synapses-{rows}.{args.format}"
            start = time.perf_counter()
            generate(path, rows, args.format)
            made = time.perf_counter() - start
            seconds, peak = measure(path, args.format, Path(tmp) / f"out-{rows}")
            size = path.stat().st_size / 2**30
            results.append({"format": args.format, "rows": rows, "file_gib": round(size, 3),
                            "seconds": round(seconds, 1), "peak_gib": round(peak, 2),
                            "us_per_row": round(1e6 * seconds / rows, 2)})  # fmt: skip
            print(f"{args.format}, {rows:,} rows ({size:.2f} GiB, made in {made:.0f} s): "
                  f"{seconds:.1f} s, peak {peak:.2f} GiB, {1e6 * seconds / rows:.2f} µs/row",
                  flush=True)  # fmt: skip
            path.unlink()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
