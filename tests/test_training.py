"""lib.training: losses and gradients of a logit table, and training it from counts."""

from __future__ import annotations

import numpy as np
import pytest

from lib.logits import log_softmax, softmax
from lib.ngram import ngram_counts
from lib.training import mean_nll, nll_gradient, one_minus_p_gradient, one_minus_p_loss, train_logit_table


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
    numeric = numeric_gradient(lambda x: mean_nll(x, c), w)
    assert np.allclose(nll_gradient(w, c), numeric, atol=1e-8)


def test_one_minus_p_gradient_matches_finite_differences(rng):
    w, c = random_table(rng), random_counts(rng, zeros=True)
    numeric = numeric_gradient(lambda x: one_minus_p_loss(x, c), w)
    assert np.allclose(one_minus_p_gradient(w, c), numeric, atol=1e-8)


def test_count_table_loss_and_gradient_match_torch_on_the_raw_text(rng):
    """Counts are sufficient: the same numbers as torch's cross-entropy over every position."""
    torch = pytest.importorskip("torch")
    v = 6
    codes = rng.integers(0, v, size=400)
    counts = ngram_counts(codes, 2, v)
    w = random_table(rng, contexts=v, v=v)
    table = torch.tensor(w, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(table[torch.tensor(codes[:-1])], torch.tensor(codes[1:]))
    loss.backward()
    assert np.isclose(mean_nll(w, counts), loss.item(), rtol=1e-12)
    assert np.allclose(nll_gradient(w, counts), table.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("per_context", [True, False])
def test_training_converges_to_the_normalised_counts(rng, per_context):
    c = random_counts(rng)  # every pair seen: the ML solution is finite
    lr, steps = (2.0, 400) if per_context else (6.0, 5000)
    run = train_logit_table(c, steps=steps, learning_rate=lr, per_context=per_context)
    assert np.allclose(softmax(run.logits), c / c.sum(axis=1, keepdims=True), atol=1e-4)
    ml = -np.sum(c * np.log(c / c.sum(axis=1, keepdims=True))) / c.sum()
    assert np.isclose(run.train_nll[-1], ml, atol=1e-7)
    assert np.all(np.diff(run.train_nll) <= 1e-12)


def test_weight_decay_reaches_the_regularised_minimum_either_way(rng):
    c = random_counts(rng, zeros=True)
    lam = 0.01
    runs = [train_logit_table(c, steps=3000, learning_rate=lr, weight_decay=lam, per_context=pc)
            for pc, lr in ((True, 1.0), (False, 6.0))]
    for run in runs:
        assert np.allclose(nll_gradient(run.logits, c) + lam * run.logits, 0.0, atol=1e-8)
    assert np.allclose(runs[0].logits, runs[1].logits, atol=1e-6)
    assert (softmax(runs[0].logits)[c == 0] > 0.001).all()  # unseen pairs keep probability


def test_one_minus_p_training_collapses_onto_the_favourite():
    c = np.array([[6.0, 3.0, 1.0]])
    w = train_logit_table(c, steps=2000, learning_rate=2.0, loss="one_minus_p").logits
    nll_w = train_logit_table(c, steps=400, learning_rate=2.0).logits
    assert softmax(w)[0, 0] > 0.95
    assert np.allclose(softmax(nll_w), [[0.6, 0.3, 0.1]], atol=1e-4)


def test_early_stopping_keeps_the_best_validation_table():
    train = np.array([[9.0, 1.0, 0.0]])
    validation = np.array([[8.0, 1.0, 1.0]])  # the pair unseen in training does occur later
    run = train_logit_table(train, steps=3000, learning_rate=2.0,
                               validation_counts=validation, patience=50)
    assert run.best_step < len(run.validation_nll) - 1  # stopped early
    assert run.validation_nll[run.best_step] == run.validation_nll.min()
    assert np.isclose(mean_nll(run.logits, validation), run.validation_nll.min())


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        mean_nll(np.zeros((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="all zero"):
        mean_nll(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="loss must be"):
        train_logit_table(np.ones((1, 2)), steps=1, learning_rate=1.0, loss="mse")
    assert np.allclose(log_softmax(np.zeros(2)), np.log(0.5))


@pytest.mark.parametrize("name, home", [("ngram_counts", "lib.ngram"), ("fit_temperature", "lib.calibration"),
                                        ("sample_markov", "lib.markov"), ("range_encode", "lib.coding"),
                                        ("ngram_rows", "fit_ngram")])
def test_a_name_that_moved_out_says_where_it_went(name, home):
    import lib.training

    with pytest.raises(AttributeError, match=home):
        getattr(lib.training, name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lib.training.nope
