"""lib.markov: a source's stationary distribution and entropy rate, and sampling."""

from __future__ import annotations

import numpy as np
import pytest

from lib import markov
from lib.markov import conditional_entropy, expected_nll, sample_markov, sample_text, stationary_distribution
from lib.ngram import ngram_counts
from lib.training import mean_nll


def test_sampling_is_seeded_and_temperature_sharpens():
    w = np.log(np.array([[0.5, 0.3, 0.2]] * 3))
    a = sample_text(w, "abc", 200, temperature=1.0, seed=3, start="a")
    assert a == sample_text(w, "abc", 200, temperature=1.0, seed=3, start="a")
    assert a != sample_text(w, "abc", 200, temperature=1.0, seed=4, start="a")
    cold = sample_text(w, "abc", 200, temperature=0.05, seed=3, start="a")
    assert cold[1:] == "a" * 199
    unigram = sample_text(np.log([[0.5, 0.5]]), "xy", 400, seed=0)
    assert abs(unigram.count("x") - 200) < 50


def test_markov_source_entropy_rate_and_samples_agree(rng):
    v = 3
    source = rng.dirichlet(np.ones(v), size=v * v)  # a trigram source
    pi = stationary_distribution(source)
    shifted = np.einsum("ar,arc->rc", pi.reshape(v, -1), source.reshape(v, -1, v)).ravel()
    assert np.allclose(shifted, pi) and np.isclose(pi.sum(), 1)
    h = {m: conditional_entropy(source, m) for m in (1, 2, 3)}
    assert h[1] >= h[2] >= h[3] > 0
    assert expected_nll(source, np.log(source)) == pytest.approx(h[3])
    codes = sample_markov(source, passages=2000, length=60, seed=5)
    counts = ngram_counts(codes, 3, v)
    empirical = mean_nll(np.log(source), counts)
    assert empirical == pytest.approx(h[3], abs=0.01)
    # a bigram model fitted on endless text reaches the bigram floor exactly
    joint2 = markov._joint(source, 2)
    best_bigram = np.log(joint2 / joint2.sum(axis=1, keepdims=True))
    assert expected_nll(source, best_bigram) == pytest.approx(h[2])


def test_a_table_that_is_not_an_ngram_table_is_refused():
    with pytest.raises(ValueError, match="not an n-gram table"):
        sample_text(np.zeros((3, 2)), "ab", 5)
    with pytest.raises(ValueError, match="not an n-gram table"):
        stationary_distribution(np.full((3, 2), 0.5))
