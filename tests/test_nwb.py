"""Imaging sessions round-trip through NWB, pass pynwb's validator, and a file without
the expected layout is refused with a message naming what is missing."""

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pynwb")

from creditlab.io.nwb import (
    ImagingSession,
    NWBLayoutError,
    read_session,
    validate_session,
    write_session,
)


def session() -> ImagingSession:
    rng = np.random.default_rng(0)
    frames, n = 900, 12
    return ImagingSession(
        mouse="m3",
        day=5,
        frame_rate_hz=15.0,
        soma=rng.normal(size=(frames, n)).astype(np.float32),
        dendrite=rng.normal(size=(frames, n)).astype(np.float32),
        population=np.array(["P+"] * 4 + ["P-"] * 4 + ["P0"] * 4),
        trial_start=np.array([0.0, 12.0, 43.0]),
        trial_stop=np.array([12.0, 43.0, 55.0]),
        success=np.array([True, False, True]),
        reward_time=np.array([10.0, np.nan, 53.0]),
        time_to_target=np.array([9.0, np.nan, 9.0]),
        angle=np.where(np.arange(frames) % 100 < 90, 15.0 * (np.arange(frames) % 7), np.nan),
    )


def test_round_trip_and_validation(tmp_path) -> None:
    original = session()
    path = write_session(tmp_path / "m3_day5.nwb", original)
    assert validate_session(path) == []
    back = read_session(path)
    assert back.mouse == "m3" and back.day == 5 and back.frame_rate_hz == 15.0
    for name in (
        "soma",
        "dendrite",
        "angle",
        "trial_start",
        "trial_stop",
        "reward_time",
        "time_to_target",
    ):
        np.testing.assert_array_equal(getattr(back, name), getattr(original, name))
    np.testing.assert_array_equal(back.population, original.population)
    np.testing.assert_array_equal(back.success, original.success)


def test_never_overwrites_and_checks_labels(tmp_path) -> None:
    path = write_session(tmp_path / "s.nwb", session())
    with pytest.raises(FileExistsError):
        write_session(path, session())
    with pytest.raises(ValueError, match="population labels"):
        write_session(tmp_path / "bad.nwb", session()._replace(population=np.array(["X"] * 12)))


def test_a_file_without_the_layout_is_refused(tmp_path) -> None:
    import datetime as dt

    from pynwb import NWBHDF5IO, NWBFile

    path = tmp_path / "empty.nwb"
    empty = NWBFile(
        session_description="no imaging",
        identifier="empty",
        session_start_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    with NWBHDF5IO(str(path), "w") as io:
        io.write(empty)
    with pytest.raises(NWBLayoutError, match="DfOverF"):
        read_session(path)


def test_the_training_day_counts_from_each_subjects_first_session(tmp_path) -> None:
    """Files recorded in 2023 that do not state their day: day 1 is each mouse's first
    calendar day (not a fixed date: 2023-05-03 must not read as day −973); a stated day
    wins."""
    import datetime as dt

    from creditlab.io.nwb import read_sessions

    def at(mouse: str, date: dt.date, stated: bool = False) -> Path:
        start = dt.datetime.combine(date, dt.time(10), tzinfo=dt.UTC)
        path = tmp_path / f"{mouse}-{date}.nwb"
        one = session()._replace(mouse=mouse, day=7)
        return write_session(path, one, start_time=start, state_day=stated)

    may = dt.date(2023, 5, 1)
    paths = [
        at("a", may + dt.timedelta(days=2)),
        at("a", may),
        at("b", may + dt.timedelta(days=10)),
        at("b", may + dt.timedelta(days=11)),
        at("c", may, stated=True),
    ]
    days = {(s.mouse, s.day) for s in read_sessions(paths)}
    assert days == {("a", 3), ("a", 1), ("b", 1), ("b", 2), ("c", 7)}
    assert read_session(paths[0]).day == 1  # alone, without its subject's other files


def test_files_that_are_not_nwb_are_named_in_the_error(tmp_path) -> None:
    import h5py

    whole = write_session(tmp_path / "whole.nwb", session())
    truncated = tmp_path / "truncated.nwb"
    truncated.write_bytes(whole.read_bytes()[:5000])
    text = tmp_path / "notes.nwb"
    text.write_text("not hdf5")
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as handle:
        handle["x"] = np.arange(3)
    for path, reason in (
        (truncated, "not a readable HDF5 file"),
        (text, "not a readable HDF5 file"),
        (plain, "HDF5 but not a readable NWB file"),
        (tmp_path / "absent.nwb", "no such file"),
    ):
        with pytest.raises(NWBLayoutError, match=reason) as error:
            read_session(path)
        assert str(path) in str(error.value)


def test_bci_analyze_on_recordings_gives_the_simulated_runs_tables(tmp_path) -> None:
    """A simulated run's NWB files, analysed as recordings by ``creditlab bci-analyze``,
    give the run's own trials, neurons and events, and its daily table except what a
    recording does not hold (chance level, feedback weights: NaN)."""
    import pandas as pd
    from typer.testing import CliRunner

    from creditlab.cli import app
    from creditlab.experiments.bci.experiment import BCIConfig
    from creditlab.experiments.bci.outputs import run_condition

    config = BCIConfig(mice=2, days=2, session_minutes=1.0, baseline_minutes=2.0, probe_minutes=1.0)
    simulated, _ = run_condition(config, tmp_path / "sim", nwb=True)
    result = CliRunner().invoke(
        app, ["bci-analyze", str(tmp_path / "sim" / "nwb"), "--out", str(tmp_path / "an")]
    )
    assert result.exit_code == 0, result.output

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:  # files are read in name order
        keys = [c for c in ("mouse", "day", "block", "trial", "neuron", "frame") if c in frame]
        return frame.sort_values(keys).reset_index(drop=True)

    for name in ("trials", "neurons", "events"):
        pd.testing.assert_frame_equal(
            ordered(pd.read_parquet(tmp_path / "an" / f"{name}.parquet")),
            ordered(getattr(simulated, name)),
            check_dtype=False,
            rtol=1e-5,
            atol=1e-5,  # the files hold ΔF/F0 in float32
            obj=name,
        )
    recorded = pd.read_parquet(tmp_path / "an" / "daily.parquet")
    unrecorded = ["chance_accuracy", "feedback_cosine", "feedback_norm"]
    assert recorded[unrecorded].isna().all().all()
    pd.testing.assert_frame_equal(
        ordered(recorded.drop(columns=unrecorded)),
        ordered(simulated.daily.drop(columns=unrecorded)),
        check_dtype=False,
        rtol=1e-5,
    )
    assert (tmp_path / "an" / "report.html").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    none = CliRunner().invoke(app, ["bci-analyze", str(empty), "--out", str(tmp_path / "x")])
    assert none.exit_code == 2 and "holds no .nwb file" in " ".join(none.output.split())
