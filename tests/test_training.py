"""lib.training: gradients, convergence, calibration, temperature, the Markov source and the coder."""

from __future__ import annotations

import numpy as np
import pytest

from lib import training as tr
from lib.logits import log_softmax, softmax
from lib.ngram import encode, fit_char_ngram


def random_table(rng, contexts=4, v=5, scale=2.0):
    return rng.normal(scale=scale, size=(contexts, v))


def random_counts(rng, contexts=4, v=5, zeros=False):
    counts = rng.integers(1, 30, size=(contexts, v)).astype(float)
    if zeros:
        counts[rng.random(counts.shape) < 0.3] = 0.0
    return counts


def numeric_gradient(f, w, h=1e-6):
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[index] = h
        grad[index] = (f(w + step) - f(w - step)) / (2 * h)
    return grad


@pytest.mark.parametrize("zeros", [False, True])
def test_nll_gradient_matches_finite_differences(rng, zeros):
    w, c = random_table(rng), random_counts(rng, zeros=zeros)
    numeric = numeric_gradient(lambda x: tr.mean_nll(x, c), w)
    assert np.allclose(tr.nll_gradient(w, c), numeric, atol=1e-8)


def test_one_minus_p_gradient_matches_finite_differences(rng):
    w, c = random_table(rng), random_counts(rng, zeros=True)
    numeric = numeric_gradient(lambda x: tr.one_minus_p_loss(x, c), w)
    assert np.allclose(tr.one_minus_p_gradient(w, c), numeric, atol=1e-8)


