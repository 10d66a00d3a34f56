"""Character n-gram models: proper distributions, and a loss that matches a direct count."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from lib.ngram import encode, fit_char_ngram

TEXT = "the cat sat on the mat. the dog sat on the log."
ALPHABET = "".join(sorted(set(TEXT + "xz")))  # x and z never occur in training


def direct_nll(train: str, test: str, n: int, k: float, alphabet: str) -> float:
    """The same model, counted with plain Python dictionaries."""
    pairs = Counter(train[i - n + 1:i + 1] for i in range(n - 1, len(train)))
    contexts = Counter(train[i - n + 1:i] for i in range(n - 1, len(train)))
    total = 0.0
    for i in range(n - 1, len(test)):
        context, pair = test[i - n + 1:i], test[i - n + 1:i + 1]
        denominator = contexts[context] + k * len(alphabet)
        p = (pairs[pair] + k) / denominator if denominator else 0.0
        total += -math.log(p) if p > 0 else math.inf
    return total / (len(test) - n + 1)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("k", [0.0, 0.5, 1.0])
def test_probabilities_sum_to_one_for_every_context(n, k):
    model = fit_char_ngram(TEXT, n, k, ALPHABET)
    seen_contexts = {TEXT[i - n + 1:i] for i in range(n - 1, len(TEXT))}
    for context in map("".join, itertools.product(ALPHABET, repeat=n - 1)):  # every possible context
        p = model.probabilities(context)
        assert (p >= 0).all()
        if k > 0 or context in seen_contexts:
            assert p.sum() == pytest.approx(1.0), context
        else:
            assert p.sum() == 0.0  # unseen context, no smoothing: no prediction


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("k", [0.0, 0.1, 1.0])
def test_heldout_nll_matches_a_direct_count(n, k):
    test = "the mat sat on the cat. the log."
    model = fit_char_ngram(TEXT, n, k, ALPHABET)
    expected = direct_nll(TEXT, test, n, k, ALPHABET)
    assert model.nll(test) == pytest.approx(expected, rel=1e-12) or (math.isinf(expected) and math.isinf(model.nll(test)))
    log_p = model.log_probs(test)
    assert len(log_p) == len(test) - n + 1
    assert model.nll(test) == pytest.approx(-log_p.mean()) or math.isinf(model.nll(test))


def test_unseen_pair_is_infinite_without_smoothing_and_finite_with_it():
    assert fit_char_ngram(TEXT, 2, 0.0, ALPHABET).nll("the cax") == math.inf  # "ax" never seen
    assert math.isfinite(fit_char_ngram(TEXT, 2, 0.1, ALPHABET).nll("the cax"))


def test_unigram_is_character_frequencies():
    model = fit_char_ngram(TEXT, 1)
    counts = Counter(TEXT)
    p = model.probabilities("")
    for i, char in enumerate(model.alphabet):
        assert p[i] == pytest.approx(counts[char] / len(TEXT))


def test_bad_input():
    with pytest.raises(ValueError, match="n must be a whole number"):
        fit_char_ngram(TEXT, 0)
    with pytest.raises(ValueError, match="n must be a whole number"):
        fit_char_ngram(TEXT, 2.5)
    with pytest.raises(ValueError, match="k must be a finite number greater than 0"):
        fit_char_ngram(TEXT, 2, k=-1)
    with pytest.raises(ValueError, match="outside the alphabet"):
        fit_char_ngram(TEXT, 2).nll("the cat ate XYZ")
    with pytest.raises(TypeError, match="text must be a str"):
        encode(["a"], "a")
    with pytest.raises(ValueError, match="sorted order"):
        fit_char_ngram(TEXT, 2, alphabet="ba")
    with pytest.raises(ValueError, match="at least n"):
        fit_char_ngram("ab", 3)
