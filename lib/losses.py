"""Losses that are negative log-likelihoods of other output distributions (chapter 6).

Each function takes a batch of examples and returns the mean loss over them,
as a float, in nats.

* Bernoulli output (yes/no)              -> :func:`binary_cross_entropy`
  (or :func:`binary_cross_entropy_from_logits`)
* Gaussian output (a real number)        -> :func:`gaussian_nll`
* A preference between two answers       -> :func:`dpo_loss`
"""

from __future__ import annotations

import math

import numpy as np

from lib._validate import (
    as_float_array,
    as_probabilities,
    check_not_empty,
    check_positive_number,
    check_same_shape,
    mean,
    read_real_array,
)


def binary_cross_entropy(y: object, p_hat: object) -> float:
    """Mean binary cross-entropy ``-[y log p_hat + (1 - y) log(1 - p_hat)]``.

    Parameters
    ----------
    y : array_like
        Observed labels in [0, 1] (usually exactly 0 or 1).
    p_hat : array_like
        The model's probability that each label is 1; same shape as ``y``.

    Returns
    -------
    float
        The mean over examples, in nats; ``+inf`` if the model gave
        probability 0 to a label that occurred.

    Examples
    --------
    >>> round(binary_cross_entropy([1, 0], [0.9, 0.2]), 4)  # (-log 0.9 - log 0.8) / 2
    0.1643
    """
    y = as_probabilities(y, "y")
    p = as_probabilities(p_hat, "p_hat")
    check_same_shape(y, p, "y", "p_hat")
    check_not_empty(y, "y")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.where(y == 0, 0.0, y * np.log(p))
        log_not_p = np.where(y == 1, 0.0, (1 - y) * np.log1p(-p))
    return mean(-(log_p + log_not_p))


def binary_cross_entropy_from_logits(y: object, logits: object) -> float:
    """Mean binary cross-entropy from a logit ``s`` instead of a probability, stably.

    With ``p_hat = sigmoid(s)``, the loss ``-[y log p_hat + (1 - y) log(1 - p_hat)]``
    simplifies to ``log(1 + e^s) - y s``, computed as
    ``max(s, 0) - y s + log1p(e^-|s|)``: no sigmoid is ever rounded to exactly
    0 or 1, so no ``log 0`` can occur, and a right, confident answer (y = 1,
    s = 40) keeps its tiny loss ``e^-40`` instead of cancelling to 0.
    Matches ``torch.nn.functional.binary_cross_entropy_with_logits``.

    Parameters
    ----------
    y : array_like
        Observed labels in [0, 1].
    logits : array_like
        The model's logits (any real numbers); same shape as ``y``.

    Returns
    -------
    float
        The mean over examples, in nats.

    Examples
    --------
    >>> round(binary_cross_entropy_from_logits([1], [0.0]), 4)  # sigmoid(0) = 0.5
    0.6931
    >>> binary_cross_entropy_from_logits([1], [-800.0])  # finite, unlike log(sigmoid(-800))
    800.0
    """
    y = as_probabilities(y, "y")
    s = as_float_array(logits, "logits")
    check_same_shape(y, s, "y", "logits")
    check_not_empty(y, "y")
    return mean(np.maximum(s, 0.0) - y * s + np.log1p(np.exp(-np.abs(s))))


