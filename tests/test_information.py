"""lib.information against scipy, and against the identities the book teaches."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

import lib
from tests.conftest import random_distributions


def test_surprise_matches_minus_log_in_nats_and_bits(rng):
    p = rng.random(1000)
    np.testing.assert_allclose(lib.surprise(p), -np.log(p), rtol=1e-14)
    np.testing.assert_allclose(lib.surprise(p, base=2), -np.log2(p), rtol=1e-14)
    np.testing.assert_allclose(lib.surprise(p, base=10), -np.log10(p), rtol=1e-14)


def test_surprise_edge_values():
    assert lib.surprise(1.0) == 0.0 and math.copysign(1, lib.surprise(1.0)) == 1  # not -0.0
    assert lib.surprise(0.0) == math.inf  # -log 0 is +inf on purpose
    assert lib.surprise(0.5, base=2) == 1.0
    assert isinstance(lib.surprise(0.5), float)
    assert lib.surprise([[0.5, 1.0]]).shape == (1, 2)


def test_entropy_matches_scipy(rng):
    p = random_distributions(rng, 200, 7, zeros=True)
    np.testing.assert_allclose(lib.entropy(p), scipy.stats.entropy(p, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(lib.entropy(p, base=2), scipy.stats.entropy(p, base=2, axis=-1), rtol=1e-12)


def test_entropy_of_the_book_example():
    p = [0.1, 0.4, 0.5]
    assert lib.entropy(p) == pytest.approx(0.9433, abs=1e-4)
    assert lib.entropy(p, base=2) == pytest.approx(1.3610, abs=1e-4)


def test_entropy_extremes():
    for k in [1, 2, 5, 50_000]:
        assert lib.entropy(np.full(k, 1 / k)) == pytest.approx(math.log(k), abs=1e-9)
    assert lib.entropy([0.0, 1.0, 0.0]) == 0.0


def test_cross_entropy_matches_scipy(rng):
    p = random_distributions(rng, 200, 6, zeros=True)
    q = random_distributions(rng, 200, 6)
    expected = -scipy.special.xlogy(p, q).sum(axis=-1)
    np.testing.assert_allclose(lib.cross_entropy(p, q), expected, rtol=1e-12)


def test_cross_entropy_conventions():
    assert lib.cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0  # 0 log 0 = 0
    assert lib.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf  # truth possible, model said 0
    assert lib.cross_entropy([0, 1, 0], [0.2, 0.5, 0.3]) == pytest.approx(math.log(2))  # one-hot collapse


def test_kl_matches_scipy(rng):
    p = random_distributions(rng, 200, 6, zeros=True)
    q = random_distributions(rng, 200, 6)
    np.testing.assert_allclose(lib.kl_divergence(p, q), scipy.stats.entropy(p, q, axis=-1), rtol=1e-10)
    np.testing.assert_allclose(
        lib.kl_divergence(p, q, base=2), scipy.special.rel_entr(p, q).sum(axis=-1) / math.log(2), rtol=1e-10
    )


def test_kl_conventions():
    assert lib.kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0
    assert lib.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert lib.kl_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(math.log(2))
    assert lib.kl_divergence([0.9, 0.1], [0.5, 0.5]) != lib.kl_divergence([0.5, 0.5], [0.9, 0.1])


distributions = st.integers(2, 8).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k),
    )
)


@settings(max_examples=200, deadline=None)
@given(distributions)
def test_cross_entropy_is_entropy_plus_kl(pair):
    p = np.array(pair[0]) / sum(pair[0])
    q = np.array(pair[1]) / sum(pair[1])
    assert lib.cross_entropy(p, q) == pytest.approx(lib.entropy(p) + lib.kl_divergence(p, q), abs=1e-12)
    assert lib.kl_divergence(p, q) >= 0
    assert lib.cross_entropy(p, q) >= lib.entropy(p) - 1e-12  # entropy is the floor


def test_perplexity():
    assert lib.perplexity(math.log(7)) == pytest.approx(7.0)
    assert lib.perplexity(2.5) == pytest.approx(12.1825, abs=1e-4)
    assert lib.perplexity(0.0) == 1.0
    assert lib.perplexity(math.inf) == math.inf
    np.testing.assert_allclose(lib.perplexity([0.0, math.log(2)]), [1.0, 2.0])


def test_nll_is_mean_surprise(rng):
    p = rng.random((30, 4))
    assert lib.nll(p) == pytest.approx(float(np.mean(-np.log(p))), rel=1e-14)
    assert lib.nll([0.1]) == pytest.approx(-math.log(0.1))
    assert lib.nll([0.5, 0.0]) == math.inf
    assert isinstance(lib.nll([0.5]), float)


def test_argument_names_follow_the_notation():
    """H(p_data, p_model) and KL(p_data || p_model): where outcomes come from first, the model second."""
    data, model = [0.5, 0.5], [0.9, 0.1]
    assert lib.cross_entropy(p_data=data, p_model=model) == lib.cross_entropy(data, model)
    assert lib.kl_divergence(p_data=data, p_model=model) == lib.kl_divergence(data, model)
    with pytest.raises(ValueError, match="p_model must sum to 1"):
        lib.kl_divergence(data, [0.5, 0.6])
    with pytest.raises(TypeError):  # the old names are gone: nothing in the book uses them
        lib.cross_entropy(p_true=data, q_model=model)
