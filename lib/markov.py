"""Markov sources: text whose entropy rate is known exactly, and sampling from one (chapter 7).

An n-gram table of probabilities ``transitions[a, c]`` (one row per context of
``n - 1`` tokens, read as a base-V number; rows summing to 1) is a Markov
source: the next token depends only on the last ``n - 1``. Its long-run
context shares (the stationary distribution) give its **entropy rate**
exactly, the floor under any model's expected loss, and the expected loss of
any model on endless text from it. Sampling from a source, or from a trained
logit table at a temperature, is here too.

Natural logarithms (nats).
"""

from __future__ import annotations

import math

import numpy as np

from lib.logits import log_softmax

__all__ = [
    "conditional_entropy",
    "expected_nll",
    "sample_markov",
    "sample_text",
    "stationary_distribution",
]


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
