"""Imaging sessions round-trip through NWB, pass pynwb's validator, and a file without
the expected layout is refused with a message naming what is missing."""

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
