"""The ``creditlab`` command: train networks with learning rules and compare them."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn
from rich.text import Text

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
    # plain help: rich's markup would take "[default: 1000]" or "(Hz)" for tags and keep
    # the docstrings' line breaks mid-sentence; click rewraps them as prose
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)  # progress, notes and errors; results go to stdout
PLUGINS: list[str] = []  # the users' rule files given with --plugin, run before the command
QUIET: list[bool] = [False]  # --quiet: no progress bars or notes (errors still shown)
TuningTable = Annotated[
    Path | None,
    typer.Option(
        help="a tuned.csv from creditlab tune to read instead of the shipped tuning "
        "(e.g. this seed's own calibration cohort)"
    ),
]


@app.callback()
def _load_plugins(
    plugin: Annotated[
        list[Path] | None,
        typer.Option(
            help="a Python file that registers rules of your own (creditlab.rules.register); "
            "repeat for several"
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="no progress bars or notes, for scripts")
    ] = False,
) -> None:
    from creditlab.plugins import PluginError, load_plugins

    QUIET[0] = quiet
    try:
        PLUGINS[:] = load_plugins(plugin or ())
    except PluginError as error:
        _fail(str(error))


def _check_address(address: str | None) -> None:
    """A Ray ``--address`` that nothing answers is an error now, not minutes of retries."""
    from creditlab.cluster import ClusterUnreachable, check_reachable

    try:
        check_reachable(address)
    except ClusterUnreachable as error:
        _fail(str(error))


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code=2)


@contextlib.contextmanager
def _terminate_as_interrupt():
    """Within the block, SIGTERM (a scheduler's or ``kill``'s stop) interrupts like
    Ctrl-C: the run saves its state, marks itself interrupted and exits."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Times(ProgressColumn):
    """Time elapsed and left while a bar runs ("1:02 elapsed, 3:10 left"), its total once
    it is done ("took 4:12")."""

    @staticmethod
    def _clock(seconds: float | None) -> str:
        if seconds is None:
            return "–"
        minutes, second = divmod(int(seconds), 60)
        hours, minute = divmod(minutes, 60)
        return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"

    def render(self, task) -> Text:
        if task.finished:
            return Text(f"took {self._clock(task.finished_time)}", style="green")
        left = "" if task.time_remaining is None else f", {self._clock(task.time_remaining)} left"
        return Text(f"{self._clock(task.elapsed or 0.0)} elapsed{left}", style="cyan")


def _progress() -> Progress:
    """Bars on stderr: what runs, how far, its latest status (a bar's ``status`` field,
    for example "loss 0.41"), the time elapsed and, while it runs, the time left."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        _Times(),
        console=console,
        transient=False,
        refresh_per_second=4,
        disable=QUIET[0],
    )


def _note(message: str) -> None:
    """A note on stderr (not with --quiet); ``message`` is rich markup."""
    if not QUIET[0]:
        console.print(message)


def _finish(folder: Path, *, table: str | None = None, report: Path | None = None) -> None:
    """The end of a command: ``folder/index.html`` linking everything it wrote, then on
    stdout as plain text (never wrapped, so a pipe gets whole Markdown rows) its summary
    ``table`` and where its results are."""
    from creditlab.report import write_index

    index = write_index(folder, f"Results in {Path(folder).name}")
    if table:
        typer.echo(table.rstrip("\n") + "\n")
    typer.echo(f"results: {folder} (index: {index})")
    if report is not None:
        typer.echo(f"report: {report}")


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


def _run(config, out: Path, label: str, *, exit_on_divergence: bool = True, resume: bool = False):
    """Train one config into ``out`` (with ``resume``, on from its checkpoint) with a
    progress bar.

    On divergence it exits with code 3, or with ``exit_on_divergence=False`` says so and
    returns the metrics up to the divergence. SIGTERM and Ctrl-C save, mark the run
    interrupted and exit with code 130.
    """
    from creditlab.io.checkpoint import CheckpointMismatch
    from creditlab.io.output_process import open_output_process
    from creditlab.io.run_directory import OutputExists, RunDirectory
    from creditlab.memory import DoesNotFit

    try:
        directory = RunDirectory(out, resume=resume)
    except (OutputExists, FileNotFoundError) as error:
        _fail(str(error))
    # The metrics table and the plot are written by a second process, which imports pandas
    # and matplotlib while this one imports JAX and compiles; leaving the block waits for it.
    with (
        _terminate_as_interrupt(),
        open_output_process() as output_process,
        _progress() as progress,
    ):
        directory.output_process = output_process
        from creditlab.train import Diverged, train

        _enable_compilation_cache()
        bar = progress.add_task(label, total=config.iterations, status="")

        def on_iteration(iteration: int, row: dict[str, float]) -> None:
            progress.update(bar, completed=iteration + 1, status=f"loss {row['loss']:.4g}")

        try:
            result = train(
                config,
                run_directory=directory,
                on_iteration=on_iteration,
                resume=resume,
                evaluate_at_end=True,
            )
        except Diverged as error:
            console.print(f"[bold red]diverged:[/] {escape(str(error))}")
            if exit_on_divergence:
                raise typer.Exit(code=3) from None
            return error.metrics
        except (CheckpointMismatch, FileNotFoundError, DoesNotFit) as error:
            directory.release()  # refused before any work: the folder is free again
            _fail(str(error))
        except KeyboardInterrupt:
            console.print(
                f"[yellow]interrupted[/]: metrics and the whole training state are in "
                f"{escape(str(out))}; creditlab train --resume {escape(str(out))} goes on"
            )
            raise typer.Exit(code=130) from None
        output_process.submit(
            "learning_curves",
            path=str(out / "learning_curve.png"),
            runs={config.rule: result.metrics},
            title=config.task,
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
    task: Annotated[str | None, typer.Option(help="task (creditlab tasks lists them)")] = None,
    rule: Annotated[
        str | None, typer.Option(help="learning rule (creditlab rules lists them)")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="output folder (must not already hold results) "
            "[default: runs/TASK-RULE-seedS-DATE-TIME]"
        ),
    ] = None,
    iterations: Annotated[int | None, typer.Option(help="weight updates [default: 1000]")] = None,
    seed: Annotated[
        int | None, typer.Option(help="random seed of the whole run [default: 0]")
    ] = None,
    batch: Annotated[int | None, typer.Option(help="trials per update [default: per task]")] = None,
    learning_rate: Annotated[
        float | None, typer.Option(help="optimizer step size [default: per task]")
    ] = None,
    precision: Annotated[
        str | None, typer.Option(help="float32 or float64 [default: float32]")
    ] = None,
    n_rec: Annotated[int | None, typer.Option(help="recurrent neurons [default: 100]")] = None,
    evaluate_every: Annotated[
        int | None,
        typer.Option(
            help="score the weights on fresh trials every N iterations (0: only after the "
            "last) [default: per task]",
            min=0,
        ),
    ] = None,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="JSON or TOML config; options above override it")
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            help="an interrupted run's folder: go on from its checkpoint with its own config "
            "(no other option)"
        ),
    ] = None,
) -> None:
    """Train one network with one rule; writes config.json, metrics.parquet,
    checkpoint.npz (the whole training state), status.json and learning_curve.png into
    OUT. After the last update the network is scored on fresh trials (exploration noise
    off), and the summary gives that held-out loss and accuracy. --resume DIR continues an
    interrupted run to the numbers an uninterrupted one gives."""
    fields = dict(
        task=task,
        rule=rule,
        iterations=iterations,
        seed=seed,
        batch=batch,
        learning_rate=learning_rate,
        precision=precision,
        network={"n_rec": n_rec} if n_rec is not None else None,
        evaluate_every=evaluate_every,
        config_file=config_file,
    )
    if resume is not None:
        given = [name for name, value in (fields | {"out": out}).items() if value is not None]
        _resume_training(resume, given)
        return
    if task is None or rule is None:
        _fail("--task and --rule are required (or --resume DIR)")
    config = _config(**fields)
    if out is None:
        from creditlab.io.run_directory import new_run_folder

        out = new_run_folder("runs", f"{config.task}-{config.rule}-seed{config.seed}")
    _summarise(config, _run(config, out, f"{config.rule} on {config.task}"), out)


def _resume_training(folder: Path, others: list[str]) -> None:
    """``train --resume FOLDER``: the run's own config, on from its checkpoint."""
    from creditlab.io.run_directory import load_run_config, read_status

    if others:
        _fail(f"--resume takes no other option (the run's config.json decides); got {others}")
    if not (folder / "config.json").is_file():
        _fail(f"{folder} holds no run to resume (no config.json)")
    status = read_status(folder) or {}
    if status.get("status") == "complete":
        console.print(f"{escape(str(folder))} is already complete; nothing to do")
        return
    try:
        saved = load_run_config(folder / "config.json")
    except (OSError, ValueError, KeyError) as error:
        _fail(f"{folder / 'config.json'}: cannot be read ({error})")
    config = _config(**saved)
    label = f"{config.rule} on {config.task} (resumed)"
    _summarise(config, _run(config, folder, label, resume=True), folder)


