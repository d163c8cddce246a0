"""Writing one BCI condition's results into its output folder:

config.json        the validated config and seed, with software versions
nwb/               one NWB file per mouse, day and block (``mouse3_day07.nwb``,
                   ``mouse3_day07_probe.nwb``), if asked
trials.parquet     mouse, day, block, trial, success, time_to_target_s, ...
daily.parquet      mouse, day, block (probe: feedback off, plasticity frozen;
                   training), accuracy, rewards_per_min, chance_accuracy,
                   rate_P+, rate_P-, rate_P0 (transients/min), inhibited,
                   feedback_cosine (cos of B with the decoder's weights, end of day),
                   feedback_norm (‖B‖, end of day)
neurons.parquet    mouse, day, neuron, population, matched, rates
events.parquet     every somatic transient with its dendritic pair and residual
findings.parquet   the paper's findings tested on this condition
performance.png, activity.png, dendrites.png, report.html
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from creditlab.experiments.bci.experiment import Results
from creditlab.experiments.bci.figures import plot_activity, plot_dendrites, plot_performance
from creditlab.experiments.bci.findings import DECLARED, FINDINGS, Finding, findings
from creditlab.experiments.bci.learning import rule_label
from creditlab.io.nwb import ImagingSession, write_session
from creditlab.report import header_html, how_to_read, html_page, html_table, number

TABLES = ("daily", "trials", "neurons", "events")


def nwb_writer(directory: Path):
    """A callback writing each session to ``directory/nwb/mouseM_dayDD.nwb`` (the probe
    block: ``mouseM_dayDD_probe.nwb``)."""

    def write(session: ImagingSession, block: str) -> None:
        tail = "_probe" if block == "probe" else ""
        name = f"{session.mouse}_day{session.day:02d}{tail}.nwb"
        write_session(directory / "nwb" / name, session)

    return write


def declared_table(names) -> pd.DataFrame:
    """The declared statistic, minimum, reason and the paper's report of each finding."""
    return pd.DataFrame([{"finding": FINDINGS[name], **DECLARED[name]._asdict()} for name in names])


def findings_table(rows: list[Finding]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=Finding._fields)
    table.insert(1, "description", [FINDINGS[name] for name in table.finding])
    return table


def write_results(directory: Path, results: Results, *, title: str) -> pd.DataFrame:
    """Tables, figures and ``report.html`` of one condition; returns its findings."""
    for name in TABLES:
        getattr(results, name).to_parquet(directory / f"{name}.parquet", index=False)
    found = findings_table(findings(*results))
    found.to_parquet(directory / "findings.parquet", index=False)
    plot_performance(results.daily, directory / "performance.png", title=title)
    plot_activity(results.neurons, directory / "activity.png")
    plot_dendrites(results.events, results.neurons, directory / "dendrites.png")
    page = html_page(title, condition_body(found, results.daily), header=header_html(directory))
    (directory / "report.html").write_text(page)
    return found


POPULATIONS = (
    "<p><b>Populations.</b> <b>P+</b>: the control neurons whose activity moves the cursor "
    "toward the target (positive decoder weight); <b>P−</b>: the control neurons whose "
    "activity moves it away (negative weight); <b>P0</b>: every other recorded neuron (not "
    "read by the decoder); <b>matched P0</b>: for each control neuron, the P0 neuron with "
    "the closest day-1 rate (Francioni et al. 2026, Fig. 1).</p>"
)
PER_DAY = {  # daily.parquet's columns, as the report names them, with units
    "accuracy": "successful trials (fraction)",
    "rewards_per_min": "rewards per minute",
    "chance_accuracy": "chance (fraction)",
    "rate_P+": "P+ rate (transients/min)",
    "rate_P-": "P− rate (transients/min)",
    "rate_P0": "P0 rate (transients/min)",
    "feedback_cosine": "cos(B, decoder weights)",
    "feedback_norm": "‖B‖ (a.u.)",
}


