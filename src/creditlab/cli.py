"""The ``creditlab`` command: train networks with learning rules and compare them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from creditlab.config import RULE_NAMES, TASK_NAMES

app = typer.Typer(
    help=(
        "creditlab: test hypotheses about how brains solve the credit-assignment problem.\n\n"
        "Train spiking and rate networks with candidate learning rules (backprop through time, "
        "e-prop, ...) on standard tasks, and compare what each rule learns.\n\n"
        "Example: creditlab train --task evidence-accumulation --rule eprop "
        "--iterations 200 --out runs/ea"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code=2)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
        refresh_per_second=4,
    )


def _enable_compilation_cache() -> None:
    """Keep compiled XLA programs on disk so a repeated run skips compilation.

    In ``$CREDITLAB_CACHE_DIR`` (default ``~/.cache/creditlab/xla``); ``CREDITLAB_CACHE_DIR=off``
    disables it. Results do not depend on it.
    """
    import os

    import jax

    location = os.environ.get("CREDITLAB_CACHE_DIR", str(Path.home() / ".cache/creditlab/xla"))
    if location.lower() == "off":
        return
    jax.config.update("jax_compilation_cache_dir", location)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def _run(config, out: Path, label: str, *, exit_on_divergence: bool = True):
    """Train one config into ``out`` with a progress bar.

    On divergence it exits with code 3, or with ``exit_on_divergence=False`` says so and
    returns the metrics up to the divergence.
    """
    from creditlab.io.run_directory import OutputExists, RunDirectory
    from creditlab.report import plot_learning_curves
    from creditlab.train import Diverged, train

    try:
        directory = RunDirectory(out)
    except OutputExists as error:
        _fail(str(error))
    _enable_compilation_cache()
    with _progress() as progress:
        bar = progress.add_task(label, total=config.iterations, loss="…")

        def on_iteration(iteration: int, row: dict[str, float]) -> None:
            progress.update(bar, advance=1, loss=f"{row['loss']:.4g}")

        try:
            result = train(config, run_directory=directory, on_iteration=on_iteration)
        except Diverged as error:
            console.print(f"[bold red]diverged:[/] {error}")
            if exit_on_divergence:
                raise typer.Exit(code=3) from None
            return error.metrics
        except KeyboardInterrupt:
            console.print(f"[yellow]interrupted[/]: metrics and last checkpoint are in {out}")
            raise typer.Exit(code=130) from None
    plot_learning_curves(
        {f"{config.rule}": result.metrics}, out / "learning_curve.png", title=config.task
    )
    return result.metrics


def _config(**fields):
    from pydantic import ValidationError

    from creditlab.config import describe_errors, make_config, merge, read_config_file

    config_file = fields.pop("config_file", None)
    try:
        if config_file is not None:
            fields = merge(read_config_file(config_file), fields)
        return make_config(**fields)
    except ValidationError as error:
        _fail("invalid configuration\n" + describe_errors(error))
    except (OSError, ValueError) as error:
        _fail(f"cannot read the configuration: {error}")


@app.command()
def train(
    task: Annotated[str, typer.Option(help=f"task: {', '.join(TASK_NAMES)}")],
    rule: Annotated[str, typer.Option(help=f"learning rule: {', '.join(RULE_NAMES)}")],
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    iterations: Annotated[int | None, typer.Option(help="weight updates [default 1000]")] = None,
    seed: Annotated[
        int | None, typer.Option(help="random seed of the whole run [default 0]")
    ] = None,
    batch: Annotated[int | None, typer.Option(help="trials per update [default: per task]")] = None,
    learning_rate: Annotated[
        float | None, typer.Option(help="optimizer step size [default: per task]")
    ] = None,
    precision: Annotated[str | None, typer.Option(help="float32 (default) or float64")] = None,
    n_rec: Annotated[int | None, typer.Option(help="recurrent neurons [default 100]")] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="JSON or TOML config; options above override it")
    ] = None,
) -> None:
    """Train one network with one rule; writes config.json, metrics.parquet,
    checkpoint.npz and learning_curve.png into OUT."""
    network = {"n_rec": n_rec} if n_rec is not None else None
    config = _config(
        task=task,
        rule=rule,
        iterations=iterations,
        seed=seed,
        batch=batch,
        learning_rate=learning_rate,
        precision=precision,
        network=network,
        config_file=config_file,
    )
    final = _run(config, out, f"{config.rule} on {config.task}")[-1]
    summary = ", ".join(f"{k} {v:.4g}" for k, v in final.items() if k != "iteration")
    console.print(f"done: {summary}\nresults in {out}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")] = Path(
        "runs/demo"
    ),
    iterations: Annotated[int, typer.Option(help="weight updates per rule")] = 40,
    batch: Annotated[int, typer.Option(help="trials per update")] = 32,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Train evidence accumulation with BPTT and with e-prop and write a report comparing them."""
    from creditlab.io.run_directory import OutputExists, RunDirectory
    from creditlab.report import write_comparison_report

    try:
        RunDirectory(out)
    except OutputExists as error:
        _fail(str(error))
    runs = {}
    for rule in ("bptt", "eprop"):
        config = _config(
            task="evidence-accumulation", rule=rule, iterations=iterations, seed=seed, batch=batch
        )
        metrics = _run(
            config, out / rule, f"{rule} on evidence accumulation", exit_on_divergence=False
        )
        label = rule if len(metrics) == iterations else f"{rule} (diverged)"
        if metrics:
            runs[label] = metrics
    report = write_comparison_report(
        out,
        runs,
        title="Evidence accumulation: BPTT vs e-prop",
        description=(
            f"100 neurons (50 LIF + 50 ALIF), 40 Poisson inputs, 7 cues, {iterations} Adam updates "
            f"of {batch} trials each (NEST's e-prop example), same seed and initial weights for "
            "both rules. BPTT follows the "
            "exact surrogate gradient; e-prop uses eligibility traces and a broadcast "
            "learning signal."
        ),
    )
    console.print(f"report: {report}")
