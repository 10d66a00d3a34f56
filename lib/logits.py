"""From logits to probabilities and to the loss, without overflow (chapters 1, 4, 6 and 7).

A model's last layer produces *logits* ``z``: any real numbers. Softmax turns
them into a distribution, ``p_k = exp(z_k) / sum_j exp(z_j)``. Computed
literally, ``exp(1000)`` overflows to ``inf`` and the answer is ``nan``.
Everything here subtracts the largest logit first (the log-sum-exp trick),
which changes nothing mathematically and keeps every ``exp`` at most 1.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from lib._validate import (
    all_finite,
    as_distribution,
    as_float_array,
    check_axis,
    check_same_shape,
    mean,
    read_real_array,
)

#: Rows per block in :func:`_row_logsumexp`: a block of a GPT-2-sized vocabulary
#: (16 x 50257 float32) is about 3 MB, small enough to stay in cache.
_BLOCK_ROWS = 16
#: Below this many logits, threads cost more than they save.
_THREADED_SIZE = 1_000_000


def _as_logits(logits: object, name: str = "logits") -> np.ndarray:
    """Float array of logits: -inf is allowed (a masked choice), +inf and NaN are not."""
    z = as_float_array(logits, name, allow_neg_inf=True)
    if z.ndim == 0:
        raise ValueError(f"{name} must be an array with one logit per choice, not a single number")
    return z


def _choices_axis(z: np.ndarray, axis: object, name: str = "logits") -> int:
    """``axis`` checked against ``z``, which must have at least one choice along it."""
    axis = check_axis(axis, z.ndim)
    if z.shape[axis] == 0:
        raise ValueError(f"{name} is empty along axis {axis} (shape {z.shape}): "
                         "a distribution needs at least one choice")
    return axis


def _row_max(z: np.ndarray, axis: int) -> np.ndarray:
    """The largest logit along ``axis`` (kept as a length-1 axis), checked to be finite."""
    z_max = np.max(z, axis=axis, keepdims=True)
    if np.isneginf(z_max).any():
        raise ValueError("every logit in a row is -inf, so no choice has any probability")
    return z_max


def _row_logsumexp(
    z: np.ndarray, q: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Per row of a 2-D array: ``log(sum_k exp(z_k - m))`` and the row maximum ``m``, in float64.

    The shift ``m`` is returned separately rather than added back, so callers
    can subtract ``z_y - m`` instead of ``z_y`` from ``log-sum + m``: adding
    ``m`` first would cancel catastrophically for huge logits (at 1e16,
    ``(lse + m) - z_y`` rounds ``log 2`` away to 0).

    With soft targets ``q`` (same shape as ``z``), also returns
    ``sum_k q_k (z_k - m)`` per row, computed on the same shifted block.

    Works block by block with one reusable buffer per thread, so no
    temporary as large as ``z`` is ever made. numpy releases the GIL
    inside ``max``, ``exp`` and ``sum``, so the threads really run in parallel.
    """
    n, k = z.shape
    log_sum = np.empty(n, dtype=np.float64)
    row_maxes = np.empty(n, dtype=np.float64)
    weighted = None if q is None else np.empty(n, dtype=np.float64)
    finite = q is None or all_finite(z)  # one pass for the whole array, not one per block
    # Sum in float64; name the dtype only when neither operand is float64 (casting costs time).
    sum_dtype = np.float64 if q is not None and q.dtype != np.float64 and z.dtype != np.float64 else None
    workers = max(1, min(os.cpu_count() or 1, 8)) if z.size >= _THREADED_SIZE else 1
    starts = list(range(0, n, _BLOCK_ROWS))

    def work(worker: int) -> None:
        buffer = np.empty((_BLOCK_ROWS, k), dtype=z.dtype)
        for start in starts[worker::workers]:
            block = z[start:start + _BLOCK_ROWS]
            rows = buffer[: len(block)]
            row_max = _row_max(block, axis=1)
            np.subtract(block, row_max, out=rows)
            if weighted is not None:
                q_block = q[start:start + _BLOCK_ROWS]
                if finite:
                    weighted[start:start + len(block)] = np.einsum("ij,ij->i", q_block, rows, dtype=sum_dtype)
                else:  # a masked logit (-inf) where q is 0 counts 0, not 0 * -inf = nan
                    with np.errstate(invalid="ignore"):
                        terms = np.where(q_block == 0, 0.0, q_block * rows)
                    weighted[start:start + len(block)] = terms.sum(axis=1, dtype=np.float64)
            np.exp(rows, out=rows)
            log_sum[start:start + len(block)] = np.log(rows.sum(axis=1, dtype=np.float64))
            row_maxes[start:start + len(block)] = row_max[:, 0]

    if workers == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, range(workers)))
    return log_sum, row_maxes, weighted


