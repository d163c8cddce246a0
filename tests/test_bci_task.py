"""The BCI decoder and trial protocol against the numbers of Francioni et al. (2026):
7 bins 15° apart from 0° to 90°, 28 s to reach the target, reward 1 s later, 2 s of 90°
grating then 1 s black after a success, 3 s black after a failure, 15 Hz frames."""

import jax.numpy as jnp
import numpy as np
import pytest

from creditlab.experiments.bci import (
    Protocol,
    accuracy,
    calibrate,
    chance_accuracy,
    decode_angle,
    run_protocol,
)
from creditlab.tasks.bci_protocol import BLACK, GRATING, TRIAL


def test_angles_are_seven_bins_fifteen_degrees_apart_up_to_the_target() -> None:
    rng = np.random.default_rng(0)
    plus, minus = rng.normal(size=(5000, 5)), rng.normal(size=(5000, 4))
    decoder = calibrate(plus, minus)
    d = jnp.linspace(float(decoder.d_zero) - 1, float(decoder.d_target) + 1, 2001)
    # Drive P+ so that d takes each value exactly (P− at its baseline mean).
    z = d[:, None] * jnp.ones((1, 5))
    angles = decode_angle(
        decoder, decoder.mean_plus + z * decoder.std_plus, decoder.mean_minus[None]
    )
    assert set(np.unique(np.asarray(angles))) == {0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0}
    assert np.all(np.diff(np.asarray(angles)) >= 0)  # monotone in P+ − P−
    assert float(angles[0]) == 0.0 and float(angles[-1]) == 90.0
    # The default calibration puts the target at the baseline's 97.5th percentile.
    baseline_angles = decode_angle(decoder, plus, minus)
    assert float(jnp.mean(baseline_angles == 90.0)) == pytest.approx(0.025, abs=0.002)


def test_more_p_minus_activity_turns_the_grating_away_from_the_target() -> None:
    rng = np.random.default_rng(1)
    decoder = calibrate(rng.normal(size=(2000, 4)), rng.normal(size=(2000, 4)))
    quiet, loud = decoder.mean_minus, decoder.mean_minus + 3 * decoder.std_minus
    plus = decoder.mean_plus + 2 * decoder.std_plus
    assert float(decode_angle(decoder, plus, loud)) < float(decode_angle(decoder, plus, quiet))


def frames_of(events, name):
    return np.flatnonzero(np.asarray(getattr(events, name)))


def test_success_timing_reward_one_second_later_grating_then_black() -> None:
    protocol = Protocol()
    reach_at = 100  # frame at which the target is reached in the first trial
    angles = jnp.zeros(2000).at[reach_at].set(90.0)
    events = run_protocol(protocol, angles)
    assert frames_of(events, "reached")[0] == reach_at
    assert frames_of(events, "rewarded")[0] == reach_at + 15  # 1 s at 15 Hz
    phase = np.asarray(events.phase)
    assert (phase[reach_at + 1 : reach_at + 30] == GRATING).all()  # 2 s of 90° grating,
    assert (np.asarray(events.shown)[reach_at : reach_at + 30] == 90.0).all()  # from reach
    assert (phase[reach_at + 30 : reach_at + 45] == BLACK).all()  # then 1 s black
    assert (np.asarray(events.shown)[reach_at + 30 : reach_at + 45] == -1.0).all()
    assert phase[reach_at + 45] == TRIAL and int(events.trial[reach_at + 45]) == 1
    assert float(events.time_to_target_s[reach_at]) == pytest.approx((reach_at + 1) / 15)


def test_failure_after_28_seconds_then_three_seconds_black() -> None:
    events = run_protocol(Protocol(), jnp.zeros(1000))
    failed = frames_of(events, "failed")
    assert failed[0] == 28 * 15 - 1  # the 420th frame of the trial
    phase = np.asarray(events.phase)
    assert (phase[420:465] == BLACK).all() and phase[465] == TRIAL  # 3 s black
    assert not np.asarray(events.rewarded).any()
    assert float(accuracy(events)) == 0.0


def test_chance_level_replays_baseline_through_the_decoder_and_protocol() -> None:
    rng = np.random.default_rng(2)
    plus, minus = rng.normal(size=(15 * 60 * 30, 4)), rng.normal(size=(15 * 60 * 30, 4))
    decoder = calibrate(plus, minus)
    chance = float(chance_accuracy(decoder, plus, minus, Protocol()))
    # White noise reaches the 97.5th percentile in about 1 of 40 frames, so almost every
    # 420-frame trial succeeds by chance; a target no frame reaches gives 0.
    assert chance > 0.95
    strict = decoder._replace(d_target=jnp.asarray(100.0))
    assert float(chance_accuracy(strict, plus, minus, Protocol())) == 0.0


def test_mice_run_as_one_vmapped_protocol() -> None:
    import jax

    rng = np.random.default_rng(3)
    angles = jnp.asarray(15.0 * rng.integers(0, 7, size=(3, 3000)))
    together = jax.vmap(lambda a: run_protocol(Protocol(), a))(angles)
    for mouse in range(3):
        alone = run_protocol(Protocol(), angles[mouse])
        np.testing.assert_array_equal(together.reached[mouse], alone.reached)
        np.testing.assert_array_equal(together.trial[mouse], alone.trial)


def test_a_reward_after_the_grating_is_refused() -> None:
    with pytest.raises(ValueError, match="while the grating shows"):
        Protocol(reward_delay_s=2.5)
