"""N-gram models: proper distributions, losses that match a brute-force count, and one counter for
characters, integer token ids and chapter 7's dense count tables."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.ngram import encode, fit_char_ngram, fit_ngram, ngram_counts

TEXT = "the cat sat on the mat. the dog sat on the log."
ALPHABET = "".join(sorted(set(TEXT + "xz")))  # x and z never occur in training
HELDOUT = "the mat sat on the cat. the log."


def counts(train: str, n: int) -> tuple[Counter, Counter]:
    """(context, next) and context counts over the positions i >= n - 1, with plain dictionaries."""
    pairs = Counter(train[i - n + 1:i + 1] for i in range(n - 1, len(train)))
    contexts = Counter(train[i - n + 1:i] for i in range(n - 1, len(train)))
    return pairs, contexts


def brute_add_alpha(train: str, n: int, alpha: float, alphabet: str, context: str, char: str) -> float:
    pairs, contexts = counts(train, n)
    denominator = contexts[context] + alpha * len(alphabet)
    return (pairs[context + char] + alpha) / denominator if denominator else 0.0


def brute_witten_bell(train: str, n: int, alphabet: str, context: str, char: str) -> float:
    """Interpolated Witten-Bell, written out recursively from its definition.

    Contexts of length L are counted at every position i >= L of ``train`` (the model's
    convention), so lower orders use all the text.
    """
    pair_count: Counter = Counter()
    followers: dict[str, set] = {}
    for i in range(len(train)):
        for length in range(min(n, i + 1)):
            h = train[i - length:i]
            pair_count[h, train[i]] += 1
            followers.setdefault(h, set()).add(train[i])

    def p(h: str) -> float:
        if h == "":
            lower = 1 / len(alphabet)
        else:
            lower = p(h[1:])
        if h not in followers and h != "":
            return lower
        total = sum(pair_count[h, c] for c in followers.get(h, ()))
        types = len(followers.get(h, ()))
        if total == 0:
            return lower
        return (pair_count[h, char] + types * lower) / (total + types)

    return p(context[len(context) - (n - 1):] if n > 1 else "")


def brute_nll(probability, test: str, n: int) -> float:
    total = 0.0
    for i in range(n - 1, len(test)):
        p = probability(test[i - n + 1:i], test[i])
        total += -math.log(p) if p > 0 else math.inf
    return total / (len(test) - n + 1)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_add_alpha_sums_to_one_in_every_context(n, alpha):
    model = fit_char_ngram(TEXT, n, alpha, ALPHABET)
    seen_contexts = {TEXT[i - n + 1:i] for i in range(n - 1, len(TEXT))}
    for context in map("".join, itertools.product(ALPHABET, repeat=n - 1)):  # every possible context
        p = model.probabilities(context)
        assert (p >= 0).all()
        if alpha > 0 or context in seen_contexts:
            assert p.sum() == pytest.approx(1.0), context
        else:
            assert p.sum() == 0.0  # unseen context, no smoothing: no prediction


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_witten_bell_sums_to_one_and_is_positive_in_every_context(n):
    model = fit_char_ngram(TEXT, n, alphabet=ALPHABET, smoothing="witten-bell")
    for context in map("".join, itertools.product(ALPHABET, repeat=n - 1)):  # seen and unseen
        p = model.probabilities(context)
        assert (p > 0).all() and p.sum() == pytest.approx(1.0, abs=1e-12), context


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_witten_bell_matches_a_brute_force_count(n):
    model = fit_char_ngram(TEXT, n, alphabet=ALPHABET, smoothing="witten-bell")
    for context in ["", "th", "he", "at", "xz", " t", "e m", ".xz", "og."]:
        if len(context) < n - 1:
            continue
        expected = [brute_witten_bell(TEXT, n, ALPHABET, context, c) for c in ALPHABET]
        np.testing.assert_allclose(model.probabilities(context), expected, rtol=1e-12)
    expected = brute_nll(lambda h, c: brute_witten_bell(TEXT, n, ALPHABET, h, c), HELDOUT, n)
    assert model.nll(HELDOUT) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("alpha", [0.0, 0.1, 1.0])
def test_add_alpha_heldout_nll_matches_a_direct_count(n, alpha):
    model = fit_char_ngram(TEXT, n, alpha, ALPHABET)
    expected = brute_nll(lambda h, c: brute_add_alpha(TEXT, n, alpha, ALPHABET, h, c), HELDOUT, n)
    assert model.nll(HELDOUT) == pytest.approx(expected, rel=1e-12) or (
        math.isinf(expected) and math.isinf(model.nll(HELDOUT)))
    log_p = model.log_probs(HELDOUT)
    assert len(log_p) == len(HELDOUT) - n + 1
    assert model.nll(HELDOUT) == pytest.approx(-log_p.mean()) or math.isinf(model.nll(HELDOUT))


def test_replace_alpha_equals_refitting():
    counted = fit_char_ngram(TEXT, 3, 0.0, ALPHABET)
    assert dataclasses.replace(counted, alpha=0.3).nll(HELDOUT) == fit_char_ngram(TEXT, 3, 0.3, ALPHABET).nll(HELDOUT)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        dataclasses.replace(counted, alpha=-1.0)


def test_unsmoothed_model_is_the_maximum_likelihood_model():
    """No other conditional distribution gives the training text a higher likelihood."""
    ml = fit_char_ngram(TEXT, 2, 0.0, ALPHABET)
    best = ml.nll(TEXT)
    for alpha in [1e-4, 0.01, 1.0]:
        assert fit_char_ngram(TEXT, 2, alpha, ALPHABET).nll(TEXT) > best
    assert fit_char_ngram(TEXT, 2, alphabet=ALPHABET, smoothing="witten-bell").nll(TEXT) > best


def test_unseen_pair_is_infinite_without_smoothing_and_finite_with_it():
    assert fit_char_ngram(TEXT, 2, 0.0, ALPHABET).nll("the cax") == math.inf  # "ax" never seen
    assert math.isfinite(fit_char_ngram(TEXT, 2, 0.1, ALPHABET).nll("the cax"))
    assert math.isfinite(fit_char_ngram(TEXT, 2, alphabet=ALPHABET, smoothing="witten-bell").nll("the cax"))


def test_unigram_is_character_frequencies():
    model = fit_char_ngram(TEXT, 1)
    frequencies = Counter(TEXT)
    p = model.probabilities("")
    for i, char in enumerate(model.alphabet):
        assert p[i] == pytest.approx(frequencies[char] / len(TEXT))


def test_large_alphabet_at_high_order_has_no_key_collisions():
    """3,000 distinct CJK characters: V ** 6 is far beyond 2 ** 63, yet every count is exact."""
    rng = np.random.default_rng(0)
    alphabet = "".join(chr(0x4E00 + i) for i in range(3000))
    text = "".join(rng.choice(list(alphabet[:40]), size=3000)) + alphabet  # every character once at the end
    heldout = "".join(rng.choice(list(alphabet[:40]), size=300))
    for n in [6, 8]:
        model = fit_char_ngram(text, n, 0.5, alphabet)
        expected = brute_nll(lambda h, c: brute_add_alpha(text, n, 0.5, alphabet, h, c), heldout, n)
        assert model.nll(heldout) == pytest.approx(expected, rel=1e-12)
        assert model.probabilities(heldout[:n - 1]).sum() == pytest.approx(1.0)
        wb = fit_char_ngram(text, n, alphabet=alphabet, smoothing="witten-bell")
        assert wb.probabilities(heldout[:n - 1]).sum() == pytest.approx(1.0)
    assert len(alphabet) ** 6 > 2 ** 63


def test_the_largest_code_points_work():
    text = "\U0010FFFF\U0010FFFEa\U0010FFFF\U0010FFFEa" * 3
    model = fit_char_ngram(text, 6, 0.1)
    assert math.isfinite(model.nll(text)) and model.probabilities(text[:5]).sum() == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="abc d", min_size=6, max_size=40), st.integers(1, 4),
       st.sampled_from([0.0, 0.3]), st.sampled_from(["add-alpha", "witten-bell"]))
def test_property_every_context_is_a_distribution(text, n, alpha, smoothing):
    alphabet = "abc de"  # "e" never occurs
    alphabet = "".join(sorted(alphabet))
    if smoothing == "witten-bell":
        alpha = 0.0
    model = fit_char_ngram(text, n, alpha, alphabet, smoothing)
    for context in ["", "aa", "ab", "e e", "dcba"]:
        if len(context) >= n - 1:
            p = model.probabilities(context)
            assert (p >= 0).all()
            assert p.sum() == pytest.approx(1.0) or (smoothing == "add-alpha" and alpha == 0 and p.sum() == 0)


@pytest.mark.parametrize("bad, error, message", [
    (dict(n=0), ValueError, "n must be a whole number"),
    (dict(n=2.5), ValueError, "n must be a whole number"),
    (dict(n="2"), ValueError, "n must be a whole number"),
    (dict(alpha=-1), ValueError, "alpha must be a finite number >= 0"),
    (dict(alpha=float("nan")), ValueError, "alpha must be a finite number >= 0"),
    (dict(alpha=np.array([0.1, 0.2])), TypeError, "alpha must be a single number"),
    (dict(alpha="0.1"), TypeError, "alpha must be a number, not str"),
    (dict(alpha=None), TypeError, "alpha must be a number, not NoneType"),
    (dict(text=None), TypeError, "text must be a str, not NoneType"),
    (dict(text=b"the cat"), TypeError, "text must be a str, not bytes: decode it first"),
    (dict(text=["t", "h"]), TypeError, "text must be a str, not list"),
    (dict(text="the c\ud800at"), ValueError, "text contains a lone surrogate"),
    (dict(alphabet="ba"), ValueError, "sorted order"),
    (dict(alphabet=b"ab"), TypeError, "alphabet must be a str, not bytes"),
    (dict(smoothing="kneser-ney"), ValueError, "smoothing must be one of"),
    (dict(smoothing="witten-bell", alpha=0.1), ValueError, "no add-alpha constant"),
    (dict(text="ab", n=3), ValueError, "at least n"),
])
def test_bad_input_is_refused_clearly(bad, error, message):
    arguments = dict(text=TEXT, n=2, alpha=0.0, alphabet=None, smoothing="add-alpha") | bad
    with pytest.raises(error, match=message):
        fit_char_ngram(**arguments)


def test_bad_input_when_scoring():
    model = fit_char_ngram(TEXT, 2)
    with pytest.raises(ValueError, match="outside the alphabet"):
        model.nll("the cat ate XYZ")
    with pytest.raises(TypeError, match="text must be a str, not NoneType"):
        model.nll(None)
    with pytest.raises(TypeError, match="text must be a str, not bytes"):
        model.log_probs(b"the cat")
    with pytest.raises(ValueError, match="lone surrogate"):
        model.nll("the \udc80cat")
    with pytest.raises(TypeError, match="context must be a str"):
        model.probabilities(None)
    with pytest.raises(TypeError, match="text must be a str"):
        encode(["a"], "a")
    assert fit_char_ngram(TEXT, 2, np.float64(0.5)).alpha == 0.5
    assert fit_char_ngram(TEXT, 2, np.array(0.5)).alpha == 0.5  # a 0-d array is one number


@pytest.mark.parametrize("smoothing, alpha", [("add-alpha", 0.1), ("witten-bell", 0.0)])
@pytest.mark.parametrize("n", [1, 3, 5])
def test_log_probs_at_positions_are_the_full_texts(n, smoothing, alpha):
    model = fit_char_ngram(TEXT, n, alpha, smoothing=smoothing)
    every = model.log_probs(HELDOUT)  # entry j is position j + n - 1
    at = np.random.default_rng(n).permutation(np.arange(n - 1, len(HELDOUT)))[:10]
    np.testing.assert_array_equal(model.log_probs(HELDOUT, positions=at), every[at - (n - 1)])
    np.testing.assert_array_equal(model.log_probs(HELDOUT, positions=at.tolist()), every[at - (n - 1)])
    assert model.log_probs(HELDOUT, positions=[]).shape == (0,)


def test_models_sharing_counts_number_a_text_once_and_score_as_if_alone():
    from lib.ngram import _numbered_contexts, _pair_counts

    full = fit_char_ngram(TEXT * 3, 4)
    models = [dataclasses.replace(full.with_order(n), **kw) for n in (1, 2, 3, 4)
              for kw in (dict(alpha=0.5), dict(smoothing="witten-bell"))]
    _numbered_contexts.cache_clear()
    _pair_counts.cache_clear()
    scores = [m.log_probs(HELDOUT) for m in models]
    # the empty context and contexts of 1, 2 and 3 characters, each numbered once, and the
    # pairs after them looked up once, though Witten-Bell of order 4 reads all four levels
    assert _numbered_contexts.cache_info().misses == 4
    assert _pair_counts.cache_info().misses == 4
    for m, score in zip(models, scores):
        alone = fit_char_ngram(TEXT * 3, m.n, m.alpha, smoothing=m.smoothing)
        _numbered_contexts.cache_clear()
        _pair_counts.cache_clear()
        np.testing.assert_array_equal(alone.log_probs(HELDOUT), score)
        pair, context = m.counts(HELDOUT)
        assert (pair == alone.counts(HELDOUT)[0]).all()
        pair[:] = -1  # the caller's own copy: the shared lookups stay as they were
        np.testing.assert_array_equal(m.log_probs(HELDOUT), score)
        every = alone.log_probs(HELDOUT, positions=np.arange(m.n - 1, len(HELDOUT)))  # no cache
        np.testing.assert_array_equal(every, score)


def test_distributions_read_the_levels_without_looking_up_pairs():
    from lib.ngram import _pair_counts

    model = fit_char_ngram(TEXT * 3, 3, smoothing="witten-bell")
    _pair_counts.cache_clear()
    table = model.distributions(HELDOUT)
    assert _pair_counts.cache_info().misses == 0  # whole rows come from the levels' pairs
    log_p = np.log(table[np.arange(len(table)), encode(HELDOUT, model.alphabet)[2:]])
    np.testing.assert_allclose(log_p, model.log_probs(HELDOUT), rtol=1e-12)


def test_bad_positions_are_refused_clearly():
    model = fit_char_ngram(TEXT, 3)
    with pytest.raises(ValueError, match=r"positions must lie in \[2, 31\]: a position needs its 2 tokens"):
        model.log_probs(HELDOUT, positions=[1])
    with pytest.raises(ValueError, match=r"positions must lie in \[2, 31\]"):
        model.log_probs(HELDOUT, positions=[len(HELDOUT)])
    with pytest.raises(TypeError, match="positions must be integers, not an array of float64"):
        model.log_probs(HELDOUT, positions=[2.0, 3.5])
    with pytest.raises(TypeError, match="positions must be integers, not str"):
        model.log_probs(HELDOUT, positions="23")
    with pytest.raises(ValueError, match="positions must be a 1-D sequence"):
        model.log_probs(HELDOUT, positions=[[2, 3]])


@pytest.mark.parametrize("n", [1, 2, 4])
def test_counts_give_add_alpha_for_any_alpha(n):
    model = fit_char_ngram(TEXT, n, 0.0, ALPHABET)
    pair, context = model.counts(HELDOUT)
    for alpha in [0.01, 1.0]:
        p = (pair + alpha) / (context + alpha * len(ALPHABET))
        np.testing.assert_allclose(np.log(p), dataclasses.replace(model, alpha=alpha).log_probs(HELDOUT))


def test_with_order_equals_fitting_that_order():
    full = fit_char_ngram(TEXT, 5, 0.0, ALPHABET)
    for n in range(1, 6):
        direct = fit_char_ngram(TEXT, n, 0.0, ALPHABET)
        for smoothing, alpha in [("add-alpha", 0.0), ("add-alpha", 0.2), ("witten-bell", 0.0)]:
            a = dataclasses.replace(full.with_order(n), smoothing=smoothing, alpha=alpha)
            b = dataclasses.replace(direct, smoothing=smoothing, alpha=alpha)
            np.testing.assert_array_equal(a.log_probs(HELDOUT), b.log_probs(HELDOUT))
    with pytest.raises(ValueError, match="from 1 to 5"):
        full.with_order(6)


# --- The dense count table of chapter 7 comes from the same counter ---------------------------

def test_ngram_counts_agree_with_lib_ngram():
    text = "the cat sat on the mat, the end"
    alphabet = "".join(sorted(set(text)))
    codes = encode(text, alphabet)
    for order in (1, 2, 3):
        counts = ngram_counts(codes, order, len(alphabet))
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
    counts = ngram_counts([[0, 1], [1, 0]], 2, 2)
    assert counts.tolist() == [[0, 1], [1, 0]]  # no (1 -> 1) pair across the boundary


@pytest.mark.parametrize("smoothing, alpha", [("add-alpha", 0.1), ("witten-bell", 0.0)])
def test_distributions_are_the_model_at_every_position(smoothing, alpha):
    train, text = "the cat sat on the mat; a bat", "the rat ate a hat"
    alphabet = "".join(sorted(set(train + text)))
    model = fit_char_ngram(train, 3, alpha=alpha, alphabet=alphabet, smoothing=smoothing)
    codes = encode(text, alphabet)
    rows = model.distributions(text)
    assert rows.shape == (len(text) - 2, len(alphabet))
    assert np.allclose(rows.sum(axis=1), 1)
    assert np.allclose(np.log(rows[np.arange(len(rows)), codes[2:]]), model.log_probs(text))
    for i in range(2, len(text)):
        np.testing.assert_array_equal(rows[i - 2], model.probabilities(text[i - 2:i]))


def test_add_alpha_distributions_are_the_normalised_dense_counts():
    """The rows chapter 7 codes with: (C[ctx] + alpha) / (n_ctx + alpha V), bit for bit."""
    train, text = "the cat sat on the mat; a bat", "the rat ate a hat"
    alphabet = "".join(sorted(set(train + text)))
    v, alpha = len(alphabet), 0.03
    table = ngram_counts(encode(train, alphabet), 3, v)
    dense = (table + alpha) / (table.sum(axis=1, keepdims=True) + alpha * v)
    codes = encode(text, alphabet)
    context = codes[:-2] * v + codes[1:-1]
    rows = fit_char_ngram(train, 3, alpha, alphabet).distributions(text)
    np.testing.assert_array_equal(rows, dense[context])


# --- Integer token ids: the same counter as for characters --------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("smoothing, alpha", [("add-alpha", 0.0), ("add-alpha", 0.5), ("witten-bell", 0.0)])
def test_counting_a_text_equals_counting_its_character_ids(n, smoothing, alpha):
    chars = fit_char_ngram(TEXT, n, alpha, ALPHABET, smoothing)
    ids = fit_ngram(encode(TEXT, ALPHABET), n, alpha, vocabulary_size=len(ALPHABET), smoothing=smoothing)
    assert ids.alphabet is None and ids.vocabulary_size == chars.vocabulary_size
    for a, b in zip(chars.levels, ids.levels, strict=True):
        for field in dataclasses.fields(a):
            np.testing.assert_array_equal(getattr(a, field.name), getattr(b, field.name))
    held = encode(HELDOUT, ALPHABET)
    np.testing.assert_array_equal(chars.log_probs(HELDOUT), ids.log_probs(held))
    np.testing.assert_array_equal(chars.log_probs(HELDOUT), ids.log_probs(held.tolist()))  # a plain list
    np.testing.assert_array_equal(chars.distributions(HELDOUT), ids.distributions(held))
    assert chars.nll(HELDOUT) == ids.nll(held)
    assert [x.tolist() for x in chars.counts(HELDOUT)] == [x.tolist() for x in ids.counts(held)]
    np.testing.assert_array_equal(chars.probabilities(HELDOUT[:n - 1]), ids.probabilities(held[:n - 1]))


def test_a_large_vocabulary_of_ids_matches_a_brute_force_count(rng):
    """BPE-sized ids (V = 50,000) at order 4: no key collides, every count is right."""
    v = 50_000
    ids = rng.integers(0, 60, size=3000) * 800 + rng.integers(0, 3, size=3000)  # few distinct, far apart
    model = fit_ngram(ids, 4, vocabulary_size=v)
    pairs = Counter(tuple(ids[i - 3:i + 1]) for i in range(3, len(ids)))
    contexts = Counter(tuple(ids[i - 3:i]) for i in range(3, len(ids)))
    pair, context = model.counts(ids)
    windows = [tuple(ids[i - 3:i + 1]) for i in range(3, len(ids))]
    assert pair.tolist() == [pairs[w] for w in windows]
    assert context.tolist() == [contexts[w[:3]] for w in windows]
    assert model.probabilities(ids[:3]).shape == (v,)


def test_passages_of_ids_are_counted_apart():
    model = fit_ngram([[0, 1], [1, 0]], 2, vocabulary_size=2)
    np.testing.assert_array_equal(model.probabilities([1]), [1.0, 0.0])  # no 1 -> 1 across the boundary
    np.testing.assert_array_equal(model.probabilities([0]), [0.0, 1.0])


@pytest.mark.parametrize("tokens, error, message", [
    ("0101", TypeError, "integer token ids.*fit_char_ngram"),
    (None, TypeError, "integer token ids"),
    ([0.0, 1.0, 1.0], TypeError, "integer token ids, not an array of float64"),
    ([0, 1, 3], ValueError, r"must lie in \[0, 2\]"),
    ([0, -1, 1], ValueError, r"must lie in \[0, 2\]"),
    ([[[0, 1]]], ValueError, "1-D sequence of ids"),
    ([0], ValueError, "at least n = 2"),
])
def test_bad_ids_are_refused_clearly(tokens, error, message):
    with pytest.raises(error, match=message):
        fit_ngram(tokens, 2, vocabulary_size=3)


def test_an_id_model_reads_ids_and_a_text_model_reads_text():
    ids = fit_ngram([0, 1, 2, 1], 2, vocabulary_size=3)
    with pytest.raises(TypeError, match="text must be integer token ids"):
        ids.nll("ab")
    with pytest.raises(ValueError, match="vocabulary_size must be a whole number"):
        fit_ngram([0, 1], 2, vocabulary_size=0)
    with pytest.raises(TypeError, match="text must be a str"):
        fit_char_ngram("abab", 2).nll([0, 1])


def test_unique_inverse_on_the_corpus_keys():
    """On the real corpus (many repeated keys), the counter's levels are what np.unique gives."""
    from lib.corpus import load_split

    text = load_split().validation
    model = fit_char_ngram(text, n=4)
    codes, v = encode(text, model.alphabet), model.vocabulary_size
    ids = np.zeros(len(codes), dtype=np.int64)
    for length, level in enumerate(model.levels[1:], start=1):
        keys, ids = np.unique(ids[1:] * v + codes[:len(codes) - length], return_inverse=True)
        ids = ids.ravel()
        assert np.array_equal(level.context_keys, keys)
        assert np.array_equal(level.context_counts, np.bincount(ids, minlength=len(keys)))
