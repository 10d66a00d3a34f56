"""lib.context_windows: every position scored once, with the context each scheme promises."""

from __future__ import annotations

import numpy as np
import pytest

from lib.context_windows import fixed_context_predictor, score_disjoint_windows, score_sliding_window
from lib.mlp import init_mlp, make_context_windows, mlp_log_probs


def prefix_model(windows):
    """A made-up scorer whose output depends on the whole in-window prefix of each position."""
    windows = np.asarray(windows)
    prefix_sums = np.cumsum(windows, axis=1) - windows
    t = np.arange(windows.shape[1])
    return -(1.0 + 0.5 * t + 0.01 * prefix_sums + 0.001 * windows)


def reference(ids, window_of_position):
    """Score position i alone, from the window start the scheme gives it: model(ids[start:i + 1])[-1]."""
    return np.array([prefix_model(ids[None, s:i + 1])[0, -1] for i, s in enumerate(window_of_position)])


@pytest.mark.parametrize("t", [1, 7, 20, 23])
@pytest.mark.parametrize("window", [1, 3, 5, 25])
def test_disjoint_windows_against_a_loop(rng, t, window):
    ids = rng.integers(0, 9, size=t)
    score = score_disjoint_windows(prefix_model, ids, window)
    starts = (np.arange(t) // window) * window
    np.testing.assert_allclose(score.log_probs, reference(ids, starts), rtol=1e-14)
    assert score.n_scored == t and score.n_calls == -(-t // window)
    np.testing.assert_array_equal(score.context_lengths, np.arange(t) - starts)
    assert score.total_nats == pytest.approx(-score.log_probs.sum())


@pytest.mark.parametrize("t", [1, 6, 20, 23])
@pytest.mark.parametrize("window, stride", [(1, 1), (4, 1), (4, 3), (4, 4), (6, 4), (30, 7)])
def test_sliding_window_against_a_loop(rng, t, window, stride):
    ids = rng.integers(0, 9, size=t)
    score = score_sliding_window(prefix_model, ids, window, stride)
    # the Hugging Face loop, with the last window moved back to full length
    starts, calls, end = np.zeros(t, dtype=int), 0, 0
    while end < t:
        new_end = min(end + (window if calls == 0 else stride), t)
        begin = max(new_end - window, 0)
        starts[end:new_end] = begin
        end, calls = new_end, calls + 1
    np.testing.assert_allclose(score.log_probs, reference(ids, starts), rtol=1e-14)
    assert score.n_scored == t and score.n_calls == calls
    np.testing.assert_array_equal(score.context_lengths, np.arange(t) - starts)
    if t > window:
        assert score.context_lengths[window:].min() >= window - stride


def test_every_position_scored_exactly_once(rng):
    ids = rng.integers(0, 5, size=101)
    seen = []

    def recording(windows):
        seen.append(windows.copy())
        return np.zeros(windows.shape)

    for score in (score_disjoint_windows(recording, ids, 8), score_sliding_window(recording, ids, 8, 3)):
        assert score.n_scored == len(ids) == len(score.log_probs)
        assert np.isfinite(score.log_probs).all()
    # a model that gives each position its own unmistakable value sees each position once
    marker = lambda w: -np.asarray(w, dtype=float)  # log p = -id: total = sum of ids
    for score in (score_disjoint_windows(marker, ids, 8), score_sliding_window(marker, ids, 8, 3)):
        assert score.total_nats == ids.sum()


def test_with_the_mlp_stride_one_gives_full_context(rng):
    v, c = 12, 3
    params = init_mlp(v, c, 4, 16, seed=0, init_scale=1.0)
    ids = rng.integers(0, v, size=200)
    predict = fixed_context_predictor(lambda X: mlp_log_probs(params, X), c, pad_id=0)
    sliding = score_sliding_window(predict, ids, window=c + 1, stride=1)
    X, y = make_context_windows(ids, c)
    full = mlp_log_probs(params, X)[np.arange(len(y)), y]
    np.testing.assert_allclose(sliding.log_probs[c:], full, rtol=1e-12)
    Xp, yp = make_context_windows(ids[:c], c, pad_id=0)
    np.testing.assert_allclose(sliding.log_probs[:c], mlp_log_probs(params, Xp)[np.arange(c), yp], rtol=1e-12)
    # the `last=` shortcut gives the same numbers as the full windows
    plain = lambda w: predict(w)
    np.testing.assert_allclose(score_sliding_window(plain, ids, c + 2, 2).log_probs,
                               score_sliding_window(predict, ids, c + 2, 2).log_probs, rtol=1e-12)
    disjoint = score_disjoint_windows(predict, ids, window=c + 1)
    assert disjoint.n_calls < sliding.n_calls
    starved = disjoint.context_lengths < c
    np.testing.assert_allclose(disjoint.log_probs[~starved], sliding.log_probs[~starved], rtol=1e-12)


def test_infinite_loss_stays_infinite():
    zero_for_one = lambda w: np.where(np.asarray(w) == 1, -np.inf, 0.0)
    assert score_disjoint_windows(zero_for_one, [0, 1, 0], 2).total_nats == np.inf


@pytest.mark.parametrize("call, error, words", [
    (lambda: score_disjoint_windows(prefix_model, [], 3), ValueError, ["ids", "empty"]),
    (lambda: score_disjoint_windows(prefix_model, [[1, 2]], 3), ValueError, ["ids", "1-D"]),
    (lambda: score_disjoint_windows(prefix_model, [1.5, 2.0], 3), TypeError, ["ids", "integer"]),
    (lambda: score_disjoint_windows(prefix_model, [1, 2], 0), ValueError, ["window", "at least 1"]),
    (lambda: score_disjoint_windows(prefix_model, [1, 2], 2.0), TypeError, ["window"]),
    (lambda: score_disjoint_windows("model", [1, 2], 2), TypeError, ["predict_log_probs"]),
    (lambda: score_sliding_window(prefix_model, [1, 2, 3], 2, 3), ValueError, ["stride", "window"]),
    (lambda: score_sliding_window(prefix_model, [1, 2, 3], 2, 0), ValueError, ["stride"]),
    (lambda: score_sliding_window(lambda w: w[:, :1] * 0.0, [1, 2, 3], 2, 1), ValueError, ["predict_log_probs", "shape"]),
    (lambda: score_sliding_window(lambda w: w * 0.0 + 1.0, [1, 2, 3], 2, 1), ValueError, ["predict_log_probs", "> 0"]),
    (lambda: fixed_context_predictor(np.log, 2, pad_id=-1), TypeError, ["pad_id"]),
    (lambda: fixed_context_predictor(np.log, 0, pad_id=0), ValueError, ["context"]),
    (lambda: fixed_context_predictor(3, 2, pad_id=0), TypeError, ["next_log_probs"]),
])
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)