def shown_findings(found: pd.DataFrame) -> pd.DataFrame:
    """The findings as the report shows them: what, whether reproduced, the statistic's
    value with its interval against the declared minimum, Holm's p, and the detail."""
    from creditlab.experiments.bci.findings import verdict_word

    return pd.DataFrame(
        {
            "finding": found.description,
            "reproduced": list(map(verdict_word, found.reproduced, found.p_corrected)),
            "value [95 % interval]": [
                f"{number(r.value)} [{number(r.low)}, {number(r.high)}]" for r in found.itertuples()
            ],
            "declared minimum": [number(m) for m in found.minimum],
            "p (Holm)": [number(p, ".2g") for p in found.p_corrected],
            "detail": found.detail,
        }
    )


def condition_body(found: pd.DataFrame, daily: pd.DataFrame) -> str:
    """The body of one condition's report: populations defined, the findings, each figure
    with how to read it, and the per-day means with units."""
    per_day = daily.groupby(["block", "day"])[list(PER_DAY)].mean().reset_index()
    for fraction in ("accuracy", "chance_accuracy"):  # 1.00, not a bare 1
        per_day[fraction] = per_day[fraction].map("{:.2f}".format)
    return (
        POPULATIONS
        + "<h2>Findings</h2>"
        + how_to_read(
            "Each row is one finding of the paper, tested on this condition with the "
            "statistic declared before any run (findings.parquet has the numbers); "
            "'reproduced' is yes only where the statistic passes its declared minimum "
            "after Holm's correction across findings."
        )
        + html_table(shown_findings(found))
        + "<h3>The declared statistics</h3>"
        + html_table(found[["description", "statistic"]].rename(columns={"description": "finding"}))
        + "<h2>Performance (Fig. 1g)</h2><img src=performance.png alt='performance'>"
        + how_to_read(
            "Left: the fraction of successful trials per day, in the probe block at the "
            "start of each day (feedback off, plasticity frozen: what was learned) and in "
            "the training session (feedback on); dotted: chance. Middle: rewards per "
            "minute in training. Right: cosine between each mouse's feedback weights B "
            "and the decoder's weights (thin: one mouse; thick: mean). Lines are means "
            "over mice, shaded bands ± s.e.m. over mice."
        )
        + "<h2>Activity by population (Fig. 1i)</h2><img src=activity.png alt='activity'>"
        + how_to_read(
            "Each population's transient frequency divided by its day-1 value (1: no "
            "change); means over mice, bands ± s.e.m. over mice."
        )
        + "<h2>Somato-dendritic residual</h2><img src=dendrites.png alt='residual'>"
        + how_to_read(
            "Left: one control neuron's dendritic against somatic event sizes (ΔF/F0), "
            "with the fit whose residual is the dendrite's extra signal. Middle: the mean "
            "residual of P+ and P− neurons in trials where the error falls, per day "
            "(bands ± s.e.m. over mice). Right: one dot per control neuron: its early "
            "residual against the later change of its transient rate (log ratio)."
        )
        + "<h2>Mean over mice per day</h2>"
        + html_table(per_day.rename(columns=PER_DAY))
    )


def condition_title(config) -> str:
    inhibition = {"none": "", "all": ", apical inhibition on all days"}.get(
        config.apical_inhibition, ", apical inhibition on alternate days"
    )
    rule = rule_label(config.rule, config.feedback)
    untuned = ", untuned" if config.rule != "none" and config.tuning() is None else ""
    return f"BCI, rule {rule}{inhibition}{untuned}: {config.mice} mice × {config.days} days"


