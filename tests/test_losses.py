"""lib.losses against torch and scipy on random inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F

import lib


def test_binary_cross_entropy_matches_torch(rng):
    y = (rng.random(500) < 0.4).astype(float)
    p = rng.uniform(0.001, 0.999, size=500)
    expected = F.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(y)).item()
    assert lib.binary_cross_entropy(y, p) == pytest.approx(expected, rel=1e-12)


def test_binary_cross_entropy_soft_labels_and_edges(rng):
    y = rng.random(100)
    p = rng.uniform(0.01, 0.99, size=100)
    expected = F.binary_cross_entropy(torch.from_numpy(p), torch.from_numpy(y)).item()
    assert lib.binary_cross_entropy(y, p) == pytest.approx(expected, rel=1e-12)
    assert lib.binary_cross_entropy([1, 0], [1.0, 0.0]) == 0.0  # certain and right
    assert lib.binary_cross_entropy([1], [0.0]) == math.inf  # certain and wrong: -log 0
    assert lib.binary_cross_entropy([1, 0], [0.9, 0.2]) == pytest.approx((-math.log(0.9) - math.log(0.8)) / 2)


def test_binary_cross_entropy_is_categorical_cross_entropy_with_two_classes(rng):
    y = (rng.random(50) < 0.5).astype(int)
    p = rng.uniform(0.05, 0.95, size=50)
    as_two_classes = np.stack([1 - p, p], axis=1)
    one_hot = np.eye(2)[y]
    assert lib.binary_cross_entropy(y, p) == pytest.approx(np.mean(lib.cross_entropy(one_hot, as_two_classes)))


def test_binary_cross_entropy_from_logits_matches_torch(rng):
    y = rng.random(400).round()
    s = rng.normal(scale=8, size=400)
    expected = F.binary_cross_entropy_with_logits(torch.from_numpy(s), torch.from_numpy(y)).item()
    assert lib.binary_cross_entropy_from_logits(y, s) == pytest.approx(expected, rel=1e-12)
    moderate = rng.normal(size=50)
    labels = y[:50]
    assert lib.binary_cross_entropy_from_logits(labels, moderate) == pytest.approx(
        lib.binary_cross_entropy(labels, 1 / (1 + np.exp(-moderate))), rel=1e-10)
    assert lib.binary_cross_entropy_from_logits([1.0, 0.0], [-800.0, 800.0]) == pytest.approx(800.0)


def test_gaussian_nll_matches_scipy_and_torch(rng):
    y = rng.normal(size=300)
    mu = rng.normal(size=300)
    sigma = rng.uniform(0.1, 3.0, size=300)
    expected = -np.mean(scipy.stats.norm.logpdf(y, loc=mu, scale=sigma))
    assert lib.gaussian_nll(y, mu, sigma) == pytest.approx(expected, rel=1e-12)
    torch_value = F.gaussian_nll_loss(
        torch.from_numpy(mu), torch.from_numpy(y), torch.from_numpy(sigma**2), full=True, eps=0.0
    ).item()
    assert lib.gaussian_nll(y, mu, sigma) == pytest.approx(torch_value, rel=1e-12)


def test_gaussian_nll_with_fixed_sigma_is_scaled_mse_plus_constant(rng):
    y = rng.normal(size=100)
    mu = rng.normal(size=100)
    mse = np.mean((y - mu) ** 2)
    assert lib.gaussian_nll(y, mu, 1.0) == pytest.approx(mse / 2 + 0.5 * math.log(2 * math.pi))
    assert lib.gaussian_nll(y, mu, 2.0) == pytest.approx(mse / 8 + 0.5 * math.log(2 * math.pi * 4))


def dpo_reference(pc, pr, rc, rr, beta):
    logits = beta * ((torch.tensor(pc) - torch.tensor(rc)) - (torch.tensor(pr) - torch.tensor(rr)))
    return (-F.logsigmoid(logits)).mean().item()


def test_dpo_loss_matches_torch_formula(rng):
    pc, pr, rc, rr = (-rng.uniform(1, 200, size=40) for _ in range(4))
    for beta in [0.1, 0.5, 2.0]:
        assert lib.dpo_loss(pc, pr, rc, rr, beta=beta) == pytest.approx(dpo_reference(pc, pr, rc, rr, beta), rel=1e-12)


def test_dpo_loss_sanity():
    assert lib.dpo_loss([-5.0], [-5.0], [-5.0], [-5.0]) == pytest.approx(math.log(2))
    # The policy raised the chosen answer and lowered the rejected one: the loss falls below log 2.
    assert lib.dpo_loss([-4.0], [-9.0], [-5.0], [-5.0]) < math.log(2)
    # Huge margins stay finite and stable.
    assert lib.dpo_loss([-1.0], [-1e6], [-1.0], [-1.0], beta=1.0) == 0.0
    assert lib.dpo_loss([-1e6], [-1.0], [-1.0], [-1.0], beta=1.0) == pytest.approx(1e6 - 1, rel=1e-12)
