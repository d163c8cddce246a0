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
    with pytest.raises(NWBLayoutError, match="no processing/ophys"):
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


def lab_file(path: Path, soma: np.ndarray, dendrite: np.ndarray, **columns) -> Path:
    """A session as a lab writes it: one PlaneSegmentation (somata then dendrites, a
    compartment column and any ``columns``), raw Fluorescence, a trials table."""
    import datetime as dt

    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.file import Subject
    from pynwb.ophys import Fluorescence, ImageSegmentation, OpticalChannel, RoiResponseSeries

    nwb = NWBFile(
        session_description="lab recording",
        identifier=path.stem,
        session_start_time=dt.datetime(2024, 3, 4, 10, tzinfo=dt.UTC),
        subject=Subject(subject_id="lab-mouse", species="Mus musculus"),
    )
    device = nwb.create_device(name="scope")
    plane = nwb.create_imaging_plane(
        name="plane",
        optical_channel=OpticalChannel(name="g", description="g", emission_lambda=510.0),
        description="L5",
        device=device,
        excitation_lambda=920.0,
        imaging_rate=15.0,
        indicator="GCaMP",
        location="RSC",
    )
    ophys = nwb.create_processing_module(name="ophys", description="suite2p")
    segmentation = ImageSegmentation(name="ImageSegmentation")
    ophys.add(segmentation)
    rois = segmentation.create_plane_segmentation(
        name="PlaneSegmentation", description="all ROIs", imaging_plane=plane
    )
    rois.add_column(name="compartment", description="soma or dendrite")
    for name in columns:
        rois.add_column(name=name, description=name)
    kinds = ["soma"] * soma.shape[1] + ["dendrite"] * dendrite.shape[1]
    for k, kind in enumerate(kinds):
        extra = {name: values[k] for name, values in columns.items()}
        rois.add_roi(pixel_mask=[(k, 0, 1.0)], compartment=kind, **extra)
    region = rois.create_roi_table_region(region=list(range(len(kinds))), description="all")
    fluorescence = Fluorescence(name="Fluorescence")
    ophys.add(fluorescence)
    raw = 100.0 + 50.0 * np.concatenate([soma, dendrite], axis=1)
    fluorescence.add_roi_response_series(
        RoiResponseSeries(name="F", data=raw, rois=region, unit="a.u.", rate=15.0)
    )
    nwb.add_trial_column(name="success", description="s")
    nwb.add_trial_column(name="reward_time", description="r")
    nwb.add_trial_column(name="time_to_target", description="t")
    nwb.add_trial(start_time=0.0, stop_time=10.0, success=True, reward_time=9.0, time_to_target=8.0)
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def test_a_labs_standard_layout_is_read_and_paired_by_correlation(tmp_path) -> None:
    """One PlaneSegmentation with a compartment column and raw fluorescence: somata are
    paired with their dendrites by correlation (r ≥ 0.6), an unpaired soma is left out,
    labels come from the user's mapping; with a neuron_id column, pairs follow it."""
    rng = np.random.default_rng(1)
    frames = 3000
    soma = rng.gamma(1.0, 1.0, size=(frames, 4))
    order = [2, 0, 1]  # dendrite j belongs to soma order[j]; soma 3 has none
    dendrite = soma[:, order] + 0.3 * rng.normal(size=(frames, 3))
    path = lab_file(tmp_path / "lab.nwb", soma, dendrite)
    labels = {"0": "P+", "1": "P-", "2": "P0", "3": "P0"}
    session = read_session(path, populations=labels)
    assert list(session.population) == ["P+", "P-", "P0"]  # soma 3 unpaired: left out

    def dff(signal: np.ndarray) -> np.ndarray:
        raw = 100.0 + 50.0 * signal
        return (raw - np.percentile(raw, 10)) / np.percentile(raw, 10)

    for neuron, column in enumerate([1, 2, 0]):  # soma i's dendrite: order[column] == i
        np.testing.assert_allclose(session.soma[:, neuron], dff(soma[:, neuron]))
        np.testing.assert_allclose(session.dendrite[:, neuron], dff(dendrite[:, column]))
    with pytest.raises(NWBLayoutError, match="no 'population' column"):
        read_session(path)
    with pytest.raises(NWBLayoutError, match=r"no label for neuron\(s\) \['2'\]"):
        read_session(path, populations={"0": "P+", "1": "P-"})
    ids = ["a", "b", "c", "d", "c", "a", "b"]  # somata a-d, then dendrites c, a, b
    population = ["P+", "P-", "P0", "P0", "", "", ""]
    paired = lab_file(tmp_path / "ids.nwb", soma, dendrite, neuron_id=ids, population=population)
    by_id = read_session(paired)
    assert list(by_id.population) == ["P+", "P-", "P0"]
    np.testing.assert_allclose(by_id.dendrite[:, 0], session.dendrite[:, 0])


def test_bci_analyze_reads_a_labs_files_with_a_population_mapping(tmp_path) -> None:
    from typer.testing import CliRunner

    from creditlab.cli import app

    rng = np.random.default_rng(2)
    soma = rng.gamma(1.0, 1.0, size=(3000, 3))
    folder = tmp_path / "lab"
    folder.mkdir()
    lab_file(folder / "day1.nwb", soma, soma + 0.3 * rng.normal(size=soma.shape))
    mapping = tmp_path / "populations.csv"
    mapping.write_text("neuron_id,population\n0,P+\n1,P-\n2,P0\n")
    out = tmp_path / "out"
    args = ["bci-analyze", str(folder), "--out", str(out), "--populations", str(mapping)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    import pandas as pd

    neurons = pd.read_parquet(out / "neurons.parquet")
    assert list(neurons.population) == ["P+", "P-", "P0"]
    bad = tmp_path / "bad.csv"
    bad.write_text("neuron_id,population\n0,P+\n1,Q\n")
    args = ["bci-analyze", str(folder), "--out", str(tmp_path / "o2"), "--populations", str(bad)]
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 2
    assert "bad.csv, line 3: population 'Q'" in " ".join(refused.output.split())
