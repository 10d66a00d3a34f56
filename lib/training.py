"""Training character models with -log p, and measuring what comes out (chapter 7).

A character n-gram model with learnable parameters is a table of logits ``W``:
one row per context (the previous ``n - 1`` characters, read as one base-V
number), one column per next character, ``p_theta(c | context) =
softmax(W[context])[c]``. Its loss on a text depends on the text only through
the **counts** ``C[context, c]`` (how often ``c`` followed ``context``), so every
function here works on a count table: one pass over the text, then each
training step costs one softmax of the table, however long the text is.

The gradient of the mean -log p is chapter 4's ``p - q`` summed over examples:
row ``a`` gets ``(n_a * softmax(W[a]) - C[a]) / N``, with ``n_a`` the number of
times context ``a`` occurred and ``N`` the number of predicted characters. No
autograd library is involved.

Also here: reliability bins and the expected calibration error (ECE),
temperature scaling, seeded sampling at a temperature, a Markov source whose
entropy rate is known exactly, and a real entropy coder (``constriction``)
that turns the model's probabilities into a compressed file.

Natural logarithms (nats) unless a name says bits.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lib.logits import log_softmax

__all__ = [
    "ReliabilityBins",
    "TrainingRun",
    "code_length_bits",
    "conditional_entropy",
    "expected_calibration_error",
    "brier_score",
    "expected_nll",
    "fit_temperature",
    "mean_nll",
    "ngram_rows",
    "ngram_counts",
    "nll_gradient",
    "one_minus_p_gradient",
    "one_minus_p_loss",
    "range_decode",
    "range_encode",
    "reliability_bins",
    "sample_markov",
    "sample_text",
    "stationary_distribution",
    "top_label_calibration",
    "train_logit_table",
]


# --------------------------------------------------------------------------- counts


def ngram_counts(codes: object, order: int, vocabulary_size: int, start: int | None = None) -> np.ndarray:
    """The count table ``C[context, c]`` of an order-``order`` character model.

    Parameters
    ----------
    codes : array_like of int, shape (T,) or (passages, T)
        The text as character indices in ``[0, vocabulary_size)``; a 2-D
        array holds several independent passages (no pair spans two).
    order : int
        1 for a unigram model (one context), 2 for a bigram, 3 for a trigram...
    vocabulary_size : int
        V, the number of distinct characters.
    start : int, optional
        First position to predict in each passage; by default ``order - 1``
        (the first position with a full context). Pass the same ``start`` to
        models of different orders to score them on exactly the same characters.

    Returns
    -------
    numpy.ndarray, shape (V ** (order - 1), V)
        Row = context as a base-V number of the previous ``order - 1``
        characters, column = next character. ``C.sum()`` is the number of
        predicted characters.

    Examples
    --------
    >>> ngram_counts([0, 1, 0, 1], order=2, vocabulary_size=2)
    array([[0., 2.],
           [1., 0.]])
    >>> ngram_counts([0, 1, 0, 1], order=1, vocabulary_size=2, start=1)
    array([[1., 2.]])
    """
    codes = np.atleast_2d(np.asarray(codes, dtype=np.int64))
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be a whole number >= 1, but got {order!r}")
    v = int(vocabulary_size)
    if codes.size and (codes.min() < 0 or codes.max() >= v):
        raise ValueError(f"codes must lie in [0, {v - 1}]")
    start = order - 1 if start is None else int(start)
    if start < order - 1:
        raise ValueError(f"start must be at least order - 1 = {order - 1}")
    length = codes.shape[1] - start
    if length <= 0:
        raise ValueError("the text is too short to predict any character")
    context = np.zeros((codes.shape[0], length), dtype=np.int64)
    for j in range(order - 1):  # a loop over the context slots, never over the text
        offset = start - (order - 1) + j
        context = context * v + codes[:, offset:offset + length]
    keys = context * v + codes[:, start:]
    return np.bincount(keys.ravel(), minlength=v ** order).reshape(v ** (order - 1), v).astype(np.float64)


# --------------------------------------------------------------------------- losses and gradients


def _check_table(logits: object, counts: object) -> tuple[np.ndarray, np.ndarray]:
    w = np.asarray(logits, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    if w.ndim != 2 or w.shape != c.shape:
        raise ValueError(f"logits and counts must be tables of the same shape, got {w.shape} and {c.shape}")
    if c.sum() <= 0:
        raise ValueError("counts are all zero: there is nothing to score")
    return w, c


def mean_nll(logits: object, counts: object) -> float:
    """Mean -log p per predicted character, in nats, from a logit table and counts.

    ``-sum(C * log_softmax(W)) / sum(C)``: exactly the mean NLL over the text
    the counts came from. Stable for any finite logits (log-sum-exp).

    Examples
    --------
    >>> round(mean_nll([[0.0, 0.0]], [[3, 1]]), 4)  # uniform over 2: log 2
    0.6931
    """
    w, c = _check_table(logits, counts)
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
    w, c = _check_table(logits, counts)
    p = np.exp(log_softmax(w))
    return (c.sum(axis=1, keepdims=True) * p - c) / c.sum()


def brier_score(logits: object, counts: object) -> float:
    """Mean Brier score ``sum_k (p_k - e_y,k) ** 2`` per predicted character.

    A proper scoring rule on the whole distribution (0 is perfect, 2 the
    worst): it compares every probability, not just the top choice's.

    Examples
    --------
    >>> brier_score([[0.0, 0.0]], [[3, 1]])  # (0.5 - 1)^2 + 0.5^2 = 0.5 each
    0.5
    """
    w, c = _check_table(logits, counts)
    p = np.exp(log_softmax(w))
    n = c.sum(axis=1)
    return float((np.sum(n * np.sum(p * p, axis=1)) - 2 * np.sum(c * p) + n.sum()) / c.sum())


def one_minus_p_loss(logits: object, counts: object) -> float:
    """Chapter 1's bounded penalty, averaged: ``mean(1 - p_theta(y))``.

    Examples
    --------
    >>> one_minus_p_loss([[0.0, 0.0]], [[3, 1]])
    0.5
    """
    w, c = _check_table(logits, counts)
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
    w, c = _check_table(logits, counts)
    p = np.exp(log_softmax(w))
    weighted = np.sum(c * p, axis=1, keepdims=True)  # sum over examples of p_y, per context
    return (weighted * p - c * p) / c.sum()


# --------------------------------------------------------------------------- training


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
        Count table of the training text (:func:`ngram_counts`).
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
    _check_table(w, c)
    if loss not in _GRADIENTS:
        raise ValueError(f"loss must be one of {sorted(_GRADIENTS)}, not {loss!r}")
    val = None if validation_counts is None else _check_table(w, validation_counts)[1]
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


# --------------------------------------------------------------------------- calibration


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
    w, c = _check_table(logits, counts)
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
    w, c = _check_table(logits, counts)
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


# --------------------------------------------------------------------------- sampling


def _order_of(table: np.ndarray) -> int:
    contexts, v = table.shape
    order = 1 + round(math.log(contexts, v)) if contexts > 1 else 1
    if v ** (order - 1) != contexts:
        raise ValueError(f"a table with {contexts} rows and {v} columns is not an n-gram table")
    return order


def sample_text(logits: object, alphabet: str, length: int, *, temperature: float = 1.0,
                seed: int = 0, start: str = "") -> str:
    """Generate ``length`` characters from an n-gram logit table at a temperature, seeded.

    Each next character is drawn from ``softmax(W[context] / temperature)``:
    below 1 the distribution sharpens (safer, more repetitive text), above 1
    it flattens (more surprising text). ``start`` gives the first context
    (``order - 1`` characters); the result includes it.

    Examples
    --------
    >>> sample_text([[0.0, 9.0], [9.0, 0.0]], "ab", 6, start="a")  # a -> b -> a ...
    'ababab'
    """
    w = np.asarray(logits, dtype=np.float64)
    order = _order_of(w)
    v = len(alphabet)
    if w.shape[1] != v:
        raise ValueError(f"the table has {w.shape[1]} columns but the alphabet {v} characters")
    if len(start) != order - 1:
        raise ValueError(f"start must have order - 1 = {order - 1} characters")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, not {temperature}")
    cumulative = np.cumsum(np.exp(log_softmax(w / temperature)), axis=1)
    rng = np.random.default_rng(seed)
    index = {ch: i for i, ch in enumerate(alphabet)}
    context = 0
    for ch in start:
        context = context * v + index[ch]
    out = list(start)
    for u in rng.random(length - len(start)):
        row = cumulative[context]
        nxt = min(int(np.searchsorted(row, u * row[-1], side="right")), v - 1)
        out.append(alphabet[nxt])
        context = (context * v + nxt) % w.shape[0] if order > 1 else 0
    return "".join(out)


# --------------------------------------------------------------------------- a source with a known entropy rate


def stationary_distribution(transitions: object, tolerance: float = 1e-13, max_iterations: int = 10_000) -> np.ndarray:
    """Long-run share of each context of a Markov source over characters.

    ``transitions[a, c]`` is the probability that character ``c`` follows
    context ``a`` (an n-gram table of probabilities, rows summing to 1). The
    next context is the old one shifted by ``c``; power iteration runs that
    shift until the shares stop changing.

    Examples
    --------
    >>> stationary_distribution([[0.9, 0.1], [0.5, 0.5]]).round(4)
    array([0.8333, 0.1667])
    """
    p = np.asarray(transitions, dtype=np.float64)
    contexts, v = p.shape
    _order_of(p)
    pi = np.full(contexts, 1.0 / contexts)
    shaped = p.reshape(v, contexts // v, v) if contexts > 1 else None
    if shaped is None:
        return pi
    for _ in range(max_iterations):
        new = np.einsum("ar,arc->rc", pi.reshape(v, -1), shaped).ravel()
        if np.abs(new - pi).sum() < tolerance:
            return new
        pi = new
    raise RuntimeError("the source did not settle: is it periodic, or is some context unreachable?")


def _joint(transitions: np.ndarray, model_order: int) -> np.ndarray:
    """Long-run share of each (last model_order - 1 characters, next character) pair."""
    p = np.asarray(transitions, dtype=np.float64)
    contexts, v = p.shape
    order = _order_of(p)
    if not 1 <= model_order <= order:
        raise ValueError(f"model_order must lie between 1 and the source's order {order}")
    joint = stationary_distribution(p)[:, None] * p  # (context, next)
    drop = order - model_order  # oldest context characters the model does not see
    return joint.reshape(v ** drop, -1).sum(axis=0).reshape(v ** (model_order - 1), v)


def conditional_entropy(transitions: object, model_order: int | None = None) -> float:
    """Entropy of the next character given the previous ``model_order - 1``, in nats.

    With ``model_order`` equal to the source's own order this is the
    source's **entropy rate**, the floor under any model's expected loss;
    with a shorter context it is the floor of a model that sees only that
    much (higher: less context, less predictable).

    Examples
    --------
    >>> round(conditional_entropy([[0.9, 0.1], [0.5, 0.5]]), 4)  # 5/6 H(0.9) + 1/6 log 2
    0.3864
    >>> round(conditional_entropy([[0.9, 0.1], [0.5, 0.5]], model_order=1), 4)  # H(5/6, 1/6)
    0.4506
    """
    p = np.asarray(transitions, dtype=np.float64)
    joint = _joint(p, _order_of(p) if model_order is None else model_order)
    marginal = joint.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(joint > 0, joint * np.log(joint / marginal), 0.0)
    return float(-terms.sum())


def expected_nll(transitions: object, logits: object) -> float:
    """A model's expected -log p per character on endless text from the source, in nats.

    The held-out loss with infinitely much held-out text: the cross-entropy
    rate, equal to the model's floor (:func:`conditional_entropy` at its
    order) plus a KL divergence.

    Examples
    --------
    >>> src = [[0.9, 0.1], [0.5, 0.5]]
    >>> round(expected_nll(src, np.log(src)), 4)  # the source itself: its entropy rate
    0.3864
    """
    w = np.asarray(logits, dtype=np.float64)
    joint = _joint(np.asarray(transitions, dtype=np.float64), _order_of(w))
    if joint.shape != w.shape:
        raise ValueError(f"logits of shape {w.shape} do not fit the source's alphabet")
    return float(-np.sum(joint * log_softmax(w)))


def sample_markov(transitions: object, passages: int, length: int, seed: int = 0) -> np.ndarray:
    """Sample ``passages`` independent passages of ``length`` characters from the source.

    Each passage starts from a context drawn from the stationary distribution,
    so every position is distributed as in the long run. Vectorised over
    passages: the Python loop runs over positions only.

    Returns
    -------
    numpy.ndarray of int, shape (passages, length)
        Character indices; the first ``order - 1`` columns are the start context.

    Examples
    --------
    >>> sample_markov([[0.0, 1.0], [1.0, 0.0]], passages=2, length=4, seed=1).tolist()
    [[1, 0, 1, 0], [1, 0, 1, 0]]
    """
    p = np.asarray(transitions, dtype=np.float64)
    contexts, v = p.shape
    order = _order_of(p)
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(p, axis=1)
    pi = stationary_distribution(p)
    context = rng.choice(contexts, size=passages, p=pi / pi.sum())
    out = np.empty((passages, length), dtype=np.int64)
    for j in range(order - 1):  # spell the start context out, oldest character first
        out[:, j] = (context // v ** (order - 2 - j)) % v
    for t in range(order - 1, length):
        u = rng.random(passages) * cumulative[context, -1]
        nxt = np.minimum((cumulative[context] <= u[:, None]).sum(axis=1), v - 1)
        out[:, t] = nxt
        context = (context * v + nxt) % contexts if order > 1 else context
    return out


# --------------------------------------------------------------------------- coding


def ngram_rows(train_codes: object, codes: object, order: int, vocabulary_size: int,
               alpha: float) -> np.ndarray:
    """An add-α order-``order`` count model's distribution at every position of ``codes``.

    Row ``i`` is ``(C[ctx_i] + alpha) / (n_ctx_i + alpha * V)``, with the counts
    taken from ``train_codes`` and ``ctx_i`` the ``order - 1`` characters before
    position ``i + order - 1`` of ``codes`` (uniform where the context never
    occurred in training): the same probabilities as
    ``lib.ngram.fit_char_ngram(..., alpha=alpha)``, as a dense table an entropy
    coder can use. Only the contexts that occur in ``codes`` are expanded, so
    long contexts cost no ``V ** order`` table.

    Returns
    -------
    numpy.ndarray, shape (len(codes) - order + 1, V)

    Examples
    --------
    >>> ngram_rows([0, 1, 0, 1], [0, 1, 1], order=2, vocabulary_size=2, alpha=1.0)
    array([[0.25      , 0.75      ],
           [0.66666667, 0.33333333]])

    (After 0 training saw 1 twice: (0 + 1) / (2 + 2) and (2 + 1) / (2 + 2);
    after 1 it saw 0 once: (1 + 1) / (1 + 2) and (0 + 1) / (1 + 2).)
    """
    v, order = int(vocabulary_size), int(order)

    def keys(x: object) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=np.int64)
        if len(x) < order:
            raise ValueError(f"a text needs at least order = {order} characters")
        context = np.zeros(len(x) - order + 1, dtype=np.int64)
        for j in range(order - 1):
            context = context * v + x[j:j + len(context)]
        return context, x[order - 1:]

    train_context, train_next = keys(train_codes)
    context, _ = keys(codes)
    wanted, where = np.unique(context, return_inverse=True)
    pair, pair_count = np.unique(train_context * v + train_next, return_counts=True)
    pair_context = pair // v
    keep = np.isin(pair_context, wanted)
    table = np.zeros((len(wanted), v))
    table[np.searchsorted(wanted, pair_context[keep]), pair[keep] % v] = pair_count[keep]
    table = (table + alpha) / (table.sum(axis=1, keepdims=True) + alpha * v)
    return table[where.ravel()]


def code_length_bits(probabilities: object) -> float:
    """Summed surprise in bits, ``sum(-log2 p)``, of what actually happened.

    An arithmetic or range coder driven by these same probabilities writes
    a file this long to within a few bits (plus whole-word rounding); no
    lossless code beats the *source's* entropy on average (Shannon, 1948).

    Examples
    --------
    >>> code_length_bits([0.5, 0.25, 0.125])
    6.0
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("probabilities must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        return float(math.fsum(-np.log2(p).ravel()))


def _constriction():
    try:
        import constriction
    except ImportError as err:  # pragma: no cover - exercised only without the package
        raise ImportError("the entropy coder needs the package `constriction`: pip install constriction") from err
    return constriction


def range_encode(symbols: object, probabilities: object) -> np.ndarray:
    """Compress ``symbols`` with a range coder driven by one distribution per symbol.

    Parameters
    ----------
    symbols : array_like of int, shape (N,)
        The message, as indices into each distribution.
    probabilities : array_like, shape (N, K)
        Row ``i`` is the model's distribution for symbol ``i``.

    Returns
    -------
    numpy.ndarray of uint32
        The compressed message; ``32 * len(result)`` bits. Decode it with
        :func:`range_decode` and the same probabilities.

    Examples
    --------
    >>> probs = np.tile([0.5, 0.25, 0.25], (8, 1))
    >>> packed = range_encode([0, 1, 2, 0, 0, 1, 0, 2], probs)
    >>> range_decode(packed, probs).tolist()
    [0, 1, 2, 0, 0, 1, 0, 2]
    """
    constriction = _constriction()
    probs = np.ascontiguousarray(probabilities, dtype=np.float64)
    message = np.ascontiguousarray(symbols, dtype=np.int32)
    encoder = constriction.stream.queue.RangeEncoder()
    encoder.encode(message, constriction.stream.model.Categorical(perfect=False), probs)
    return encoder.get_compressed()


def range_decode(compressed: object, probabilities: object) -> np.ndarray:
    """Invert :func:`range_encode`: the symbols back, given the same probabilities."""
    constriction = _constriction()
    probs = np.ascontiguousarray(probabilities, dtype=np.float64)
    decoder = constriction.stream.queue.RangeDecoder(np.asarray(compressed, dtype=np.uint32))
    return decoder.decode(constriction.stream.model.Categorical(perfect=False), probs)
