"""Tasks: documented timing, shapes, labels, purity."""

import jax
import numpy as np

from creditlab.tasks import DelayedMatch, EvidenceAccumulation, SineWaves


def test_sine_waves_matches_nest_example_sizes_and_is_frozen() -> None:
    task = SineWaves()
    a = task.sample(jax.random.key(0), 2)
    b = task.sample(jax.random.key(1), 2)
    assert a.inputs.shape == (2, 1000, 100) and a.targets.shape == (2, 1000, 1)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.inputs[0], a.inputs[1])
    rate_hz = float(np.mean(a.inputs)) * 1000
    assert 40 < rate_hz < 60
    assert SineWaves(pattern_seed=1).pattern()[1].tolist() != task.pattern()[1].tolist()


def test_evidence_accumulation_timing_and_labels() -> None:
    task = EvidenceAccumulation()
    assert task.n_steps == 7 * 150 + 1050 + 150 == 2250
    trials = task.sample(jax.random.key(0), 64)
    assert trials.inputs.shape == (64, 2250, 40)
    mask = np.asarray(trials.mask)
    assert np.all(mask[:, -150:] == 1) and np.all(mask[:, :-150] == 0)
    inputs = np.asarray(trials.inputs)
    left = inputs[:, : 7 * 150, 0:10].sum(axis=(1, 2))
    right = inputs[:, : 7 * 150, 10:20].sum(axis=(1, 2))
    labels = np.asarray(trials.targets[:, -1]).argmax(-1)
    agreement = np.mean((right > left) == (labels == 1))
    assert agreement > 0.9  # Poisson counts mostly follow the cue majority
    assert inputs[:, 7 * 150 : -150, :30].sum() == 0  # delay: only background fires
    assert 0.3 < labels.mean() < 0.7
    np.testing.assert_array_equal(task.sample(jax.random.key(0), 64).inputs, trials.inputs)


def test_delayed_match_labels_match_when_cues_agree() -> None:
    task = DelayedMatch()
    trials = task.sample(jax.random.key(4), 128)
    inputs = np.asarray(trials.inputs)
    first = inputs[:, :200, 0:10].sum((1, 2)) < inputs[:, :200, 10:20].sum((1, 2))
    second = inputs[:, 700:900, 0:10].sum((1, 2)) < inputs[:, 700:900, 10:20].sum((1, 2))
    labels = np.asarray(trials.targets[:, -1]).argmax(-1)
    assert np.mean((first == second) == (labels == 1)) > 0.95
    assert task.n_steps == trials.inputs.shape[1] == 1350


def test_dnms_timing_conditions_and_labels() -> None:
    from creditlab.tasks import DelayedNonMatch

    task = DelayedNonMatch()
    assert task.n_steps == 1000
    trials = task.sample(jax.random.key(0), 64)
    assert set(np.unique(np.asarray(trials.condition))) == {0, 1, 2, 3}
    for b in range(8):
        c = int(trials.condition[b])
        first, second = divmod(c, 2)
        x = np.asarray(trials.inputs[b])
        assert x[:200, first].all() and not x[:200, 1 - first].any()
        assert not x[200:400, :2].any() and x[400:600, second].all() and not x[600:, :2].any()
        assert (x[:, 2] == task.bias).all()
        mask = np.asarray(trials.mask[b])
        assert mask[800:].all() and not mask[:800].any()
        assert int(np.argmax(trials.targets[b, -1])) == int(first == second)


def test_teacher_student_targets_follow_the_fixed_teacher() -> None:
    from creditlab.tasks import TeacherStudent

    task = TeacherStudent(inputs=6, outputs=3)
    trials = task.sample(jax.random.key(1), 5)
    assert trials.inputs.shape == (5, 1, 6) and trials.targets.shape == (5, 1, 3)
    np.testing.assert_allclose(trials.targets, trials.inputs @ task.teacher(), rtol=1e-6)
    np.testing.assert_array_equal(task.teacher(), TeacherStudent(inputs=6, outputs=3).teacher())