def _summarise(config, metrics: list[dict[str, float]], out: Path) -> None:
    """What ``train`` ends with on stdout: the held-out scores after the last update,
    the training batches' over the last 10 % of iterations, and where the results are."""
    from statistics import fmean

    from creditlab.build import build_task
    from creditlab.report import markdown_table

    tail = metrics[-max(1, len(metrics) // 10) :]
    last = metrics[-1] if metrics else {}
    frozen = getattr(build_task(config), "frozen_inputs", False)
    held_out = (
        "the training pattern (its inputs are frozen)"
        if frozen
        else f"{config.evaluation_batch} fresh trials"
    )
    rows = [{"measure": "iterations", "value": str(len(metrics))}]
    for name in ("loss", "accuracy"):
        if tail and name in tail[0]:
            value = fmean(row[name] for row in tail)
            rows.append({"measure": f"training {name} (last 10 % of batches)",
                         "value": f"{value:.4g}"})  # fmt: skip
        if f"validation_{name}" in last:
            rows.append({"measure": f"held-out {name} ({held_out}, after the last update)",
                         "value": f"{last[f'validation_{name}']:.4g}"})  # fmt: skip
    _finish(out, table=markdown_table(rows), report=out / "learning_curve.png")


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
        directory = RunDirectory(out)
    except OutputExists as error:
        _fail(str(error))
    rules = ["bptt", "eprop"]
    sizes = {"iterations": iterations, "batch": batch, "seed": seed}
    directory.write_config({"task": "evidence-accumulation", "rules": rules, **sizes})  # header
    runs = {}
    for rule in rules:
        config = _config(
            task="evidence-accumulation", rule=rule, iterations=iterations, seed=seed, batch=batch
        )
        metrics = _run(
            config, out / rule, f"{rule} on evidence accumulation", exit_on_divergence=False
        )
        label = rule if len(metrics) == iterations else f"{rule} (diverged)"
        if metrics:
            runs[label] = metrics
    directory.mark("complete", iterations)
    summary = write_comparison_report(
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
    _finish(out, table=summary, report=out / "report.html")


def _names(text: str, option: str) -> tuple[str, ...]:
    """The comma-separated names of ``option``; none, or one twice, is an error."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        _fail(f"{option} names nothing; give at least one, comma-separated")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        _fail(f"{option} lists {', '.join(twice)} twice")
    return names


@app.command()
def compare(
    tasks: Annotated[str, typer.Option(help="comma-separated tasks (creditlab tasks)")],
    rules: Annotated[str, typer.Option(help="comma-separated rules (creditlab rules)")],
    out: Annotated[Path, typer.Option(help="output folder; the same folder and options resume")],
    seeds: Annotated[int, typer.Option(help="seeds K trained at each rule's best rate")] = 3,
    iterations: Annotated[int, typer.Option(help="weight updates per run")] = 100,
    lr_candidates: Annotated[
        int, typer.Option(help="learning rates tried per rule and task (two decades)")
    ] = 3,
    tuning_iterations: Annotated[
        int | None, typer.Option(help="updates per tuning run [default: --iterations]")
    ] = None,
    batch: Annotated[int | None, typer.Option(help="trials per update [default: per task]")] = None,
    n_rec: Annotated[int | None, typer.Option(help="recurrent neurons [default: per task]")] = None,
    address: Annotated[
        str | None, typer.Option(help="Ray cluster to join (default: start a local Ray)")
    ] = None,
    seed_batching: Annotated[
        str,
        typer.Option(
            help="the K seeds in one trial through train's own program (looped: train's "
            "numbers, bitwise), as one vmapped program (vmapped: faster on a GPU, equal to "
            "rounding), or one trial each (separate)"
        ),
    ] = "looped",
    alignment_draws: Annotated[
        int, typer.Option(help="updates averaged for cos(Δ, ∇); 1 for deterministic rules")
    ] = 8,
    gpus_per_trial: Annotated[
        float,
        typer.Option(help="GPUs each trial asks Ray for; fractions share a device", min=0),
    ] = 0.0,
    cpus_per_trial: Annotated[
        float, typer.Option(help="CPU cores each trial asks Ray for (1: XLA on one thread)")
    ] = 1.0,
) -> None:
    """Compare rules fairly: tune each rule's learning rate on each task, train K seeds at
    the best, and write leaderboard.parquet, leaderboard.md and learning_curves.png into
    OUT. Trials run on Ray; a failed trial is reported and the others go on; running the
    same command again resumes without redoing finished trials."""
    from pydantic import ValidationError

    from creditlab.cluster import TaskResources
    from creditlab.compare import CompareSpec
    from creditlab.compare import compare as run_compare
    from creditlab.compare.runner import planned_trials
    from creditlab.config import describe_errors
    from creditlab.io.run_directory import OutputExists

    try:
        spec = CompareSpec(
            plugins=tuple(PLUGINS),
            tasks=_names(tasks, "--tasks"),
            rules=_names(rules, "--rules"),
            seeds=seeds,
            iterations=iterations,
            lr_candidates=lr_candidates,
            tuning_iterations=tuning_iterations,
            batch=batch,
            n_rec=n_rec,
            seed_batching=seed_batching,
            alignment_draws=alignment_draws,
        )
    except ValidationError as error:
        _fail("invalid comparison\n" + describe_errors(error))
    resources = TaskResources(cpus=cpus_per_trial, gpus=gpus_per_trial)
    if not (math.isfinite(cpus_per_trial) and cpus_per_trial > 0 and math.isfinite(gpus_per_trial)):
        _fail(f"--cpus-per-trial must be > 0 and both finite, got {resources}")
    _check_address(address)
    failures: list[str] = []
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        console=console,
        refresh_per_second=4,
    ) as progress:
        bar = progress.add_task("trials", total=planned_trials(spec), status="")

        def on_event(kind: str, record: dict) -> None:
            if kind == "failed":
                failures.append(f"{record['trial_id']}: {record['error']}")
            if kind in ("ok", "failed", "resumed"):
                progress.update(bar, advance=1, status=f"{kind}: {record['trial_id']}")

        try:
            result = run_compare(spec, out, address=address, on_event=on_event, resources=resources)
        except OutputExists as error:
            _fail(str(error))
        except KeyboardInterrupt:
            console.print(
                f"[yellow]interrupted[/]: run the same command again to resume ({escape(str(out))})"
            )
            raise typer.Exit(code=130) from None
    for failure in failures:
        console.print(f"[bold red]failed trial[/] {escape(failure)}")
    board = result["folder"] / "leaderboard.md"
    _finish(result["folder"], table=board.read_text(), report=board.with_suffix(".html"))


def _bci_config(**fields):
    from pydantic import ValidationError

    from creditlab.config import describe_errors
    from creditlab.experiments.bci.experiment import BCIConfig

    try:
        return BCIConfig(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        _fail("invalid BCI configuration\n" + describe_errors(error))


def _song_config(**fields):
    from pydantic import ValidationError

    from creditlab.config import describe_errors
    from creditlab.experiments.song.experiment import SongConfig

    try:
        return SongConfig(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as error:
        _fail("invalid song configuration\n" + describe_errors(error))


def _same_run(out: Path, config: dict) -> bool:
    """Whether ``out`` holds a run of ``config`` (its config.json), to be resumed."""
    import json

    from creditlab.io.run_directory import load_run_config

    try:
        return json.loads(json.dumps(load_run_config(out / "config.json"))) == config
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _say_what_runs(rule: str, experiment: str, feedback: str | None = None) -> None:
    """Print what a closed-loop run of ``rule`` is: another rule here, or an upper bound."""
    from creditlab.experiments.bci.learning import knows_the_decoder
    from creditlab.rules import closed_loop_note, get_rule

    entry = get_rule(rule)
    note = closed_loop_note(entry)
    if note:
        _note(f"[yellow]note:[/] {escape(note)}")
    if experiment == "BCI" and knows_the_decoder(entry, feedback):
        _note(f"[yellow]note:[/] {rule} is an upper bound (knows the decoder)")
    if experiment == "song" and (entry.knows_target or entry.learning_signal):
        _note(f"[yellow]note:[/] {rule} is an upper bound (knows the tutor song)")


@app.command("tasks")
def tasks_() -> None:
    """List the tasks that rules train on, and the in-silico experiments."""
    from creditlab.experiments import EXPERIMENTS
    from creditlab.tasks import TASKS

    for name, make in TASKS.items():
        task = make()
        typer.echo(f"{name:28s} {task.kind:15s} {task.n_in} inputs, {task.n_out} outputs")
    for name, entry in EXPERIMENTS.items():
        typer.echo(f"{name:28s} {'experiment':15s} {entry.description}")


@app.command("rules")
def rules_() -> None:
    """List the learning rules: where each runs, and what it needs to know."""
    from creditlab.rules import get_rule, rule_names
    from creditlab.rules.registry import ONLINE

    for name in rule_names():
        entry = get_rule(name)
        forms = [
            f
            for f, has in (("tasks", entry.supervised), ("closed loop", entry.closed_loop))
            if has is not None
        ]
        flags = []
        if entry.knows_target:
            flags.append("knows the target")
        if entry.learning_signal:
            flags.append(f"learning signal through {entry.feedback} feedback")
        if entry.closed_loop is not None and entry.closed_loop_batching != ONLINE:
            flags.append(f"closed loop {entry.closed_loop_batching}")
        extra = f" [{'; '.join(flags)}]" if flags else ""
        typer.echo(f"{name:28s} {', '.join(forms):20s} {entry.description}{extra}")


def _day_progress(progress: Progress, label: str, days: int):
    bar = progress.add_task(label, total=days, status="")
    return lambda day: progress.update(bar, completed=day)


@app.command()
def bci(
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    rule: Annotated[
        str, typer.Option(help="any rule with a closed-loop form (creditlab rules)")
    ] = "dendritic",
    mice: Annotated[int, typer.Option(help="simulated mice, each its own random circuit")] = 6,
    days: Annotated[int, typer.Option(help="training days")] = 14,
    session_minutes: Annotated[float, typer.Option(help="one session per day (minutes)")] = 30.0,
    apical_inhibition: Annotated[
        str,
        typer.Option(
            help="NDNF-like activation: none, all (days), alternate (counterbalanced over "
            "mice) or alternate-uniform (days 2, 4, ... in every mouse)"
        ),
    ] = "none",
    seed: Annotated[int, typer.Option(help="random seed (circuits, noise)")] = 0,
    nwb: Annotated[bool, typer.Option(help="write one NWB file per mouse and day")] = True,
    feedback: Annotated[
        str | None,
        typer.Option(
            help="where the learning signal's weights B come from: learned (default), "
            "symmetric (the decoder's own: an upper bound), random or shuffled; only for "
            "rules with a learning signal"
        ),
    ] = None,
    feedback_site: Annotated[
        str, typer.Option(help="where the feedback arrives: tuft, or soma (a control)")
    ] = "tuft",
    probe_minutes: Annotated[
        float, typer.Option(help="daily probe block, feedback off and plasticity frozen (minutes)")
    ] = 3.0,
    credit: Annotated[
        bool, typer.Option(help="--no-credit drops the rule's own change (a control)")
    ] = True,
    tuning: TuningTable = None,
) -> None:
    """Run the in-silico BCI experiment of Francioni et al. 2026 under one learning rule;
    writes NWB sessions, trials/daily/neurons/events.parquet, findings, figures
    (performance.png, activity.png, dendrites.png) and report.html into OUT. The same
    command again reads a finished run back, and runs an unfinished one again."""
    from creditlab.experiments.bci.outputs import condition_state, run_condition
    from creditlab.io.run_directory import OutputExists

    config = _bci_config(
        rule=rule,
        mice=mice,
        days=days,
        session_minutes=session_minutes,
        apical_inhibition=apical_inhibition,
        seed=seed,
        feedback=feedback,
        feedback_site=feedback_site,
        probe_minutes=probe_minutes,
        credit=credit,
        tuning_table=None if tuning is None else str(tuning),
    )
    _say_what_runs(config.rule, "BCI", config.feedback)
    _enable_compilation_cache()
    try:
        if condition_state(config, out) == "complete":
            _note(f"{escape(str(out))} is already complete; its findings:")
        with _progress() as progress:
            on_day = _day_progress(progress, f"{rule}: days", config.days)
            _, found = run_condition(config, out, nwb=nwb, on_day=on_day)
    except OutputExists as error:
        _fail(str(error))
    _finish(out, table=_findings_table(found), report=out / "report.html")


def _findings_table(found) -> str:
    """The findings as the report's table shows them (:func:`shown_findings`), in Markdown."""
    from creditlab.experiments.bci.outputs import shown_findings
    from creditlab.report import frame_markdown

    return frame_markdown(shown_findings(found)) if len(found) else "no findings"


@app.command("bci-analyze")
def bci_analyze(
    recordings: Annotated[
        Path, typer.Argument(help="a folder of NWB files, one mouse and day each (searched down)")
    ],
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    populations: Annotated[
        Path | None,
        typer.Option(
            help="CSV of neuron_id,population (P+, P- or P0) for files whose ROI table has "
            "no population column"
        ),
    ] = None,
) -> None:
    """The BCI analyses on recordings, real or simulated: trials/daily/neurons/events
    tables, findings, figures and report.html, as a simulated run writes them. Each
    file needs processing/ophys/DfOverF with 'soma' and 'dendrite' series (one ROI per
    neuron each, the ROI table's 'population' column P+, P- or P0) and a trials table
    with start_time, stop_time, success, reward_time (NaN without reward) and
    time_to_target (NaN on failure); a name ending in _probe.nwb marks a probe block.
    A lab's standard layout is read too: one PlaneSegmentation with a 'compartment'
    column (soma or dendrite), optionally 'neuron_id' (else somata and dendrites are
    paired by correlation, r >= 0.6), DfOverF or raw Fluorescence."""
    from creditlab.experiments.bci.outputs import finish_analysis
    from creditlab.experiments.bci.recordings import (
        analyze_recordings,
        read_populations,
        recording_files,
    )
    from creditlab.io.nwb import NWBLayoutError
    from creditlab.io.run_directory import OutputExists, RunDirectory

    try:
        files = recording_files(recordings)
        labels = None if populations is None else read_populations(populations)
        directory = RunDirectory(out)
    except (NWBLayoutError, OutputExists) as error:
        _fail(str(error))
    directory.write_config(
        {"recordings": str(recordings), "files": [str(f) for f in files]}
        | {"populations": None if populations is None else str(populations)}
    )
    try:
        results = analyze_recordings(files, populations=labels)
    except NWBLayoutError as error:
        _fail(str(error))
    found = finish_analysis(directory.path, results, title=f"BCI recordings in {recordings}")
    _finish(out, table=_findings_table(found), report=out / "report.html")


@app.command("tune")
def tune_(
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    experiment: Annotated[str, typer.Option(help="bci or song")] = "bci",
    rules: Annotated[
        str, typer.Option(help="comma-separated rules to tune (default: the core set)")
    ] = "dendritic,node-perturbation,three-factor,eprop",
    feedback: Annotated[
        str | None,
        typer.Option(help="BCI: comma-separated origins of B, each tuned apart"),
    ] = None,
    mice: Annotated[int, typer.Option(help="BCI: calibration mice", min=1)] = 3,
    days: Annotated[int, typer.Option(help="BCI: calibration days", min=1)] = 4,
    session_minutes: Annotated[
        float, typer.Option(help="BCI: calibration session (minutes)", min=0.1)
    ] = 10.0,
    birds: Annotated[int, typer.Option(help="song: calibration birds", min=1)] = 4,
    renditions: Annotated[int, typer.Option(help="song: renditions per bird", min=1)] = 3000,
    cohort: Annotated[
        int, typer.Option(help="calibration cohort or flock (seed 1000000 + cohort)", min=0)
    ] = 0,
    address: Annotated[
        str | None,
        typer.Option(help="BCI: run each round's candidates as Ray tasks (local, auto, ray://…)"),
    ] = None,
) -> None:
    """Tune every rule with the same declared budget (5 candidates per hyperparameter
    over 2 decades, 2 rounds) on calibration animals no evaluation uses. Writes
    tuning.parquet (every candidate, as each is scored), tuned.csv (the chosen values:
    the table an experiment's defaults read when committed as
    experiments/EXPERIMENT/tuned.csv), tuning.md and tuning.png."""
    import contextlib

    import pandas as pd

    from creditlab.cluster import connected
    from creditlab.io.run_directory import OutputExists, RunDirectory
    from creditlab.tuning import DECLARED_BUDGET, write_tuning

    names = _names(rules, "--rules")
    origins = _names(feedback, "--feedback") if feedback is not None else (None,)
    if experiment == "bci":
        from creditlab.experiments.bci import tuning

        calibration = tuning.Cohort(
            mice=mice, days=days, session_minutes=session_minutes, index=cohort
        )
        for name in names:  # every calibration run is valid before anything runs
            for origin in origins:
                _bci_config(
                    rule=name,
                    feedback=origin if _has_signal(name) else None,
                    mice=mice,
                    days=days,
                    session_minutes=session_minutes,
                    seed=calibration.seed,
                    tuned=False,
                )
        label = "probe gain over none"
        runs = [(n, o) for n in names for o in tuning.origins(n, origins)]
    elif experiment == "song":
        from creditlab.experiments.song import tuning

        if feedback is not None or address is not None:
            _fail("--feedback and --address apply to --experiment bci only")
        calibration = tuning.Flock(birds=birds, renditions=renditions, index=cohort)
        for name in names:  # every calibration run is valid before anything runs
            _song_config(
                rule=name, birds=birds, renditions=renditions, seed=calibration.seed, tuned=False
            )
        label = tuning.CRITERION
        runs = [(name, None) for name in names]
    else:
        _fail(f"--experiment must be bci or song, got {experiment!r}")
    _check_address(address)
    try:
        directory = RunDirectory(out)
    except OutputExists as error:
        _fail(str(error))
    directory.write_config(
        {"experiment": experiment, "rules": list(names), "feedback": list(origins)}
        | {"address": address}
        | calibration._asdict()
    )
    _enable_compilation_cache()
    done: list[dict] = []

    def keep(row: dict) -> None:  # every candidate is on disk as soon as it is scored
        done.append(row)
        pd.DataFrame(done).to_parquet(directory.path / "tuning.parquet", index=False)
        progress.update(bar, advance=1)

    size = DECLARED_BUDGET.candidates * DECLARED_BUDGET.rounds
    total = sum(len(tuning.tuned_hyperparameters(name)) * size for name, _ in runs)
    ray = connected(address) if address is not None else contextlib.nullcontext()
    with ray, _progress() as progress:
        bar = progress.add_task("candidates", total=total, status="")
        if experiment == "bci":
            table, chosen = tuning.tune(
                names,
                feedback=origins,
                cohort=calibration,
                evaluate=tuning.simulate(address),
                on_candidate=keep,
            )
        else:
            table, chosen = tuning.tune(names, flock=calibration, on_candidate=keep)
    text = write_tuning(directory.path, table, chosen, label)
    _finish(directory.path, table=text, report=directory.path / "tuning.html")


def _has_signal(rule: str) -> bool:
    from creditlab.rules import get_rule

    try:
        return get_rule(rule).learning_signal
    except (KeyError, ValueError):
        return False


@app.command("bci-cohorts")
def bci_cohorts(
    runs: Annotated[list[Path], typer.Argument(help="finished bci-compare folders, one per seed")],
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
) -> None:
    """How many cohorts (bci-compare runs at different seeds, the same conditions and
    size) reproduce each finding under each condition; writes cohorts.md/.parquet."""
    from creditlab.experiments.bci.cohorts import combine, write_cohorts
    from creditlab.io.run_directory import OutputExists, RunDirectory

    try:
        table = combine(list(runs))
        directory = RunDirectory(out)
    except (ValueError, OutputExists) as error:
        _fail(str(error))
    directory.write_config({"runs": [str(run) for run in runs]})
    path = write_cohorts(directory.path, table)
    _finish(directory.path, table=path.read_text(), report=path.with_suffix(".html"))


@app.command("bci-dose-response")
def bci_dose_response(
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    rule: Annotated[str, typer.Option(help="a rule with a closed-loop form")] = "dendritic",
    feedback: Annotated[
        str | None, typer.Option(help="B's origin for a rule with a learning signal")
    ] = None,
    levels: Annotated[
        str, typer.Option(help="comma-separated NDNF activations (Hz), from 0")
    ] = "0,2.5,5,10,20",
    mice: Annotated[int, typer.Option(help="simulated mice (the same at every level)")] = 6,
    days: Annotated[int, typer.Option(help="training days")] = 14,
    session_minutes: Annotated[float, typer.Option(help="one session per day (minutes)")] = 30.0,
    seed: Annotated[int, typer.Option(help="random seed (circuits, noise)")] = 0,
) -> None:
    """Apical inhibition as a dose-response: the learning gain and the somatic activity
    of the same mice against NDNF activation; writes dose_response.md/.parquet/.png."""
    from creditlab.experiments.bci.dose_response import dose_response, write_dose_response
    from creditlab.io.run_directory import OutputExists, RunDirectory

    try:
        steps = tuple(float(level) for level in _names(levels, "--levels"))
    except ValueError:
        steps = ()
    if not steps or not all(math.isfinite(level) and level >= 0 for level in steps):
        _fail(f"--levels must be finite numbers ≥ 0 separated by commas, got {levels!r}")
    config = _bci_config(
        rule=rule,
        feedback=feedback,
        mice=mice,
        days=days,
        session_minutes=session_minutes,
        seed=seed,
    )
    _say_what_runs(config.rule, "BCI", config.feedback)
    try:
        directory = RunDirectory(out)
    except OutputExists as error:
        _fail(str(error))
    directory.write_config({**config.model_dump(), "levels": list(steps)})
    _enable_compilation_cache()
    with _progress() as progress:
        bar = progress.add_task("NDNF levels", total=len(steps), status="")
        try:
            table, trends = dose_response(
                config, steps, on_level=lambda _: progress.update(bar, advance=1)
            )
        except ValueError as error:
            _fail(str(error))
    path = write_dose_response(directory.path, table, trends)
    _finish(directory.path, table=path.read_text(), report=path.with_suffix(".html"))


@app.command("bci-compare")
def bci_compare(
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    rules: Annotated[
        str,
        typer.Option(
            help="comma-separated rules (creditlab rules), each RULE or RULE:ORIGIN "
            "(its own origin of B, e.g. dendritic:random)"
        ),
    ] = "dendritic,node-perturbation,none",
    mice: Annotated[int, typer.Option(help="simulated mice per condition")] = 6,
    days: Annotated[int, typer.Option(help="training days")] = 14,
    session_minutes: Annotated[float, typer.Option(help="one session per day (minutes)")] = 30.0,
    seed: Annotated[int, typer.Option(help="random seed: the same mice for every condition")] = 0,
    nwb: Annotated[bool, typer.Option(help="also write NWB files for every condition")] = False,
    feedback: Annotated[
        str | None,
        typer.Option(
            help="B for the rules with a learning signal: learned (default), symmetric, "
            "random or shuffled"
        ),
    ] = None,
    controls: Annotated[
        str,
        typer.Option(
            help="comma-separated controls: no-credit and shuffled (each vectorized rule's), "
            "energy-cost-only and none; 'off' for none of them"
        ),
    ] = "no-credit,shuffled,energy-cost-only,none",
    probe_minutes: Annotated[
        float, typer.Option(help="daily probe block, feedback off and plasticity frozen (minutes)")
    ] = 3.0,
    address: Annotated[
        str | None,
        typer.Option(
            help="run the conditions as Ray tasks: 'local' starts Ray here, 'auto' or "
            "ray://host:port joins a cluster (with --nwb the output folder must be shared)"
        ),
    ] = None,
    gpus_per_condition: Annotated[
        float,
        typer.Option(help="with --address: GPUs each condition asks Ray for (fractions share one)"),
    ] = 0.0,
    cpus_per_condition: Annotated[
        float,
        typer.Option(help="with --address: CPU cores each condition asks Ray for (1: XLA on one)"),
    ] = 1.0,
    tuning: TuningTable = None,
) -> None:
    """Run every rule with and without apical inhibition on the same mice (with the
    controls of each vectorized rule) and write signatures.md and signatures.parquet:
    which rule reproduces which finding."""
    from pydantic import ValidationError

    from creditlab.cluster import TaskResources
    from creditlab.config import describe_errors
    from creditlab.experiments.bci.comparison import (
        comparison_configs,
        condition_label,
        parse_condition,
        run_comparison,
    )
    from creditlab.io.run_directory import OutputExists

    names = _names(rules, "--rules")
    try:
        configs = comparison_configs(
            names,
            feedback=feedback,
            controls=() if controls == "off" else _names(controls, "--controls"),
            mice=mice,
            days=days,
            session_minutes=session_minutes,
            probe_minutes=probe_minutes,
            seed=seed,
            **({} if tuning is None else {"tuning_table": str(tuning)}),
        )
    except ValidationError as error:
        _fail("invalid BCI configuration\n" + describe_errors(error))
    except (KeyError, ValueError) as error:
        _fail(str(error).strip("'\""))
    if not (math.isfinite(gpus_per_condition) and gpus_per_condition >= 0):
        _fail(f"--gpus-per-condition must be a finite number >= 0, got {gpus_per_condition}")
    if not (math.isfinite(cpus_per_condition) and cpus_per_condition > 0):
        _fail(f"--cpus-per-condition must be a finite number > 0, got {cpus_per_condition}")
    if (gpus_per_condition or cpus_per_condition != 1) and address is None:
        _fail("--gpus-per-condition and --cpus-per-condition need --address (Ray tasks)")
    _check_address(address)
    for name in names:
        rule, origin = parse_condition(name)
        _say_what_runs(rule, "BCI", origin or feedback)
    _enable_compilation_cache()
    with _progress() as progress:  # a bar per condition here, or one for all on Ray
        on_ray = (
            None
            if address is None
            else progress.add_task("conditions on Ray", total=len(configs), status="")
        )

        def on_start(key: tuple[str, str]):
            return _day_progress(progress, condition_label(*key), days)

        def on_done(key: tuple[str, str]) -> None:
            if on_ray is not None:
                progress.update(on_ray, advance=1, status=f"{condition_label(*key)} done")

        try:
            path = run_comparison(
                out,
                configs,
                nwb=nwb,
                address=address,
                plugins=tuple(PLUGINS),
                on_start=on_start,
                on_done=on_done,
                resources=TaskResources(cpus=cpus_per_condition, gpus=gpus_per_condition),
            )
        except OutputExists as error:
            _fail(str(error))
    _finish(path.parent, table=path.read_text(), report=path.with_suffix(".html"))


@app.command()
def song(
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    birds: Annotated[int, typer.Option(help="birds per condition, each its own circuit")] = 10,
    renditions: Annotated[int, typer.Option(help="song renditions per bird")] = 3000,
    lesion: Annotated[
        str | None, typer.Option(help="lman (no variability) or dopamine (no RPE)")
    ] = None,
    route: Annotated[
        str, typer.Option(help="how Area X's bias reaches the song: loop (via LMAN) or direct")
    ] = "loop",
    seed: Annotated[int, typer.Option(help="random seed: the same birds in every condition")] = 0,
    rule: Annotated[
        str, typer.Option(help="any rule with a closed-loop form (creditlab rules)")
    ] = "node-perturbation",
) -> None:
    """Song learning in Area X (node perturbation by default) by point MSNs whose placement
    is assumed (HVC on spines, LMAN on shafts), with lesions, and the synapse table the
    trained model gives for the Area X connectome (to test placement: song-placement).

    Without --lesion, runs the intact model and both lesions (LMAN, dopamine); with one,
    runs the intact model and that lesion."""
    import numpy as np
    from pydantic import ValidationError

    from creditlab.config import describe_errors
    from creditlab.experiments.song.experiment import SongConfig
    from creditlab.experiments.song.outputs import run_song_conditions
    from creditlab.io.run_directory import OutputExists, RunDirectory

    common = dict(birds=birds, renditions=renditions, route=route, seed=seed, rule=rule)
    if lesion in (None, "none"):
        variants = [{}, {"lesion": "lman"}, {"lesion": "dopamine"}]
    else:
        variants = [{"lesion": lesion}, {}]
    try:
        configs = [SongConfig(**common, **variant) for variant in variants]
    except ValidationError as error:
        _fail("invalid song configuration\n" + describe_errors(error))
    _say_what_runs(rule, "song")
    conditions = {"conditions": [config.model_dump(mode="json") for config in configs]}
    try:
        directory = RunDirectory(out, resume=_same_run(out, conditions))
    except OutputExists as error:
        _fail(str(error))
    directory.write_config(conditions)
    _enable_compilation_cache()
    with _progress() as progress:
        bars = [progress.add_task(c.label, total=c.renditions, status="") for c in configs]
        summary = run_song_conditions(
            configs, directory.path, lambda i, done: progress.update(bars[i], completed=done)
        )
    lines = []
    for row in summary.itertuples(index=False):
        time = row.median_learning_time
        learned = (
            f"median learning time {time:.0f} renditions "
            f"[{row.learning_time_low:.0f}, {row.learning_time_high:.0f}]"
            if np.isfinite(time)
            else "not learned (median bird never reached half the juvenile error)"
        )
        spread = (
            f" [{row.final_error_low:.2f}, {row.final_error_high:.2f}]" if row.birds > 1 else ""
        )
        lines.append(
            f"{row.condition}: final error {row.final_error:.2f}{spread} of the juvenile's "
            f"({row.birds} birds, 95 % intervals); {learned}"
        )
    table = "\n".join(lines) + "\n\n" + (directory.path / "connectome_stats.md").read_text()
    _finish(directory.path, table=table, report=directory.path / "report.html")


@app.command("song-placement")
def song_placement(
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    physics: Annotated[
        str, typer.Option(help="physics sets, comma-separated: weak, mid, strong")
    ] = "weak,mid,strong",
    levels: Annotated[int, typer.Option(help="spine fractions per input type, 0 to 1")] = 6,
    birds: Annotated[int, typer.Option(help="birds per cell, the same in every cell")] = 4,
    renditions: Annotated[int, typer.Option(help="song renditions per bird")] = 2000,
    hvc_neurons: Annotated[int, typer.Option(help="HVC neurons per bird")] = 100,
    msn_per_channel: Annotated[int, typer.Option(help="Area X MSNs per LMAN channel")] = 10,
    learning_rate: Annotated[
        float | None,
        typer.Option(help="η of the local three-factor rule [default: the calibrated one]"),
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed of the birds (evaluation: ≥ 1)")] = 1,
) -> None:
    """The placement prediction: song learning by spiny MSNs (spine heads behind a neck,
    shafts, NMDA calcium) over a grid of the fractions of HVC and LMAN synapses on
    spines, once per physics set, compared with the Area X connectome's placement.

    Writes grid.parquet (one row per physics set and cell), placement_grid.png (heat
    maps), placement.md and report.html, synapses.parquet (the trained model's table at
    the first set's best cell) and its pair-size similarity. Cells are kept as they
    finish: the same command on the same folder resumes."""
    from pydantic import ValidationError

    from creditlab.config import describe_errors
    from creditlab.experiments.song.placement import (
        LOCAL_RULE_DEFAULTS,
        PHYSICS_SETS,
        PlacementConfig,
    )
    from creditlab.experiments.song.placement_grid import run_grid
    from creditlab.experiments.song.placement_outputs import write_placement_outputs
    from creditlab.io.run_directory import OutputExists, RunDirectory
    from creditlab.tuning import check_evaluation_seed

    names = _names(physics, "--physics")
    unknown = [name for name in names if name not in PHYSICS_SETS]
    if unknown:
        _fail(f"--physics: unknown set(s) {unknown}; known: {sorted(PHYSICS_SETS)}")
    if levels < 2:
        _fail(f"--levels must be ≥ 2, got {levels}")
    if learning_rate is not None and not (math.isfinite(learning_rate) and learning_rate > 0):
        _fail(f"--learning-rate must be a finite number > 0, got {learning_rate}")
    rate = LOCAL_RULE_DEFAULTS["learning_rate"] if learning_rate is None else learning_rate
    model = {"hvc_neurons": hvc_neurons, "msn_per_channel": msn_per_channel}
    try:
        check_evaluation_seed(seed, learning_rate is None)
        bases = {
            name: PlacementConfig(
                birds=birds,
                renditions=renditions,
                seed=seed,
                model=model,
                physics=PHYSICS_SETS[name],
                rule_options={"learning_rate": rate},
            )
            for name in names
        }
    except ValidationError as error:
        _fail("invalid placement configuration\n" + describe_errors(error))
    except ValueError as error:
        _fail(str(error))
    config = {"levels": levels, "physics": {n: b.model_dump(mode="json") for n, b in bases.items()}}
    try:
        directory = RunDirectory(out, resume=_same_run(out, config))
    except OutputExists as error:
        _fail(str(error))
    directory.write_config(config)
    directory.mark("running", 0)
    _enable_compilation_cache()
    grids = {}
    with _progress() as progress:
        for name, base in bases.items():
            bar = progress.add_task(f"{name}: cells", total=levels**2, status="")
            grids[name] = run_grid(
                base, levels, directory.path / "cells" / name,
                lambda done, total, bar=bar: progress.update(bar, completed=done),
            )  # fmt: skip
    summary = write_placement_outputs(directory.path, bases, grids)
    directory.mark("complete", levels**2 * len(names))
    _finish(directory.path, table=summary, report=directory.path / "report.html")


@app.command("connectome-stats")
def connectome_stats(
    table: Annotated[
        Path,
        typer.Argument(
            help="synapse table: SyConn's conn_mat export, JSON (array or one record per "
            "line), Parquet or CSV with columns pre_id, post_id, pre_type, post_type, "
            "compartment, area_um2 [and synapse_probability] (or SyConn's names)"
        ),
    ],
    out: Annotated[Path, typer.Option(help="output folder (must not already hold results)")],
    format: Annotated[
        str | None,
        typer.Option(help="conn-mat, ndjson, json, parquet or csv [default: from the content]"),
    ] = None,
    cell_type_codes: Annotated[
        str | None,
        typer.Option(
            help="the table of numeric cell types: ctgt_j0251_v2, j0251-v6 or web-release "
            "(conn_mat files need it) [default for JSON and Parquet: web-release]"
        ),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option(help="leave invalid rows out and count them per reason")
    ] = False,
    min_synapse_probability: Annotated[
        float, typer.Option(help="keep synapses above this probability (the authors': 0.6)")
    ] = 0.6,
    min_area_um2: Annotated[
        float, typer.Option(help="keep synapses above this area [µm²] (the authors': 0.1)")
    ] = 0.1,
) -> None:
    """Compartment fractions, area per cell type and pair size similarity of a synapse
    table (for example the Area X connectome), as `creditlab song` reports them; writes
    connectome_stats.md, connectome_stats.parquet and compartments.png."""
    from creditlab.experiments.song.outputs import write_connectome_stats
    from creditlab.io.connectome import Filters, SynapseTableError, read_synapse_table
    from creditlab.io.run_directory import OutputExists, RunDirectory, check_out

    try:
        filters = Filters(min_probability=min_synapse_probability, min_area_um2=min_area_um2)
    except ValueError as error:
        _fail(f"--min-synapse-probability, --min-area-um2: {error}")
    try:
        check_out(out)  # before the table is read
    except OutputExists as error:
        _fail(str(error))
    try:
        read = read_synapse_table(
            table,
            format=format,
            cell_type_codes=cell_type_codes,
            skip_invalid=skip_invalid,
            filters=filters,
        )
    except (SynapseTableError, ValueError) as error:
        _fail(str(error))
    reading = [
        f"read as {read.format} ({read.how}); {read.rows:,} rows",
        f"filters: {read.filters}; {read.filtered:,} rows left out by them",
        *(f"invalid, left out: {count:,} rows: {reason}" for reason, count in read.skipped.items()),
    ]
    if read.table.empty:
        _fail(f"{table}: no synapse is left after the filters ({read.filters})")
    try:
        directory = RunDirectory(out)
    except OutputExists as error:
        _fail(str(error))
    directory.write_config(
        {"table": str(table.resolve()), "synapses": len(read.table), "format": read.format}
        | {"cell_type_codes": cell_type_codes, "skip_invalid": skip_invalid}
        | {"min_synapse_probability": min_synapse_probability, "min_area_um2": min_area_um2}
    )
    write_connectome_stats(directory.path, read.table, str(table), reading)
    path = directory.path / "connectome_stats.md"
    _finish(directory.path, table=path.read_text(), report=path.with_suffix(".html"))
