"""Imaging sessions as NWB files (Neurodata Without Borders, via pynwb), written by the
simulated BCI experiment and read back for analysis. A real recording laid out the same
way can be analysed just like a simulated one.

The layout of one mouse on one day:

    /general/subject, /general/devices, imaging plane (GCaMP7f at ``frame_rate_hz``)
    processing/ophys/ImageSegmentation/soma        one ROI per neuron (proximal trunk)
    processing/ophys/ImageSegmentation/dendrite    one ROI per neuron (distal dendrite)
        both with a ``population`` column: "P+", "P-" or "P0"
    processing/ophys/DfOverF/soma, /dendrite       ΔF/F0 ``[frames, neurons]``
    intervals/trials                               start_time, stop_time, success,
                                                   reward_time (NaN without reward),
                                                   time_to_target (NaN on failure)
    stimulus/grating_angle                         optional: the angle shown per frame
                                                   [degrees], NaN while the screen is black

The training day: ``session_id`` "training day N" when the file states it (creditlab's
files do); otherwise the subject's training-day ordinal from the files' own session
start times, 1 being the calendar day of that subject's first session
(:func:`read_sessions` reads a subject's files together to know it).

Files are HDF5, so reading one never runs code from it (no pickle). :func:`read_session`
checks that the layout is present and says what is missing when it is not; a file that
is truncated, not HDF5, or HDF5 but not NWB is an :class:`NWBLayoutError` naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np

from creditlab.io.ophys_layout import ROI_KINDS, LayoutError, roi_signals

POPULATIONS = ("P+", "P-", "P0")


class ImagingSession(NamedTuple):
    """One mouse on one day.

    Attributes:
        mouse: subject id.
        day: training day (1 = first).
        frame_rate_hz: imaging rate.
        soma, dendrite: ΔF/F0 ``[frames, neurons]`` of each neuron's two ROIs.
        population: ``[neurons]`` "P+", "P-" or "P0".
        trial_start, trial_stop: ``[trials]`` [s from the session start].
        success: ``[trials]`` bool.
        reward_time: ``[trials]`` [s], NaN when there was no reward.
        time_to_target: ``[trials]`` [s from the trial start], NaN on failure.
        angle: ``[frames]`` grating angle shown [degrees], NaN on a black screen; None
            when the recording lacks it.
    """

    mouse: str
    day: int
    frame_rate_hz: float
    soma: np.ndarray
    dendrite: np.ndarray
    population: np.ndarray
    trial_start: np.ndarray
    trial_stop: np.ndarray
    success: np.ndarray
    reward_time: np.ndarray
    time_to_target: np.ndarray
    angle: np.ndarray | None = None


class NWBLayoutError(ValueError):
    """An NWB file lacks part of the layout :func:`read_session` needs."""


DAY_FIELD = re.compile(r"^\s*training day (\d+)\s*$", re.IGNORECASE)


def _start_time(day: int) -> dt.datetime:
    """A fixed date per training day, so the same simulation writes the same file."""
    return dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC) + dt.timedelta(days=day - 1)


def write_session(
    path: Path | str,
    session: ImagingSession,
    *,
    start_time: dt.datetime | None = None,
    state_day: bool = True,
) -> Path:
    """Write ``session`` to ``path`` (refusing to overwrite an existing file).

    ``start_time``: the session's start (default: a fixed date per training day);
    ``state_day``: write the training day as ``session_id`` "training day N" (a lab's
    file may not, and then the day comes from the start times)."""
    from pynwb import NWBHDF5IO, NWBFile, TimeSeries
    from pynwb.file import Subject
    from pynwb.ophys import DfOverF, ImageSegmentation, OpticalChannel, RoiResponseSeries

    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} exists; a session file is never overwritten")
    n = session.soma.shape[1]
    if session.dendrite.shape != session.soma.shape or len(session.population) != n:
        raise ValueError("soma, dendrite and population must describe the same neurons")
    unknown = set(map(str, session.population)) - set(POPULATIONS)
    if unknown:
        raise ValueError(f"population labels must be {POPULATIONS}, got {sorted(unknown)}")

    nwb = NWBFile(
        session_description=(
            f"creditlab simulated BCI session, mouse {session.mouse}, day {session.day}"
        ),
        identifier=f"creditlab-{session.mouse}-day{session.day}",
        session_start_time=start_time or _start_time(session.day),
        session_id=f"training day {session.day}" if state_day else None,
        subject=Subject(subject_id=session.mouse, species="Mus musculus"),
    )
    device = nwb.create_device(name="microscope", description="simulated two-photon microscope")
    channel = OpticalChannel(name="green", description="GCaMP7f", emission_lambda=510.0)
    plane = nwb.create_imaging_plane(
        name="plane",
        optical_channel=channel,
        description="layer 5 pyramidal neurons, retrosplenial cortex (simulated)",
        device=device,
        excitation_lambda=920.0,
        imaging_rate=float(session.frame_rate_hz),
        indicator="GCaMP7f",
        location="RSC",
    )
    ophys = nwb.create_processing_module(name="ophys", description="ROIs and ΔF/F0")
    segmentation = ImageSegmentation(name="ImageSegmentation")
    ophys.add(segmentation)
    dff = DfOverF(name="DfOverF")
    ophys.add(dff)
    for kind, traces in zip(ROI_KINDS, (session.soma, session.dendrite), strict=True):
        rois = segmentation.create_plane_segmentation(
            name=kind, description=f"{kind} ROIs, one per neuron", imaging_plane=plane
        )
        rois.add_column(name="population", description="P+, P- or P0")
        for i in range(n):
            rois.add_roi(
                pixel_mask=[(i, 0 if kind == "soma" else 1, 1.0)],
                population=str(session.population[i]),
            )
        region = rois.create_roi_table_region(region=list(range(n)), description=f"all {kind} ROIs")
        dff.add_roi_response_series(
            RoiResponseSeries(
                name=kind,
                data=np.asarray(traces, dtype=np.float32),
                rois=region,
                unit="n.a.",
                rate=float(session.frame_rate_hz),
                starting_time=0.0,
            )
        )
    nwb.add_trial_column(name="success", description="the target was reached within 28 s")
    nwb.add_trial_column(name="reward_time", description="reward delivery [s]; NaN if none")
    nwb.add_trial_column(name="time_to_target", description="from trial start [s]; NaN on failure")
    for i in range(len(session.trial_start)):
        nwb.add_trial(
            start_time=float(session.trial_start[i]),
            stop_time=float(session.trial_stop[i]),
            success=bool(session.success[i]),
            reward_time=float(session.reward_time[i]),
            time_to_target=float(session.time_to_target[i]),
        )
    if session.angle is not None:
        nwb.add_stimulus(
            TimeSeries(
                name="grating_angle",
                data=np.asarray(session.angle, dtype=np.float32),
                unit="degrees",
                rate=float(session.frame_rate_hz),
                starting_time=0.0,
                description="BCI grating angle shown per frame; NaN on a black screen",
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return path


def _open(path: Path):
    """pynwb's reader of ``path``, or :class:`NWBLayoutError` naming what the file is."""
    from pynwb import NWBHDF5IO

    if not path.is_file():
        raise NWBLayoutError(f"{path}: no such file")
    try:
        return NWBHDF5IO(str(path), "r")
    except OSError as error:
        raise NWBLayoutError(f"{path}: not a readable HDF5 file (truncated?): {error}") from None


