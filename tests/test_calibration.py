"""lib.calibration: reliability bins, ECE, top-choice calibration, temperature and the Brier score."""

from __future__ import annotations

import numpy as np
import pytest

from lib.calibration import (brier_score, expected_calibration_error, fit_temperature, reliability_bins,
                             top_label_calibration)
from lib.logits import softmax


def random_table(rng, contexts, v, scale=2.0):
    return rng.normal(scale=scale, size=(contexts, v))


def test_ece_known_cases():
    assert expected_calibration_error([0.8] * 10, [1] * 8 + [0] * 2) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0], [0, 0]) == pytest.approx(1.0)
    # two bins (no confidence on a bin edge): 4/6 * |0.75 - 0.95| + 2/6 * |0.5 - 0.65|
    value = expected_calibration_error([0.95] * 4 + [0.65] * 2, [1, 0, 1, 1, 1, 0])
    assert value == pytest.approx(4 / 6 * 0.2 + 2 / 6 * 0.15)


def test_weights_stand_for_repeated_predictions(rng):
    conf = rng.uniform(0, 1, size=20)
    correct = rng.integers(0, 2, size=20)
    repeats = rng.integers(1, 5, size=20)
    weighted = expected_calibration_error(conf, correct, repeats)
    expanded = expected_calibration_error(np.repeat(conf, repeats), np.repeat(correct, repeats))
    assert weighted == pytest.approx(expanded)


def test_reliability_bins_put_one_in_the_last_bin():
    bins = reliability_bins([0.0, 0.05, 1.0], [0, 0, 1], n_bins=10)
    assert bins.share[0] == pytest.approx(2 / 3) and bins.share[-1] == pytest.approx(1 / 3)
    assert np.isnan(bins.accuracy[5])


def test_a_model_predicting_its_own_data_is_calibrated_in_expectation(rng):
    w = random_table(rng, contexts=50, v=4)
    counts = 1000 * softmax(w)  # expected counts under the model itself
    conf, acc, n = top_label_calibration(w, counts)
    assert np.allclose(conf, acc)
    assert expected_calibration_error(conf, acc, n) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_temperature_that_made_the_data(rng, true_t):
    w = random_table(rng, contexts=30, v=6)
    counts = 500 * softmax(w / true_t)
    assert fit_temperature(w, counts) == pytest.approx(true_t, rel=1e-4)


def test_brier_score_matches_its_definition():
    rng = np.random.default_rng(0)
    w, c = rng.normal(size=(3, 4)), rng.integers(0, 5, size=(3, 4)).astype(float)
    p = softmax(w, axis=1)
    total = sum(c[a, y] * np.sum((p[a] - np.eye(4)[y]) ** 2) for a in range(3) for y in range(4))
    assert np.isclose(brier_score(w, c), total / c.sum())
