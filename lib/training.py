"""Training a model with -log p: a logit table and its gradient, from counts (chapter 7).

A character (or token) n-gram model with learnable parameters is a table of
logits ``W``: one row per context (the previous ``n - 1`` tokens, read as one
base-V number), one column per next token, ``p_theta(c | context) =
softmax(W[context])[c]``. Its loss on a text depends on the text only through
the **counts** ``C[context, c]`` (how often ``c`` followed ``context``,
:func:`lib.ngram.ngram_counts`), so every function here works on a count
table: one pass over the text, then each training step costs one softmax of
the table, however long the text is.

The gradient of the mean -log p is chapter 4's ``p - q`` summed over examples:
row ``a`` gets ``(n_a * softmax(W[a]) - C[a]) / N``, with ``n_a`` the number of
times context ``a`` occurred and ``N`` the number of predicted tokens. No
autograd library is involved. Chapter 1's bounded penalty ``1 - p`` has its
loss and gradient here too, to train with it and watch what goes wrong.

Natural logarithms (nats).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lib._validate import as_table_and_counts
from lib.logits import log_softmax

__all__ = [
    "TrainingRun",
    "mean_nll",
    "nll_gradient",
    "one_minus_p_gradient",
    "one_minus_p_loss",
    "train_logit_table",
]


def mean_nll(logits: object, counts: object) -> float:
    """Mean -log p per predicted character, in nats, from a logit table and counts.

    ``-sum(C * log_softmax(W)) / sum(C)``: exactly the mean NLL over the text
    the counts came from. Stable for any finite logits (log-sum-exp).

    Examples
    --------
    >>> round(mean_nll([[0.0, 0.0]], [[3, 1]]), 4)  # uniform over 2: log 2
    0.6931
    """
    w, c = as_table_and_counts(logits, counts)
    return float(-np.sum(c * log_softmax(w)) / c.sum())


def nll_gradient(logits: object, counts: object) -> np.ndarray:
    """Gradient of :func:`mean_nll` with respect to every logit: ``(n_a p_a - C_a) / N``.

    It is chapter 4's ``p - q`` summed over the ``n_a`` examples with context
    ``a`` (each contributes ``softmax(W[a]) - e_y``), divided by ``N``.

    Examples
    --------
    >>> nll_gradient([[0.0, 0.0]], [[3, 1]])  # (4 * [0.5, 0.5] - [3, 1]) / 4
    array([[-0.25,  0.25]])
    """
    w, c = as_table_and_counts(logits, counts)
    p = np.exp(log_softmax(w))
    return (c.sum(axis=1, keepdims=True) * p - c) / c.sum()


def one_minus_p_loss(logits: object, counts: object) -> float:
    """Chapter 1's bounded penalty, averaged: ``mean(1 - p_theta(y))``.

    Examples
    --------
    >>> one_minus_p_loss([[0.0, 0.0]], [[3, 1]])
    0.5
    """
    w, c = as_table_and_counts(logits, counts)
    return float(1.0 - np.sum(c * np.exp(log_softmax(w))) / c.sum())


def one_minus_p_gradient(logits: object, counts: object) -> np.ndarray:
    """Gradient of :func:`one_minus_p_loss`: each example contributes ``p_y (p - e_y)``.

    The same ``p - q`` as -log p, but weighted by ``p_y``, the probability the
    model already gives the truth: examples the model gets badly wrong barely
    push at all.

    Examples
    --------
    >>> one_minus_p_gradient([[0.0, 0.0]], [[3, 1]])  # 0.5 * (-0.25, 0.25)
    array([[-0.125,  0.125]])
    """
    w, c = as_table_and_counts(logits, counts)
    p = np.exp(log_softmax(w))
    weighted = np.sum(c * p, axis=1, keepdims=True)  # sum over examples of p_y, per context
    return (weighted * p - c * p) / c.sum()


class TrainingRun(NamedTuple):
    """What :func:`train_logit_table` returns.

    ``logits`` is the table kept (the one with the lowest validation loss when
    validation counts were given, else the last); ``train_nll`` and
    ``validation_nll`` hold the mean -log p in nats before every step and after
    the last one; ``best_step`` is the step whose table was kept.
    """

    logits: np.ndarray
    train_nll: np.ndarray
    validation_nll: np.ndarray
    best_step: int


_GRADIENTS = {"nll": nll_gradient, "one_minus_p": one_minus_p_gradient}


def _softmax_parts(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise softmax of a finite table, with the pieces of its log: ``log p = shifted - log_total``."""
    shifted = w - w.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    return e / total, shifted, np.log(total)


def _fast_gradient(loss: str, p: np.ndarray, c: np.ndarray, n_total: float) -> np.ndarray:
    """:func:`nll_gradient` or :func:`one_minus_p_gradient` from probabilities, without checks."""
    if loss == "nll":
        return (c.sum(axis=1, keepdims=True) * p - c) / n_total
    return (np.sum(c * p, axis=1, keepdims=True) * p - c * p) / n_total


