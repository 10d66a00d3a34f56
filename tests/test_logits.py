"""lib.logits against scipy and torch, including logits far too large for a naive softmax."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import torch
import torch.nn.functional as F

import lib
from tests.conftest import random_distributions


def test_softmax_and_log_softmax_match_scipy(rng):
    z = rng.normal(scale=5, size=(100, 9))
    for axis in (-1, 0):
        np.testing.assert_allclose(lib.softmax(z, axis=axis), scipy.special.softmax(z, axis=axis), rtol=1e-12)
        np.testing.assert_allclose(
            lib.log_softmax(z, axis=axis), scipy.special.log_softmax(z, axis=axis), rtol=1e-12, atol=1e-12
        )


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_stable_for_huge_logits(scale):
    z = np.array([[1.0, 0.5, -0.25, 0.0]]) * scale
    p = lib.softmax(z)
    logp = lib.log_softmax(z)
    assert np.isfinite(p).all() and np.isfinite(logp).all()
    assert p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(logp, F.log_softmax(torch.tensor(z), dim=-1).numpy(), rtol=1e-12)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(z) / np.exp(z).sum()
    assert scale < 0 or np.isnan(naive).any()  # the naive way really does fail at +1e4


def test_softmax_is_shift_invariant_and_handles_masked_logits():
    z = np.array([2.0, -1.0, 0.5])
    np.testing.assert_allclose(lib.softmax(z), lib.softmax(z + 1000.0))
    masked = lib.softmax([0.0, -np.inf, 0.0])
    np.testing.assert_allclose(masked, [0.5, 0.0, 0.5])


def test_the_mat_example():
    z = np.array([3.2, 1.0, -0.5, 2.5])  # mat, hat, sat, rug
    assert lib.surprise(lib.softmax(z)[0]) == pytest.approx(0.49, abs=0.005)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_from_logits_matches_torch_with_class_indices(rng, dtype):
    z = rng.normal(scale=3, size=(64, 11)).astype(dtype)
    y = rng.integers(0, 11, size=64)
    expected = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item()
    tol = 1e-12 if dtype == np.float64 else 1e-5
    assert lib.cross_entropy_from_logits(z, y) == pytest.approx(expected, rel=tol)


def test_cross_entropy_from_logits_matches_torch_with_soft_targets(rng):
    z = rng.normal(scale=3, size=(64, 11))
    q = random_distributions(rng, 64, 11, zeros=True)
    expected = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(q)).item()
    assert lib.cross_entropy_from_logits(z, q) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_from_logits_equals_one_hot_cross_entropy(rng):
    z = rng.normal(size=(20, 5))
    y = rng.integers(0, 5, size=20)
    one_hot = np.eye(5)[y]
    assert lib.cross_entropy_from_logits(z, y) == pytest.approx(lib.cross_entropy_from_logits(z, one_hot))
    assert lib.cross_entropy_from_logits(z, y) == pytest.approx(np.mean(lib.cross_entropy(one_hot, lib.softmax(z))))


def test_cross_entropy_from_logits_at_huge_logits():
    z = np.array([[1000.0, 0.0], [0.0, 1000.0]])
    assert lib.cross_entropy_from_logits(z, [0, 1]) == 0.0
    assert lib.cross_entropy_from_logits(z, [1, 0]) == pytest.approx(1000.0)
    assert math.isfinite(lib.cross_entropy_from_logits(z * 10, [1, 1]))


def test_cross_entropy_from_logits_needs_no_full_size_temporary():
    """Extra memory stays far below one copy of the logits, even for a big vocabulary."""
    import tracemalloc

    rng = np.random.default_rng(1)
    z = rng.standard_normal((256, 50_257), dtype=np.float32)
    y = rng.integers(0, 50_257, size=256)
    tracemalloc.start()
    value = lib.cross_entropy_from_logits(z, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < z.nbytes / 4
    expected = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item()
    assert value == pytest.approx(expected, rel=1e-5)


def test_blocked_logsumexp_covers_ragged_last_block(rng):
    z = rng.normal(scale=4, size=(37, 5000))  # 37 rows: not a multiple of the block size
    np.testing.assert_allclose(
        np.exp(lib.log_softmax(z)).sum(axis=1), 1.0, rtol=1e-12
    )
    y = rng.integers(0, 5000, size=37)
    expected = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item()
    assert lib.cross_entropy_from_logits(z, y) == pytest.approx(expected, rel=1e-12)
