"""Calibration: do a model's probabilities match how often it is right? (chapter 7)

A model is calibrated when, among the predictions it makes with confidence
0.8, about 80% are right. Here: reliability bins and the expected calibration
error (ECE), the top-choice predictions of an n-gram logit table, the Brier
score (a proper scoring rule on the whole distribution), and temperature
scaling, one number fitted on validation text that rescales every logit.

Natural logarithms (nats).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lib._validate import as_table_and_counts
from lib.logits import log_softmax
from lib.training import mean_nll

__all__ = [
    "ReliabilityBins",
    "brier_score",
    "expected_calibration_error",
    "fit_temperature",
    "reliability_bins",
    "top_label_calibration",
]


class ReliabilityBins(NamedTuple):
    """Predictions grouped by confidence: per bin, the mean confidence, the
    accuracy (fraction correct) and the share of all predictions it holds.
    Empty bins have ``nan`` confidence and accuracy and zero share."""

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    share: np.ndarray


def reliability_bins(confidence: object, correct: object, weights: object | None = None,
                     n_bins: int = 10) -> ReliabilityBins:
    """Bin predictions by confidence into ``n_bins`` equal-width bins on [0, 1].

    Parameters
    ----------
    confidence : array_like
        The probability each prediction gave its top choice.
    correct : array_like
        1 where the top choice was right, 0 where not (or, with weights, the
        fraction of the weighted predictions that were right).
    weights : array_like, optional
        How many predictions each entry stands for (default 1 each).
    n_bins : int, default 10

    Examples
    --------
    >>> bins = reliability_bins([0.9, 0.9, 0.3], [1, 0, 0], n_bins=2)
    >>> bins.confidence, bins.accuracy, bins.share.round(3)
    (array([0.3, 0.9]), array([0. , 0.5]), array([0.333, 0.667]))
    """
    conf = np.asarray(confidence, dtype=np.float64).ravel()
    acc = np.asarray(correct, dtype=np.float64).ravel()
    wts = np.ones_like(conf) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if not conf.shape == acc.shape == wts.shape:
        raise ValueError("confidence, correct and weights must have the same length")
    if conf.size and (conf.min() < 0 or conf.max() > 1):
        raise ValueError("confidence must lie in [0, 1]")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, n_bins - 1)  # 1.0 joins the last bin
    total = np.bincount(index, weights=wts, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.bincount(index, weights=wts * conf, minlength=n_bins) / total
        mean_acc = np.bincount(index, weights=wts * acc, minlength=n_bins) / total
    return ReliabilityBins(edges, mean_conf, mean_acc, total / wts.sum())


def expected_calibration_error(confidence: object, correct: object, weights: object | None = None,
                               n_bins: int = 10) -> float:
    """ECE: the share-weighted mean of ``|accuracy - confidence|`` over the bins.

    0 for a model whose confidence, bin by bin, matches how often it is right
    (Guo et al., 2017, with equal-width bins).

    Examples
    --------
    >>> expected_calibration_error([0.8] * 5, [1, 1, 1, 1, 0])  # 80% sure, 80% right
    0.0
    >>> round(expected_calibration_error([0.9] * 2, [1, 0]), 3)  # 90% sure, 50% right
    0.4
    """
    bins = reliability_bins(confidence, correct, weights, n_bins)
    keep = bins.share > 0
    return float(np.sum(bins.share[keep] * np.abs(bins.accuracy[keep] - bins.confidence[keep])))


def top_label_calibration(logits: object, counts: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Confidence, accuracy and weight of an n-gram table's top-choice predictions.

    Every position with context ``a`` gets the same prediction, so a whole
    row of counts is summarised at once: the confidence is the largest
    probability in row ``a``, the accuracy is the fraction of those positions
    where that character really came next, and the weight is their number.
    Feed the three to :func:`reliability_bins` or :func:`expected_calibration_error`.

    Examples
    --------
    >>> conf, acc, n = top_label_calibration([[2.0, 0.0]], [[3, 1]])
    >>> conf.round(3), acc, n
    (array([0.881]), array([0.75]), array([4.]))
    """
    w, c = as_table_and_counts(logits, counts)
    p = np.exp(log_softmax(w))
    top = np.argmax(p, axis=1)
    rows = np.arange(len(w))
    n = c.sum(axis=1)
    seen = n > 0
    return p[rows, top][seen], c[rows, top][seen] / n[seen], n[seen]


def fit_temperature(logits: object, counts: object, bounds: tuple[float, float] = (0.05, 20.0),
                    tolerance: float = 1e-6) -> float:
    """The temperature ``T`` minimising the mean NLL of ``softmax(W / T)`` on ``counts``.

    Temperature scaling (Guo et al., 2017): one number, fitted on validation
    text, rescales every logit. The NLL is convex in ``1 / T``, so a golden-
    section search on ``log T`` finds the minimum.

    Examples
    --------
    >>> round(fit_temperature([[2.0, 0.0]], [[3, 1]]), 3)  # softmax(2/T) = 0.75
    1.82
    """
    w, c = as_table_and_counts(logits, counts)
    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    golden = (math.sqrt(5) - 1) / 2

    def f(log_t: float) -> float:
        return mean_nll(w / math.exp(log_t), c)

    a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
    fa, fb = f(a), f(b)
    while hi - lo > tolerance:
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - golden * (hi - lo)
            fa = f(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + golden * (hi - lo)
            fb = f(b)
    return math.exp((lo + hi) / 2)


def brier_score(logits: object, counts: object) -> float:
    """Mean Brier score ``sum_k (p_k - e_y,k) ** 2`` per predicted character.

    A proper scoring rule on the whole distribution (0 is perfect, 2 the
    worst): it compares every probability, not just the top choice's.

    Examples
    --------
    >>> brier_score([[0.0, 0.0]], [[3, 1]])  # (0.5 - 1)^2 + 0.5^2 = 0.5 each
    0.5
    """
    w, c = as_table_and_counts(logits, counts)
    p = np.exp(log_softmax(w))
    n = c.sum(axis=1)
    return float((np.sum(n * np.sum(p * p, axis=1)) - 2 * np.sum(c * p) + n.sum()) / c.sum())
