"""Scoring a long text with a model that sees a bounded window (chapter 8).

A model with a context window of ``window`` symbols cannot read a long text in
one pass. Two ways to score every position of the text exactly once:

* **Disjoint windows** cut the text into consecutive pieces of ``window``
  symbols and score each piece on its own. Cheap (about ``T / window`` model
  calls for a text of ``T`` symbols), but the first positions of every piece
  are predicted from little or no context, so the loss comes out higher than
  the model's real ability.
* **A sliding window** with a ``stride`` moves the window ``stride`` symbols
  at a time and scores only the positions not scored before (the last
  ``stride`` of each window), each with at least ``window - stride`` symbols of
  context. ``stride = 1`` gives every position the full window, at one model
  call per position; larger strides trade context for calls. (Hugging Face's
  guide "Perplexity of fixed-length models" describes the same procedure;
  here the last window is moved back so that it, too, is full length.)

Both return the same kind of :class:`WindowScore`: the total ``-log p`` in
nats, the number of positions scored (always all ``T`` of them), the number of
model calls, and each position's log-probability.

The model is a callable ``predict_log_probs(windows) -> log_probs``: given an
integer array of windows, shape ``(n, L)``, it returns an array of the same
shape with ``log p(windows[i, t] | windows[i, :t])``: each symbol's
log-probability given only the symbols before it *in its window* (position 0
with no context at all). :func:`fixed_context_predictor` builds one from a
model that reads a fixed number of previous symbols, such as the MLP of
:mod:`lib.mlp`, padding the start of each window.

A predictor may also accept a keyword ``last``: asked ``predict_log_probs(windows,
last=k)``, it returns only the last ``k`` positions of each window, shape
``(n, k)``. The sliding window needs no more, so a predictor that can skip the
rest (as :func:`fixed_context_predictor`'s does) scores a text with stride 1 at
the cost of one prediction per position. ``n_calls`` still counts every window,
because a model that reads its whole window (a transformer) pays for all of it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from lib._validate import read_real_array, safe_repr

__all__ = ["WindowScore", "fixed_context_predictor", "score_disjoint_windows", "score_sliding_window"]

#: Largest number of (window, position) pairs handed to the model in one batch.
MAX_BATCH_SYMBOLS = 16_384

Predictor = Callable[[np.ndarray], np.ndarray]


class WindowScore(NamedTuple):
    """The result of scoring a text window by window.

    ``total_nats``: the summed ``-log p`` of every position. ``n_scored``: the
    number of positions scored (the text's length). ``n_calls``: how many
    windows the model was run on (each a forward pass over ``window``
    symbols, the cost). ``log_probs``: each position's ``log p``, in text
    order. ``context_lengths``: how many symbols of context each position had
    in its window.
    """

    total_nats: float
    n_scored: int
    n_calls: int
    log_probs: np.ndarray
    context_lengths: np.ndarray

    @property
    def mean_nll(self) -> float:
        """``total_nats / n_scored``: the mean ``-log p`` per position, in nats."""
        return self.total_nats / self.n_scored


def score_disjoint_windows(predict_log_probs: Predictor, ids: object, window: int) -> WindowScore:
    """Score ``ids`` in consecutive, non-overlapping windows of ``window`` symbols.

    Position ``i`` is predicted from the ``i mod window`` symbols before it in
    its window; the last window may be shorter. ``n_calls = ceil(T / window)``.

    Examples
    --------
    >>> uniform = lambda w: np.full(w.shape, np.log(0.5))  # a model that knows nothing
    >>> score = score_disjoint_windows(uniform, [0, 1, 1, 0, 1], window=2)
    >>> score.n_scored, score.n_calls, score.context_lengths.tolist()
    (5, 3, [0, 1, 0, 1, 0])
    >>> round(score.mean_nll, 4)  # ln 2
    0.6931
    """
    x = _check_ids(ids)
    window = _check_window(window, "window")
    _check_predictor(predict_log_probs)
    t = len(x)
    n_full = t // window
    log_probs = np.empty(t)
    if n_full:
        log_probs[:n_full * window] = _predict(predict_log_probs, x, np.arange(n_full) * window, window).ravel()
    if t % window:
        log_probs[n_full * window:] = _predict(predict_log_probs, x, [n_full * window], t % window)[0]
    contexts = np.arange(t) % window
    return _result(log_probs, n_full + (t % window > 0), contexts)


def score_sliding_window(predict_log_probs: Predictor, ids: object, window: int, stride: int) -> WindowScore:
    """Score ``ids`` with a window of ``window`` symbols moved ``stride`` symbols at a time.

    The first window, ``ids[0:window]``, scores all its positions; window ``k``
    ends at ``min(window + k * stride, T)``, starts ``window`` symbols earlier,
    and scores only the positions after the previous window's end. So every
    position is scored once, and all but the first window's positions have at
    least ``window - stride`` symbols of context.
    ``n_calls = 1 + ceil((T - window) / stride)``.

    Examples
    --------
    >>> uniform = lambda w: np.full(w.shape, np.log(0.5))
    >>> score = score_sliding_window(uniform, [0, 1, 1, 0, 1, 1], window=3, stride=1)
    >>> score.n_scored, score.n_calls, score.context_lengths.tolist()
    (6, 4, [0, 1, 2, 2, 2, 2])
    """
    x = _check_ids(ids)
    window = _check_window(window, "window")
    stride = _check_window(stride, "stride")
    if stride > window:
        raise ValueError(f"stride ({stride}) must be at most window ({window}), or some positions are never scored")
    _check_predictor(predict_log_probs)
    t = len(x)
    if t <= window:  # one window holds the whole text
        return _result(_predict(predict_log_probs, x, [0], t)[0], 1, np.arange(t))
    ends = np.minimum(window + stride * np.arange(1 + -(-(t - window) // stride)), t)
    starts = ends - window
    new = np.diff(np.concatenate([[0], ends]))  # positions each window scores: its last `new`
    log_probs = np.empty(t)
    contexts = np.empty(t, dtype=np.int64)
    log_probs[:window] = _predict(predict_log_probs, x, [0], window)[0]
    contexts[:window] = np.arange(window)
    for k in np.unique(new[1:]):  # at most two distinct counts: stride, and the last window's remainder
        rows = np.flatnonzero(new[1:] == k)
        positions = ends[1:][rows, None] - k + np.arange(k)
        log_probs[positions] = _predict(predict_log_probs, x, starts[1:][rows], window, last=int(k))
        contexts[positions] = np.arange(window - k, window)
    return _result(log_probs, len(ends), contexts)


def fixed_context_predictor(next_log_probs: Callable[[np.ndarray], np.ndarray], context: int,
                            pad_id: int) -> Predictor:
    """A ``predict_log_probs`` for windows, from a model that reads ``context`` previous symbols.

    Parameters
    ----------
    next_log_probs : callable
        ``next_log_probs(contexts)`` takes ids of shape (N, context), oldest
        first, and returns log-probabilities of shape (N, V) for the next
        symbol; for example ``lambda X: lib.mlp.mlp_log_probs(params, X)``.
    context : int
        How many previous symbols the model reads.
    pad_id : int
        The id that fills the context before the start of a window (the
        model is shown ``pad_id`` where the window gives it nothing).

    Examples
    --------
    >>> table = np.log([[0.9, 0.1], [0.2, 0.8]])  # a bigram model over two symbols
    >>> predict = fixed_context_predictor(lambda X: table[X[:, -1]], context=1, pad_id=0)
    >>> np.exp(predict(np.array([[1, 1, 0]]))).round(2)  # p(1 | pad 0), p(1 | 1), p(0 | 1)
    array([[0.1, 0.8, 0.2]])
    """
    context = _check_window(context, "context")
    if isinstance(pad_id, (bool, np.bool_)) or not isinstance(pad_id, (int, np.integer)) or pad_id < 0:
        raise TypeError(f"pad_id must be a symbol id (an integer >= 0), not {safe_repr(pad_id)}")
    if not callable(next_log_probs):
        raise TypeError(f"next_log_probs must be a function of the contexts, not {safe_repr(next_log_probs)}")

    def predict(windows: np.ndarray, last: int | None = None) -> np.ndarray:
        n, length = windows.shape
        last = length if last is None else last
        padded = np.concatenate([np.full((n, context), pad_id, dtype=np.int64), windows], axis=1)
        contexts = np.lib.stride_tricks.sliding_window_view(padded, context, axis=1)[:, length - last:length]
        log_p = np.asarray(next_log_probs(contexts.reshape(n * last, context)))
        targets = windows[:, length - last:].ravel()
        return log_p[np.arange(n * last), targets].reshape(n, last)

    return predict


def _predict(predict_log_probs: Predictor, x: np.ndarray, starts: object, length: int,
             last: int | None = None) -> np.ndarray:
    """The model's log-probabilities on the windows ``x[s:s + length]`` (``s`` in ``starts``).

    Shape (n, length), or (n, last) for only the last ``last`` positions of each
    window (asked of the model itself if it takes ``last=``). The windows go to
    the model in batches of at most MAX_BATCH_SYMBOLS symbols, so no array of
    all the windows is ever built. The output is checked.
    """
    starts = np.asarray(starts, dtype=np.int64)
    view = np.lib.stride_tricks.sliding_window_view(x, length)
    rows = max(1, MAX_BATCH_SYMBOLS // (length if last is None else last))
    ask_last = last is not None and _takes_last(predict_log_probs)
    parts = []
    for first in range(0, len(starts), rows):
        chunk = view[starts[first:first + rows]]  # a copy of just this batch
        if ask_last:
            out = np.asarray(predict_log_probs(chunk, last=last), dtype=np.float64)
            expected = (len(chunk), last)
        else:
            out = np.asarray(predict_log_probs(chunk), dtype=np.float64)
            expected = chunk.shape
        if out.shape != expected:
            raise ValueError(f"predict_log_probs must return one log-probability per symbol, shape {expected}, "
                             f"but returned shape {out.shape}")
        if last is not None and not ask_last:
            out = out[:, length - last:]
        if np.isnan(out).any() or (out > 1e-9).any():
            raise ValueError("predict_log_probs returned a value that is not a log-probability (NaN or > 0)")
        parts.append(out)
    return np.concatenate(parts)


def _takes_last(f: Callable) -> bool:
    """True if ``f`` accepts the keyword argument ``last``."""
    try:
        return "last" in inspect.signature(f).parameters
    except (TypeError, ValueError):  # a builtin or another callable without a signature
        return False


def _result(log_probs: np.ndarray, n_calls: int, contexts: np.ndarray) -> WindowScore:
    return WindowScore(float(-log_probs.sum()), len(log_probs), int(n_calls), log_probs, contexts)


def _check_ids(ids: object) -> np.ndarray:
    arr = read_real_array(ids, "ids")
    if arr.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence of symbol ids, but got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("ids is empty: there is nothing to score")
    if arr.dtype.kind not in "iu":
        raise TypeError(f"ids must hold integer symbol ids, but got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _check_window(x: object, name: str) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, not {safe_repr(x)} (a {type(x).__name__})")
    if x < 1:
        raise ValueError(f"{name} must be at least 1, but got {int(x)}")
    return int(x)


def _check_predictor(f: object) -> None:
    if not callable(f):
        raise TypeError(f"predict_log_probs must be a function of a batch of windows, not {safe_repr(f)}")