def test_count_table_loss_and_gradient_match_torch_on_the_raw_text(rng):
    """Counts are sufficient: the same numbers as torch's cross-entropy over every position."""
    torch = pytest.importorskip("torch")
    v = 6
    codes = rng.integers(0, v, size=400)
    counts = tr.ngram_counts(codes, 2, v)
    w = random_table(rng, contexts=v, v=v)
    table = torch.tensor(w, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(table[torch.tensor(codes[:-1])], torch.tensor(codes[1:]))
    loss.backward()
    assert np.isclose(tr.mean_nll(w, counts), loss.item(), rtol=1e-12)
    assert np.allclose(tr.nll_gradient(w, counts), table.grad.numpy(), atol=1e-12)


def test_ngram_counts_agree_with_lib_ngram():
    text = "the cat sat on the mat, the end"
    alphabet = "".join(sorted(set(text)))
    codes = encode(text, alphabet)
    for order in (1, 2, 3):
        counts = tr.ngram_counts(codes, order, len(alphabet))
        model = fit_char_ngram(text, order, 0.0, alphabet)
        assert counts.sum() == len(text) - (order - 1)
        pair, context = model.counts(text)  # per position, from lib.ngram
        windows = np.lib.stride_tricks.sliding_window_view(codes, order)
        ctx = np.zeros(len(windows), dtype=np.int64)
        for j in range(order - 1):
            ctx = ctx * len(alphabet) + windows[:, j]
        assert np.array_equal(counts[ctx, windows[:, -1]], pair)
        assert np.array_equal(counts.sum(axis=1)[ctx], context)


def test_ngram_counts_of_passages_never_span_two():
    counts = tr.ngram_counts([[0, 1], [1, 0]], 2, 2)
    assert counts.tolist() == [[0, 1], [1, 0]]  # no (1 -> 1) pair across the boundary


@pytest.mark.parametrize("per_context", [True, False])
def test_training_converges_to_the_normalised_counts(rng, per_context):
    c = random_counts(rng)  # every pair seen: the ML solution is finite
    lr, steps = (2.0, 400) if per_context else (6.0, 5000)
    run = tr.train_logit_table(c, steps=steps, learning_rate=lr, per_context=per_context)
    assert np.allclose(softmax(run.logits), c / c.sum(axis=1, keepdims=True), atol=1e-4)
    ml = -np.sum(c * np.log(c / c.sum(axis=1, keepdims=True))) / c.sum()
    assert np.isclose(run.train_nll[-1], ml, atol=1e-7)
    assert np.all(np.diff(run.train_nll) <= 1e-12)


def test_weight_decay_reaches_the_regularised_minimum_either_way(rng):
    c = random_counts(rng, zeros=True)
    lam = 0.01
    runs = [tr.train_logit_table(c, steps=3000, learning_rate=lr, weight_decay=lam, per_context=pc)
            for pc, lr in ((True, 1.0), (False, 6.0))]
    for run in runs:
        assert np.allclose(tr.nll_gradient(run.logits, c) + lam * run.logits, 0.0, atol=1e-8)
    assert np.allclose(runs[0].logits, runs[1].logits, atol=1e-6)
    assert (softmax(runs[0].logits)[c == 0] > 0.001).all()  # unseen pairs keep probability


def test_one_minus_p_training_collapses_onto_the_favourite():
    c = np.array([[6.0, 3.0, 1.0]])
    w = tr.train_logit_table(c, steps=2000, learning_rate=2.0, loss="one_minus_p").logits
    nll_w = tr.train_logit_table(c, steps=400, learning_rate=2.0).logits
    assert softmax(w)[0, 0] > 0.95
    assert np.allclose(softmax(nll_w), [[0.6, 0.3, 0.1]], atol=1e-4)


def test_early_stopping_keeps_the_best_validation_table():
    train = np.array([[9.0, 1.0, 0.0]])
    validation = np.array([[8.0, 1.0, 1.0]])  # the pair unseen in training does occur later
    run = tr.train_logit_table(train, steps=3000, learning_rate=2.0,
                               validation_counts=validation, patience=50)
    assert run.best_step < len(run.validation_nll) - 1  # stopped early
    assert run.validation_nll[run.best_step] == run.validation_nll.min()
    assert np.isclose(tr.mean_nll(run.logits, validation), run.validation_nll.min())


def test_ece_known_cases():
    assert tr.expected_calibration_error([0.8] * 10, [1] * 8 + [0] * 2) == pytest.approx(0.0)
    assert tr.expected_calibration_error([1.0, 1.0], [0, 0]) == pytest.approx(1.0)
    # two bins (no confidence on a bin edge): 4/6 * |0.75 - 0.95| + 2/6 * |0.5 - 0.65|
    value = tr.expected_calibration_error([0.95] * 4 + [0.65] * 2, [1, 0, 1, 1, 1, 0])
    assert value == pytest.approx(4 / 6 * 0.2 + 2 / 6 * 0.15)


def test_weights_stand_for_repeated_predictions(rng):
    conf = rng.uniform(0, 1, size=20)
    correct = rng.integers(0, 2, size=20)
    repeats = rng.integers(1, 5, size=20)
    weighted = tr.expected_calibration_error(conf, correct, repeats)
    expanded = tr.expected_calibration_error(np.repeat(conf, repeats), np.repeat(correct, repeats))
    assert weighted == pytest.approx(expanded)


def test_reliability_bins_put_one_in_the_last_bin():
    bins = tr.reliability_bins([0.0, 0.05, 1.0], [0, 0, 1], n_bins=10)
    assert bins.share[0] == pytest.approx(2 / 3) and bins.share[-1] == pytest.approx(1 / 3)
    assert np.isnan(bins.accuracy[5])


def test_a_model_predicting_its_own_data_is_calibrated_in_expectation(rng):
    w = random_table(rng, contexts=50, v=4)
    counts = 1000 * softmax(w)  # expected counts under the model itself
    conf, acc, n = tr.top_label_calibration(w, counts)
    assert np.allclose(conf, acc)
    assert tr.expected_calibration_error(conf, acc, n) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_temperature_that_made_the_data(rng, true_t):
    w = random_table(rng, contexts=30, v=6)
    counts = 500 * softmax(w / true_t)
    assert tr.fit_temperature(w, counts) == pytest.approx(true_t, rel=1e-4)


def test_sampling_is_seeded_and_temperature_sharpens():
    w = np.log(np.array([[0.5, 0.3, 0.2]] * 3))
    a = tr.sample_text(w, "abc", 200, temperature=1.0, seed=3, start="a")
    assert a == tr.sample_text(w, "abc", 200, temperature=1.0, seed=3, start="a")
    assert a != tr.sample_text(w, "abc", 200, temperature=1.0, seed=4, start="a")
    cold = tr.sample_text(w, "abc", 200, temperature=0.05, seed=3, start="a")
    assert cold[1:] == "a" * 199
    unigram = tr.sample_text(np.log([[0.5, 0.5]]), "xy", 400, seed=0)
    assert abs(unigram.count("x") - 200) < 50


def test_markov_source_entropy_rate_and_samples_agree(rng):
    v = 3
    source = rng.dirichlet(np.ones(v), size=v * v)  # a trigram source
    pi = tr.stationary_distribution(source)
    shifted = np.einsum("ar,arc->rc", pi.reshape(v, -1), source.reshape(v, -1, v)).ravel()
    assert np.allclose(shifted, pi) and np.isclose(pi.sum(), 1)
    h = {m: tr.conditional_entropy(source, m) for m in (1, 2, 3)}
    assert h[1] >= h[2] >= h[3] > 0
    assert tr.expected_nll(source, np.log(source)) == pytest.approx(h[3])
    codes = tr.sample_markov(source, passages=2000, length=60, seed=5)
    counts = tr.ngram_counts(codes, 3, v)
    empirical = tr.mean_nll(np.log(source), counts)
    assert empirical == pytest.approx(h[3], abs=0.01)
    # a bigram model fitted on endless text reaches the bigram floor exactly
    joint2 = tr._joint(source, 2)
    best_bigram = np.log(joint2 / joint2.sum(axis=1, keepdims=True))
    assert tr.expected_nll(source, best_bigram) == pytest.approx(h[2])


def test_code_length_bits():
    assert tr.code_length_bits([0.5, 0.25]) == 3.0
    assert tr.code_length_bits([0.0]) == np.inf


def test_range_coder_round_trip_costs_the_summed_surprise(rng):
    pytest.importorskip("constriction")
    probs = rng.dirichlet(np.ones(8) * 0.5, size=3000)
    message = np.array([rng.choice(8, p=row) for row in probs])
    packed = tr.range_encode(message, probs)
    assert np.array_equal(tr.range_decode(packed, probs), message)
    ideal = tr.code_length_bits(probs[np.arange(len(message)), message])
    assert ideal <= 32 * len(packed) <= ideal + 64


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        tr.mean_nll(np.zeros((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="all zero"):
        tr.mean_nll(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="loss must be"):
        tr.train_logit_table(np.ones((1, 2)), steps=1, learning_rate=1.0, loss="mse")
    with pytest.raises(ValueError, match="not an n-gram table"):
        tr.sample_text(np.zeros((3, 2)), "ab", 5)
    assert np.allclose(log_softmax(np.zeros(2)), np.log(0.5))


def test_brier_score_matches_its_definition():
    rng = np.random.default_rng(0)
    w, c = rng.normal(size=(3, 4)), rng.integers(0, 5, size=(3, 4)).astype(float)
    p = softmax(w, axis=1)
    total = sum(c[a, y] * np.sum((p[a] - np.eye(4)[y]) ** 2) for a in range(3) for y in range(4))
    assert np.isclose(tr.brier_score(w, c), total / c.sum())


def test_ngram_rows_match_fit_char_ngram():
    train, text = "the cat sat on the mat; a bat", "the rat ate a hat"
    alphabet = "".join(sorted(set(train + text)))
    model = fit_char_ngram(train, 3, alpha=0.1, alphabet=alphabet)
    codes = encode(text, alphabet)
    rows = tr.ngram_rows(encode(train, alphabet), codes, 3, len(alphabet), 0.1)
    assert rows.shape == (len(text) - 2, len(alphabet))
    assert np.allclose(rows.sum(axis=1), 1)
    assert np.allclose(np.log(rows[np.arange(len(rows)), codes[2:]]), model.log_probs(text))