def condition_state(config, directory: Path) -> str:
    """What ``directory`` holds for ``config``: ``"new"`` (nothing), ``"partial"`` (this
    condition, unfinished: it runs again there) or ``"complete"`` (this condition,
    finished: read back with :func:`read_condition`). A folder holding anything else
    (another condition, or files without a config) is refused."""
    from creditlab.experiments.bci.experiment import BCIConfig
    from creditlab.io.run_directory import OutputExists, check_out, load_run_config, read_status

    check_out(directory)
    if not directory.exists() or not any(p.name != ".lock" for p in directory.iterdir()):
        return "new"
    try:
        saved = BCIConfig(**load_run_config(directory / "config.json"))
    except (OSError, ValueError, KeyError) as error:
        raise OutputExists(
            f"{directory} holds files that are not a BCI condition ({error}); choose another --out"
        ) from None
    recorded = directory / "hyperparameters.json"
    ran_with = json.loads(recorded.read_text()) if recorded.is_file() else None
    now = json.loads(json.dumps(hyperparameters(config)))
    if saved != config or ran_with not in (None, now):  # a changed tuning table too
        raise OutputExists(
            f"{directory} holds a different condition; choose another --out, or repeat that "
            "run's options to resume it (nothing was overwritten)"
        )
    return "complete" if (read_status(directory) or {}).get("status") == "complete" else "partial"


def read_condition(directory: Path) -> tuple[Results, pd.DataFrame]:
    """A finished condition's results and findings, read back from its tables."""
    results = Results(*(pd.read_parquet(directory / f"{name}.parquet") for name in Results._fields))
    return results, pd.read_parquet(directory / "findings.parquet")


def open_condition(config, directory: Path, *, resume: bool = False):
    """Create ``directory`` (refusing one that holds results unless ``resume``: a
    partial run of this condition, started again), write config.json and
    hyperparameters.json and mark it running. Returns its
    :class:`~creditlab.io.run_directory.RunDirectory`, which holds the folder's lock."""
    from creditlab.io.run_directory import RunDirectory

    run = RunDirectory(directory, resume=resume)
    run.write_config(config.model_dump())
    (run.path / "hyperparameters.json").write_text(json.dumps(hyperparameters(config), indent=1))
    run.mark("running", 0)
    return run


def hyperparameters(config) -> dict:
    """What the condition's rule ran with: its options and feedback gain, and where
    they come from (the shipped tuning, or the untuned defaults)."""
    learning = config.learning_config()
    return {
        "rule_options": dict(learning.options),
        "feedback_gain": learning.feedback_gain,
        "source": "untuned defaults"
        if config.tuning() is None
        else config.tuning_table or "experiments/bci/tuned.csv",
    }


def simulate_condition(config, directory: Path | None, on_day=None) -> Results:
    """Run the experiment; with a ``directory``, write each session's NWB file into
    ``directory/nwb`` as it finishes."""
    from creditlab.experiments.bci.experiment import run_experiment

    on_session = nwb_writer(Path(directory)) if directory is not None else None
    return run_experiment(config, on_session=on_session, on_day=on_day)


def finish_condition(config, directory: Path, results: Results) -> pd.DataFrame:
    """Write a simulated condition's tables, figures and report, then mark it complete
    (only then does a resumed run read it back); returns its findings."""
    return finish_analysis(directory, results, title=condition_title(config))


def finish_analysis(directory: Path, results: Results, *, title: str) -> pd.DataFrame:
    """Write the tables, figures and report of ``results`` (simulated or recorded), then
    mark the folder complete; returns the findings."""
    from creditlab.io.run_directory import write_status

    found = write_results(directory, results, title=title)
    write_status(directory, "complete", int(results.daily.day.max()))
    return found


def run_condition(config, directory: Path, *, nwb: bool, on_day=None) -> tuple:
    """Run one condition into ``directory``: config.json first, then NWB files as
    sessions finish, then tables, figures and the report. A folder where this condition
    already finished is read back; one where it stopped runs it again; one holding
    anything else is refused. Returns ``(results, findings)``."""
    state = condition_state(config, directory)
    if state == "complete":
        return read_condition(directory)
    run = open_condition(config, directory, resume=state == "partial")
    results = simulate_condition(config, run.path if nwb else None, on_day=on_day)
    return results, finish_condition(config, run.path, results)