def gaussian_nll(y: object, mu: object, sigma: object) -> float:
    """Mean negative log-likelihood of ``y`` under ``Normal(mu, sigma**2)``.

    The full expression, constant included:
    ``(y - mu)**2 / (2 sigma**2) + log(sigma) + 0.5 * log(2 pi)``,
    which equals ``(y - mu)**2 / (2 sigma**2) + 0.5 * log(2 pi sigma**2)``.

    Parameters
    ----------
    y : array_like
        Observed values.
    mu : array_like
        The model's predicted means; same shape as ``y``.
    sigma : float or array_like
        Standard deviations, > 0 and finite: one for all examples (a
        number or a 0-d array), or one per example (same shape as ``y``).

    Returns
    -------
    float
        The mean over examples, in nats. Computed as
        ``0.5 * ((y - mu) / sigma)**2 + ...``, scaled before squaring, so it
        stays right for any sigma from 1e-300 to 1e300; ``+inf`` only when
        the true loss is beyond float64's range (about 1.8e308).

    Examples
    --------
    >>> round(gaussian_nll([0.0], [0.0], 1.0), 4)  # 0.5 * log(2 pi)
    0.9189
    >>> round(gaussian_nll([2.0], [2.0], 1e-200), 3)  # tiny sigma: no 0/0
    -459.598
    """
    y = as_float_array(y, "y")
    mu = as_float_array(mu, "mu")
    check_same_shape(y, mu, "y", "mu")
    s = read_real_array(sigma, "sigma")
    if s.ndim == 0:  # a Python or numpy number, or a 0-d array: one sigma for all examples
        s = np.float64(check_positive_number(s, "sigma"))
    else:
        s = as_float_array(s, "sigma")
        check_same_shape(y, s, "y", "sigma")
        if (s <= 0).any():
            raise ValueError(f"sigma must be > 0 everywhere, but its smallest entry is {s.min()!r}")
    check_not_empty(y, "y")
    with np.errstate(over="ignore"):
        # Scale before squaring: (y - mu)**2 and sigma**2 separately under- or overflow for
        # sigma below ~1e-154 or above ~1e154 and give 0/0 = nan. Where y - mu itself
        # overflows, halve both first (exact) and double after dividing by sigma.
        diff = y.astype(np.float64) - mu
        z = diff / s
        if not np.isfinite(diff).all():
            z = np.where(np.isfinite(diff), z, (0.5 * y - 0.5 * mu) / s * 2.0)
        per_example = 0.5 * z * z + np.log(s) + 0.5 * math.log(2 * math.pi)
    return mean(per_example)


def dpo_loss(
    policy_chosen_logp: object,
    policy_rejected_logp: object,
    ref_chosen_logp: object,
    ref_rejected_logp: object,
    beta: float = 0.1,
) -> float:
    """Mean Direct Preference Optimization loss (Rafailov et al., 2023).

    With the implicit reward ``r = beta * (log pi_theta(y|x) - log pi_ref(y|x))``
    and the Bradley-Terry model ``P(chosen beats rejected) = sigmoid(r_c - r_r)``,
    the loss is ``-log sigmoid(r_c - r_r)`` averaged over pairs.

    Parameters
    ----------
    policy_chosen_logp, policy_rejected_logp : array_like
        Log-probabilities (<= 0) of the preferred and the rejected answer
        under the model being trained; one entry per preference pair.
    ref_chosen_logp, ref_rejected_logp : array_like
        The same two log-probabilities under the frozen reference model.
    beta : float, default 0.1
        How strongly the policy is tied to the reference (> 0).

    Returns
    -------
    float
        The mean loss over pairs, in nats; ``log 2`` when the policy equals
        the reference.

    Examples
    --------
    >>> round(dpo_loss([-1.0], [-1.0], [-1.0], [-1.0]), 4)  # log 2
    0.6931
    """
    names = ["policy_chosen_logp", "policy_rejected_logp", "ref_chosen_logp", "ref_rejected_logp"]
    values = [policy_chosen_logp, policy_rejected_logp, ref_chosen_logp, ref_rejected_logp]
    arrays = [as_float_array(v, name) for v, name in zip(values, names)]
    for arr, name in zip(arrays[1:], names[1:]):
        check_same_shape(arrays[0], arr, names[0], name)
    for arr, name in zip(arrays, names):
        if (arr > 0).any():
            raise ValueError(f"{name} must be log-probabilities (<= 0), but it contains {arr.max()!r}")
    check_not_empty(arrays[0], names[0], "preference pair")
    beta = check_positive_number(beta, "beta")
    pc, pr, rc, rr = arrays
    with np.errstate(over="ignore"):  # a margin beyond float64's range is an infinite loss, not an error
        margin = beta * ((pc - rc) - (pr - rr))
        return mean(np.logaddexp(0.0, -margin))  # -log sigmoid(m) = log(1 + e^-m)