def _read_nwb(io, path: Path):
    try:
        return io.read()
    except Exception as error:  # pynwb raises many kinds on a file that is not NWB
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise NWBLayoutError(f"{path}: HDF5 but not a readable NWB file ({reason})") from None


def stated_day(nwb) -> int | None:
    """The training day a file states (``session_id`` "training day N"), or None."""
    match = DAY_FIELD.match(nwb.session_id or "")
    return int(match.group(1)) if match else None


def read_session(
    path: Path | str,
    first_day: dt.date | None = None,
    populations: Mapping[str, str] | None = None,
) -> ImagingSession:
    """Read a session written by :func:`write_session`, or a lab's in the standard ophys
    layout (:mod:`creditlab.io.ophys_layout`; ``populations``: neuron id → P+, P- or P0
    where the file has no population column).

    Its training day: the one the file states; else the ordinal of its start date after
    ``first_day`` (its subject's first session; :func:`read_sessions` finds it); else 1."""
    session, start, stated = _read(Path(path), populations)
    return session if stated or first_day is None else _on_day(session, start, first_day)


def read_sessions(
    paths: Iterable[Path | str], populations: Mapping[str, str] | None = None
) -> list[ImagingSession]:
    """Every session of ``paths`` (each file read once), each subject's days counted
    from that subject's first session's calendar day (1), where a file does not state
    its day."""
    read = [_read(Path(path), populations) for path in paths]
    first: dict[str, dt.date] = {}
    for session, start, _ in read:
        first[session.mouse] = min(first.get(session.mouse, start), start)
    return [
        session if stated else _on_day(session, start, first[session.mouse])
        for session, start, stated in read
    ]


def _on_day(session: ImagingSession, start: dt.date, first_day: dt.date) -> ImagingSession:
    return session._replace(day=(start - first_day).days + 1)


def _read(
    path: Path, populations: Mapping[str, str] | None
) -> tuple[ImagingSession, dt.date, bool]:
    """The session (its day: the stated one, else 1), its start date, and whether the
    file states its day."""
    with _open(path) as io:
        nwb = _read_nwb(io, path)
        try:
            soma, dendrite, population, rate = roi_signals(nwb, path, populations)
        except LayoutError as error:
            raise NWBLayoutError(str(error)) from None
        unknown = sorted(set(population) - set(POPULATIONS))
        if unknown:
            raise NWBLayoutError(f"{path}: population labels {unknown}; expected {POPULATIONS}")
        trials = nwb.trials
        if trials is None:
            raise NWBLayoutError(f"{path}: no trials table")
        for column in ("success", "reward_time", "time_to_target"):
            if column not in trials.colnames:
                raise NWBLayoutError(f"{path}: the trials table has no '{column}' column")
        angle = nwb.stimulus.get("grating_angle")
        day = stated_day(nwb)
        session = ImagingSession(
            mouse=nwb.subject.subject_id if nwb.subject is not None else "unknown",
            day=1 if day is None else day,
            frame_rate_hz=float(rate),
            soma=soma,
            dendrite=dendrite,
            population=population,
            trial_start=np.asarray(trials["start_time"][:], dtype=float),
            trial_stop=np.asarray(trials["stop_time"][:], dtype=float),
            success=np.asarray(trials["success"][:], dtype=bool),
            reward_time=np.asarray(trials["reward_time"][:], dtype=float),
            time_to_target=np.asarray(trials["time_to_target"][:], dtype=float),
            angle=None if angle is None else np.asarray(angle.data[:], dtype=float),
        )
        return session, nwb.session_start_time.date(), day is not None


def validate_session(path: Path | str) -> list:
    """pynwb's schema validation of ``path``: the list of errors (empty when valid)."""
    from pynwb import validate

    result = validate(path=str(path))
    return list(result[0] if isinstance(result, tuple) else result)
