"""The simulated two-photon recording: jGCaMP7f kinetics and amplitude, the 15 Hz
frames, the noise level, and event detection on traces whose events are known."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.analysis.events import detect_events, event_rate_per_minute
from creditlab.analysis.imaging import GCAMP7F, fluorescence, record, to_frames


def single_spike_response() -> np.ndarray:
    spikes = jnp.zeros((3000, 1)).at[500, 0].set(1.0)
    return np.asarray(fluorescence(spikes, 1.0))[:, 0]


def test_one_action_potential_has_jgcamp7f_amplitude_and_kinetics() -> None:
    f = single_spike_response()
    peak, at = f.max(), int(f.argmax())
    assert 0.15 < peak < 0.3  # ~0.23 for jGCaMP7f (Dana et al. 2019)
    half_rise_ms = int(np.argmax(f[500:] >= peak / 2))
    half_decay_ms = int(np.argmax(f[at:] <= peak / 2))
    assert 10 <= half_rise_ms <= 40  # ~25 ms
    assert 180 <= half_decay_ms <= 300  # ~0.2–0.27 s


def test_bursts_saturate() -> None:
    one = single_spike_response().max()
    burst = jnp.zeros((3000, 1)).at[500:600:2, 0].set(1.0)  # 50 spikes at 500 Hz
    assert float(fluorescence(burst, 1.0).max()) < 50 * one


def test_frames_are_15_hz_averages() -> None:
    trace = jnp.arange(3000.0)[:, None]  # 3 s at dt = 1 ms
    frames = to_frames(trace, 1.0, 15.0)
    assert frames.shape == (45, 1)
    # Frame k averages the steps in [k/15, (k+1)/15) s.
    assert float(frames[0, 0]) == pytest.approx(np.mean(np.arange(67)))
    assert float(frames[1, 0]) == pytest.approx(np.mean(np.arange(67, 134)))
    with pytest.raises(ValueError, match="longer than a frame"):
        to_frames(trace, 100.0, 15.0)


def test_noise_level_is_the_indicators() -> None:
    silent = record(jax.random.key(0), jnp.zeros((60_000, 20)), 1.0)
    assert float(jnp.std(silent)) == pytest.approx(GCAMP7F.noise_std, rel=0.05)
    assert silent.shape == (900, 20)


def test_detected_events_match_known_spikes() -> None:
    rng = np.random.default_rng(0)
    steps, n = 600_000, 10  # 10 minutes at dt = 1 ms
    spikes = np.zeros((steps, n))
    true_frames = []
    for roi in range(n):
        times = np.sort(rng.choice(np.arange(1000, steps - 3000, 3000), size=30, replace=False))
        spikes[times, roi] = 1.0
        true_frames.append(np.floor(times * 15e-3).astype(int))
    dff = np.asarray(record(jax.random.key(1), jnp.asarray(spikes), 1.0))
    events = detect_events(dff)
    rates = event_rate_per_minute(events)
    np.testing.assert_allclose(rates, 3.0, rtol=0.15)  # 30 events in 10 min
    for roi in range(n):
        found = np.flatnonzero(events.onsets[:, roi])
        distance = np.abs(found[:, None] - true_frames[roi][None]).min(axis=1)
        assert np.mean(distance <= 3) > 0.9  # onsets within 0.2 s of the spike
    sizes = events.sizes[events.onsets]
    assert 0.1 < np.median(sizes) < 0.35
