"""Shared fixtures: seeded random inputs, so every run checks the same numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


def random_distributions(rng: np.random.Generator, n: int, k: int, zeros: bool = False) -> np.ndarray:
    """``n`` random distributions over ``k`` outcomes (rows sum to 1)."""
    weights = rng.gamma(0.7, size=(n, k))
    if zeros:
        weights[rng.random((n, k)) < 0.2] = 0.0
        weights[:, 0] += 0.1  # keep every row non-empty
    return weights / weights.sum(axis=1, keepdims=True)
