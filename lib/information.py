"""Information measures: surprise, entropy, cross-entropy, KL divergence, perplexity, NLL (chapters 1-7).

All logarithms are natural (the answer is in nats) unless ``base=`` is given:
``base=2`` gives bits. Distributions live on the last axis, so a batch of
distributions is a 2-D array with one distribution per row.

Conventions, chosen on purpose and the same everywhere:

* ``0 * log 0 = 0``: an outcome that cannot happen costs nothing.
* ``-log 0 = +inf``: a model that gave probability 0 to what happened is
  infinitely surprised. The functions return ``inf`` rather than raising,
  because that infinity is the lesson (see chapter 1).
"""

from __future__ import annotations

import math

import numpy as np

from lib._validate import (
    as_distribution,
    as_float_array,
    as_probabilities,
    check_base,
    check_not_empty,
    mean,
    check_same_shape,
    to_output,
)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elementwise ``x * log(y)``, with ``0 * log(anything) = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x * np.log(y))


def surprise(p: object, base: float = math.e) -> float | np.ndarray:
    """Surprise (self-information) of an event of probability ``p``: ``-log p``.

    Parameters
    ----------
    p : float or array_like
        Probabilities in [0, 1].
    base : float, default math.e
        Base of the logarithm: ``math.e`` gives nats, ``2`` gives bits.

    Returns
    -------
    float or numpy.ndarray
        ``-log p``, elementwise. ``+inf`` where ``p == 0`` (on purpose:
        an event the model called impossible is infinitely surprising).

    Examples
    --------
    >>> round(surprise(0.5), 4)
    0.6931
    >>> surprise(0.5, base=2)
    1.0
    >>> surprise(0.0)
    inf
    """
    base = check_base(base)
    p = as_probabilities(p, "p")
    with np.errstate(divide="ignore"):
        result = -np.log(p) / math.log(base)
    return to_output(result + 0.0)  # + 0.0 turns -0.0 (at p = 1) into 0.0


def entropy(p: object, base: float = math.e) -> float | np.ndarray:
    """Entropy ``H(p) = -sum_k p_k log p_k`` over the last axis.

    Parameters
    ----------
    p : array_like
        A distribution (probabilities summing to 1 on the last axis), or a
        batch of them.
    base : float, default math.e
        Base of the logarithm.

    Returns
    -------
    float or numpy.ndarray
        The expected surprise; one value per distribution.

    Examples
    --------
    >>> round(entropy([0.5, 0.5], base=2), 4)
    1.0
    >>> entropy([1.0, 0.0])
    0.0
    """
    base = check_base(base)
    p = as_distribution(p, "p")
    result = -_xlogy(p, p).sum(axis=-1) / math.log(base)
    return to_output(result + 0.0)


def cross_entropy(p_data: object, p_model: object, base: float = math.e) -> float | np.ndarray:
    """Cross-entropy ``H(p_data, p_model) = -sum_k p_data_k log p_model_k`` over the last axis.

    The first argument says where the outcomes come from (the data, or a
    per-example target q); the second is the model that scores them.

    Parameters
    ----------
    p_data : array_like
        The distribution the outcomes are drawn from (the data's, or a
        target such as a one-hot vector), summing to 1 on the last axis.
    p_model : array_like
        The model's distribution, same shape as ``p_data``.
    base : float, default math.e
        Base of the logarithm.

    Returns
    -------
    float or numpy.ndarray
        The model's average surprise when outcomes are drawn from
        ``p_data``. ``+inf`` (on purpose) if the model gives 0 to an
        outcome that ``p_data`` allows.

    Examples
    --------
    >>> round(cross_entropy([0, 1, 0], [0.2, 0.5, 0.3]), 4)  # one-hot: just -log 0.5
    0.6931
    """
    base = check_base(base)
    data = as_distribution(p_data, "p_data")
    model = as_distribution(p_model, "p_model")
    check_same_shape(data, model, "p_data", "p_model")
    result = -_xlogy(data, model).sum(axis=-1) / math.log(base)
    return to_output(result + 0.0)


def kl_divergence(p_data: object, p_model: object, base: float = math.e) -> float | np.ndarray:
    """Kullback-Leibler divergence ``KL(p_data || p_model) = sum_k p_data_k log(p_data_k / p_model_k)``.

    Parameters
    ----------
    p_data, p_model, base
        As in :func:`cross_entropy`: where the outcomes come from, the
        model's distribution (same shape), and the base of the logarithm.

    Returns
    -------
    float or numpy.ndarray
        A value >= 0 (rounding error below 0 is clipped to 0), equal to 0
        when ``p_data == p_model`` and ``+inf`` if ``p_model`` gives 0
        where ``p_data`` does not. It equals
        ``cross_entropy(p_data, p_model) - entropy(p_data)``. Not
        symmetric: swapping the arguments gives another number.

    Examples
    --------
    >>> kl_divergence([0.5, 0.5], [0.5, 0.5])
    0.0
    >>> round(kl_divergence([0.5, 0.5], [0.9, 0.1]), 4)
    0.5108
    """
    base = check_base(base)
    data = as_distribution(p_data, "p_data")
    model = as_distribution(p_model, "p_model")
    check_same_shape(data, model, "p_data", "p_model")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(data == 0, 0.0, data * (np.log(data) - np.log(model)))
    result = np.maximum(terms.sum(axis=-1), 0.0) / math.log(base)
    return to_output(result)


def perplexity(mean_nll: object) -> float | np.ndarray:
    """Perplexity ``exp(mean NLL)``: the effective number of equally likely choices.

    Parameters
    ----------
    mean_nll : float or array_like
        A mean negative log-likelihood per token, in nats (>= 0). Convert
        bits first: nats = bits * ln 2.

    Returns
    -------
    float or numpy.ndarray
        ``exp(mean_nll)``; ``+inf`` for an infinite loss.

    Examples
    --------
    >>> perplexity(math.log(4))  # uniform over 4 choices
    4.0
    """
    nll_value = as_float_array(mean_nll, "mean_nll", allow_inf=True)
    if (nll_value < 0).any():
        raise ValueError(f"mean_nll must be >= 0 (a mean of -log p over probabilities), but got {nll_value.min()!r}")
    with np.errstate(over="ignore"):
        return to_output(np.exp(nll_value))


def nll(p_of_truth: object) -> float:
    """Mean negative log-likelihood: the average of ``-log p`` over examples.

    Parameters
    ----------
    p_of_truth : array_like
        For each example, the probability the model gave to what actually
        happened. Any shape; every entry counts once.

    Returns
    -------
    float
        The mean of ``-log p`` in nats; ``+inf`` if any entry is 0.

    Examples
    --------
    >>> round(nll([0.5, 0.25]), 4)  # (log 2 + log 4) / 2
    1.0397
    """
    p = as_probabilities(p_of_truth, "p_of_truth")
    check_not_empty(p, "p_of_truth")
    with np.errstate(divide="ignore"):
        return mean(-np.log(p))