def train_logit_table(
    train_counts: object,
    *,
    steps: int,
    learning_rate: float,
    weight_decay: float = 0.0,
    loss: str = "nll",
    validation_counts: object | None = None,
    patience: int | None = None,
    logits: object | None = None,
    per_context: bool = True,
) -> TrainingRun:
    """Full-batch gradient descent on a logit table, from counts.

    Minimises the mean loss plus ``weight_decay / 2 * sum(W ** 2)``.

    The rows of ``W`` never interact: the mean -log p is a sum over contexts
    ``a`` of ``n_a / N`` times that context's own cross-entropy
    ``H(q_a, softmax(W[a]))``, with ``q_a`` the row's normalised counts. Plain
    gradient descent therefore moves each row at a speed proportional to how
    often its context occurs, so rare contexts take forever. With
    ``per_context=True`` (the default) each row's step is multiplied by
    ``N / n_a``, which makes the update of row ``a`` exactly chapter 4's
    ``p - q`` with ``q = q_a``: a diagonal preconditioner, the same minimum,
    reached in far fewer steps. Rows whose context never occurs stay put.

    A step is ``W <- (W - lr * s * g) / (1 + lr * s * weight_decay)``, with
    ``g`` the gradient of the mean loss and ``s`` the row's step multiplier
    (1 when ``per_context=False``): the decay is applied implicitly, which has
    the same fixed point as ``W -= lr * s * (g + weight_decay * W)`` and never
    overshoots.

    Parameters
    ----------
    train_counts : array_like, shape (contexts, V)
        Count table of the training text (:func:`lib.ngram.ngram_counts`).
    steps : int
        Largest number of gradient steps.
    learning_rate : float
        Step size.
    weight_decay : float, default 0
        L2 penalty on the logits; it pulls every row towards uniform.
    loss : {"nll", "one_minus_p"}
        The training loss: mean -log p, or chapter 1's mean 1 - p.
    validation_counts : array_like, optional
        Count table of validation text. If given, the table with the lowest
        validation NLL is returned (early stopping).
    patience : int, optional
        Stop once the validation NLL has not improved for this many steps.
    logits : array_like, optional
        Starting table; zeros (every prediction uniform) by default.
    per_context : bool, default True
        Scale each row's step by ``N / n_a`` (see above); ``False`` is plain
        gradient descent on the mean loss.

    Returns
    -------
    TrainingRun

    Examples
    --------
    >>> run = train_logit_table([[3.0, 1.0]], steps=100, learning_rate=2.0)
    >>> np.exp(log_softmax(run.logits)).round(3)  # the counts, normalised
    array([[0.75, 0.25]])
    """
    c = np.asarray(train_counts, dtype=np.float64)
    w = np.zeros_like(c) if logits is None else np.array(logits, dtype=np.float64)
    as_table_and_counts(w, c)
    if loss not in _GRADIENTS:
        raise ValueError(f"loss must be one of {sorted(_GRADIENTS)}, not {loss!r}")
    val = None if validation_counts is None else as_table_and_counts(w, validation_counts)[1]
    train_hist, val_hist = [mean_nll(w, c)], [] if val is None else [mean_nll(w, val)]
    best_w, best_step = w.copy(), 0
    if per_context:
        n = c.sum(axis=1, keepdims=True)
        scale = np.where(n > 0, c.sum() / np.maximum(n, 1.0), 0.0)
    else:
        scale = np.ones((len(c), 1))
    step_size = learning_rate * scale
    shrink = 1.0 + step_size * weight_decay
    n_train = c.sum()
    n_val = None if val is None else val.sum()
    decays = bool(np.any(shrink != 1.0))
    if loss == "nll":  # the step is -step_size * (n_a p_a - C_a) / N: fold the constants in once
        push_p = step_size * c.sum(axis=1, keepdims=True) / n_train
        push_c = step_size * c / n_train
    n_rows = c.sum(axis=1)
    n_val_rows = None if val is None else val.sum(axis=1)
    p, shifted, log_total = _softmax_parts(w)
    for step in range(1, int(steps) + 1):
        if loss == "nll":
            w = w - push_p * p
            w += push_c
        else:
            w = w - step_size * _fast_gradient(loss, p, c, n_train)
        if decays:
            w /= shrink
        p, shifted, log_total = _softmax_parts(w)
        # sum(C * log p) without forming log p: sum(C * shifted) - sum_a n_a log(total_a)
        train_hist.append(float(np.sum(n_rows * log_total[:, 0]) - np.einsum("ij,ij->", c, shifted)) / n_train)
        if val is None:
            continue
        val_hist.append(float(np.sum(n_val_rows * log_total[:, 0]) - np.einsum("ij,ij->", val, shifted)) / n_val)
        if val_hist[-1] < val_hist[best_step]:
            best_w, best_step = w.copy(), step
        elif patience is not None and step - best_step >= patience:
            break
    if val is None:
        best_w, best_step = w, len(train_hist) - 1
    return TrainingRun(best_w, np.array(train_hist), np.array(val_hist), best_step)


#: Where the rest of the old ``lib.training`` went (until 2026-12-06 it held six ideas), so that a
#: notebook saved before the move fails with the new import instead of a bare AttributeError.
_MOVED = {
    **dict.fromkeys(["ReliabilityBins", "brier_score", "expected_calibration_error", "fit_temperature",
                     "reliability_bins", "top_label_calibration"], "lib.calibration"),
    **dict.fromkeys(["conditional_entropy", "expected_nll", "sample_markov", "sample_text",
                     "stationary_distribution"], "lib.markov"),
    **dict.fromkeys(["code_length_bits", "range_decode", "range_encode"], "lib.coding"),
    "ngram_counts": "lib.ngram",
}


def __getattr__(name: str) -> object:
    if name == "ngram_rows":
        raise AttributeError("lib.training.ngram_rows is gone: from lib.ngram import fit_ngram, then "
                             "fit_ngram(train_codes, order, alpha, vocabulary_size=V).distributions(codes) "
                             "gives the same rows")
    if name in _MOVED:
        raise AttributeError(f"lib.training.{name} has moved: from {_MOVED[name]} import {name}")
    raise AttributeError(f"module 'lib.training' has no attribute {name!r}")