def log_softmax(logits: object, axis: int = -1) -> np.ndarray:
    """Log-probabilities ``z - logsumexp(z)`` along ``axis``, computed stably.

    Parameters
    ----------
    logits : array_like
        Real-valued scores; ``-inf`` marks a choice that is ruled out.
    axis : int, default -1
        The axis holding the choices.

    Returns
    -------
    numpy.ndarray
        ``log softmax(z)``, same shape as ``logits``; finite even for
        logits of size 1e4, where ``log(softmax(z))`` would give ``-inf``.

    Examples
    --------
    >>> log_softmax([0.0, 0.0]).round(4)
    array([-0.6931, -0.6931])
    >>> log_softmax([1000.0, 0.0]).round(1)
    array([    0., -1000.])
    """
    z = _as_logits(logits)
    axis = _choices_axis(z, axis)
    shifted = z - _row_max(z, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits: object, axis: int = -1) -> np.ndarray:
    """Probabilities ``exp(z_k) / sum_j exp(z_j)`` along ``axis``, computed stably.

    Parameters
    ----------
    logits, axis
        As in :func:`log_softmax`: real-valued scores (``-inf`` rules a
        choice out), and the axis holding the choices.

    Returns
    -------
    numpy.ndarray
        A distribution along ``axis`` (entries in [0, 1], summing to 1).

    Examples
    --------
    >>> softmax([0.0, 0.0])
    array([0.5, 0.5])
    >>> softmax([10000.0, 0.0])
    array([1., 0.])
    """
    z = _as_logits(logits)
    axis = _choices_axis(z, axis)
    e = np.exp(z - _row_max(z, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def cross_entropy_from_logits(logits: object, targets: object) -> float:
    """Mean cross-entropy of a batch, straight from logits.

    Matches ``torch.nn.functional.cross_entropy(logits, targets)`` with its
    default ``reduction="mean"``.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        One row of K logits per example.
    targets : array_like, shape (N,) or (N, K)
        Either integer class indices in ``[0, K)`` or, for soft targets,
        one distribution over the K classes per example.

    Returns
    -------
    float
        ``mean_i -log softmax(logits_i)[targets_i]`` for class indices, or
        ``mean_i -sum_k targets_ik log softmax(logits_i)_k`` for distributions.

    Notes
    -----
    For class indices the full log-softmax is never built: with the row
    maximum ``m_i``, the loss is ``log sum_k exp(z_ik - m_i) - (z_i[y_i] - m_i)``.
    Subtracting ``m_i`` from ``z_i[y_i]`` (rather than adding it to the
    log-sum) keeps it exact for huge logits: ``[[1e16, 1e16]]`` with target 0
    gives log 2, as torch does. The log-sum-exp runs over blocks of rows,
    on every CPU core, with a small buffer per core, so the extra memory is a
    few megabytes even for a (4096, 50257) batch (see ``make bench``).

    Examples
    --------
    >>> round(cross_entropy_from_logits([[2.0, 0.0]], [0]), 4)
    0.1269
    >>> round(cross_entropy_from_logits([[1e16, 1e16]], [0]), 4)  # no cancellation
    0.6931
    """
    z = _as_logits(logits)
    if z.ndim != 2:
        hint = " (for one example, use logits[None, :])" if z.ndim == 1 else ""
        raise ValueError(f"logits must have shape (N, K), but got shape {z.shape}{hint}")
    n, k = z.shape
    if n == 0:
        raise ValueError("logits has no rows: the mean loss needs at least one example")
    if k == 0:
        raise ValueError(f"logits has no columns (shape {z.shape}): each example needs at least one class")

    t = _as_targets(targets)
    if t is not None:
        if t.shape[0] != n:
            raise ValueError(f"targets has {t.shape[0]} entries but logits has {n} rows")
        if (t < 0).any() or (t >= k).any():
            bad = t[(t < 0) | (t >= k)][0]
            raise ValueError(f"targets must be class indices in [0, {k - 1}], but one is {int(bad)}")
        log_sum, row_max, _ = _row_logsumexp(z)
        picked = z[np.arange(n), t].astype(np.float64) - row_max  # z_y - m: no cancellation
        with np.errstate(invalid="ignore"):
            return mean(log_sum - picked)

    q = as_distribution(targets, "targets")
    check_same_shape(q, z, "targets", "logits")
    # -sum_k q_k (z_k - m - lse) = lse * sum_k q_k - sum_k q_k (z_k - m), without an (N, K) temporary.
    log_sum, _, weighted = _row_logsumexp(z, q)
    return mean(log_sum * q.sum(axis=1, dtype=np.float64) - weighted)


def _as_targets(targets: object) -> np.ndarray | None:
    """Integer class indices of shape (N,), or None if ``targets`` are distributions (or bad).

    Everything that is not a 1-D array is left to :func:`as_distribution`,
    which checks soft targets and explains what is wrong with anything else.
    """
    t = read_real_array(targets, "targets")
    if t.ndim != 1:
        return None
    if t.dtype.kind not in "iu":
        raise TypeError(
            f"targets of shape (N,) must be integer class indices, but got dtype {t.dtype}"
            " (for soft targets pass one distribution per row, shape (N, K))"
        )
    return t
