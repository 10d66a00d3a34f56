"""From logits to probabilities and to the loss, without overflow.

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

from lib._validate import all_finite, as_distribution, as_float_array, check_same_shape

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


def _row_max(z: np.ndarray, axis: int) -> np.ndarray:
    """The largest logit along ``axis`` (kept as a length-1 axis), checked to be finite."""
    z_max = np.max(z, axis=axis, keepdims=True)
    if np.isneginf(z_max).any():
        raise ValueError("every logit in a row is -inf, so no choice has any probability")
    return z_max


def _row_logsumexp(z: np.ndarray) -> np.ndarray:
    """``log(sum(exp(z_i)))`` for every row of a 2-D array, in float64, stably.

    Works block by block with one reusable buffer per thread, so no
    temporary as large as ``z`` is ever made. numpy releases the GIL
    inside ``max``, ``exp`` and ``sum``, so the threads really run in parallel.
    """
    n, k = z.shape
    out = np.empty(n, dtype=np.float64)
    workers = max(1, min(os.cpu_count() or 1, 8)) if z.size >= _THREADED_SIZE else 1
    starts = list(range(0, n, _BLOCK_ROWS))

    def work(worker: int) -> None:
        buffer = np.empty((_BLOCK_ROWS, k), dtype=z.dtype)
        for start in starts[worker::workers]:
            block = z[start:start + _BLOCK_ROWS]
            rows = buffer[: len(block)]
            row_max = _row_max(block, axis=1)
            np.subtract(block, row_max, out=rows)
            np.exp(rows, out=rows)
            out[start:start + len(block)] = np.log(rows.sum(axis=1, dtype=np.float64)) + row_max[:, 0]

    if workers == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(work, range(workers)))
    return out


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
    shifted = z - _row_max(z, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(logits: object, axis: int = -1) -> np.ndarray:
    """Probabilities ``exp(z_k) / sum_j exp(z_j)`` along ``axis``, computed stably.

    Parameters
    ----------
    logits : array_like
        Real-valued scores; ``-inf`` marks a choice that is ruled out.
    axis : int, default -1
        The axis holding the choices.

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
    For class indices the full log-softmax is never built: the loss is
    ``logsumexp(z_i) - z_i[y_i]``. The log-sum-exp runs over blocks of rows,
    on every CPU core, with a small buffer per core, so the extra memory is a
    few megabytes even for a (4096, 50257) batch (see ``make bench``).

    Examples
    --------
    >>> round(cross_entropy_from_logits([[2.0, 0.0]], [0]), 4)
    0.1269
    """
    z = _as_logits(logits)
    if z.ndim != 2:
        hint = " (for one example, use logits[None, :])" if z.ndim == 1 else ""
        raise ValueError(f"logits must have shape (N, K), but got shape {z.shape}{hint}")
    n, k = z.shape
    if n == 0:
        raise ValueError("logits has no rows: the mean loss needs at least one example")
    logsumexp = _row_logsumexp(z)

    t = np.asarray(targets) if not isinstance(targets, (str, bytes)) else targets
    if isinstance(t, np.ndarray) and t.ndim == 1:
        if t.dtype.kind not in "iu":
            raise TypeError(
                f"targets of shape (N,) must be integer class indices, but got dtype {t.dtype}"
                " (for soft targets pass one distribution per row, shape (N, K))"
            )
        if t.shape[0] != n:
            raise ValueError(f"targets has {t.shape[0]} entries but logits has {n} rows")
        if (t < 0).any() or (t >= k).any():
            bad = t[(t < 0) | (t >= k)][0]
            raise ValueError(f"targets must be class indices in [0, {k - 1}], but one is {int(bad)}")
        picked = z[np.arange(n), t]
        return float(np.mean(logsumexp - picked))

    q = as_distribution(targets, "targets")
    check_same_shape(q, z, "targets", "logits")
    # -sum_k q_k (z_k - lse) = lse * sum_k q_k - sum_k q_k z_k, without an (N, K) temporary.
    if all_finite(z):
        weighted = np.einsum("ij,ij->i", q, z, dtype=np.float64)
    else:  # a masked logit (-inf) where q is 0 must count as 0, not 0 * -inf = nan
        with np.errstate(invalid="ignore"):
            weighted = np.where(q == 0, 0.0, q * z).sum(axis=1, dtype=np.float64)
    return float(np.mean(logsumexp * q.sum(axis=1, dtype=np.float64) - weighted))
