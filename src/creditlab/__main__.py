"""The ``creditlab`` console script, also ``python -m creditlab``: runs :data:`creditlab.cli.app`.

Two things make a short run's whole process faster (RESULTS.md §2):

- A command that trains (``train``, ``demo``) starts its output process
  (:mod:`creditlab.io.output_process`) before anything else, even before the command line
  is imported: the child's imports of pandas and matplotlib (1.5 s of CPU) then run on the
  second core while this process imports typer, pydantic and JAX, instead of competing with
  the compilation that follows (0.4–0.5 s of a 200-iteration sine-wave run on 2 cores).
- A command that did not start Ray leaves with ``os._exit`` once stdout and stderr are
  flushed: its outputs are written and closed by then, and tearing down an interpreter with
  JAX loaded takes 0.25 s. (Ray's own exit handlers stop its local cluster, so commands that
  used it exit normally.)
"""

from __future__ import annotations

import os
import sys

TRAINING_COMMANDS = ("train", "demo")


def main() -> None:
    from creditlab.io import output_process

    if len(sys.argv) > 1 and sys.argv[1] in TRAINING_COMMANDS:
        output_process.start_early()
    from creditlab.cli import app

    try:
        app()
        code = 0
    except SystemExit as done:
        code = done.code
    finally:
        output_process.stop_unused()
    if "ray" in sys.modules or not isinstance(code, int | None):
        raise SystemExit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
