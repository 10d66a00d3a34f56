"""Batches of sequences: padding, the shift by one, masks, and gradient accumulation (chapter 8).

A training step scores many sequences at once. They have different lengths,
so they are **padded** to a rectangle with a ``pad_id`` and an
``attention_mask`` (1 for a real token, 0 for padding). A language model
predicts each token from the ones before it, so the **labels** are the ids
shifted by one position: the input at position t is ``ids[t]`` and its label
``ids[t + 1]``.

Positions that must not count (padding, and in fine-tuning the prompt) get
the label ``ignore_index`` (PyTorch's ``-100``), and the loss leaves them out
of **both** the sum and the count:

    mean loss = (sum over scored positions of -log p(label)) / (number of scored positions)

Counting padding in the denominator, or averaging per-micro-batch means when
micro-batches hold different numbers of scored tokens, gives a different
number (and a different gradient) from the one big batch they stand for:
:func:`accumulate_micro_batches` shows both ways.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from lib._validate import as_float_array, read_real_array, safe_repr
from lib.logits import cross_entropy_from_logits, softmax

__all__ = [
    "IGNORE_INDEX",
    "AccumulatedLoss",
    "accumulate_micro_batches",
    "mask_prompt",
    "masked_cross_entropy",
    "masked_cross_entropy_gradient",
    "pad_batch",
    "shift_for_next_token",
]

#: The label that means "do not score this position" (PyTorch's default ``ignore_index``).
IGNORE_INDEX = -100
REDUCTIONS = ("mean", "sum", "none")


def pad_batch(sequences: Sequence[object], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad integer sequences of different lengths into one array.

    Parameters
    ----------
    sequences : sequence of 1-D array_like of int
        Token ids, one sequence per row of the batch (at least one sequence).
    pad_id : int
        The id written into the padding positions.

    Returns
    -------
    ids : numpy.ndarray of int64, shape (B, M)
        ``M`` is the longest sequence's length (not ``T``, which the book keeps for temperature).
    attention_mask : numpy.ndarray of int64, shape (B, M)
        1 where ``ids`` holds a real token, 0 where it holds padding.

    Examples
    --------
    >>> ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0)
    >>> ids
    array([[5, 6, 7],
           [8, 0, 0]])
    >>> mask
    array([[1, 1, 1],
           [1, 0, 0]])
    """
    pad_id = _check_int(pad_id, "pad_id")
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise TypeError(f"sequences must be a list of id sequences, not {safe_repr(sequences)}")
    if len(sequences) == 0:
        raise ValueError("sequences is empty: a batch needs at least one sequence")
    rows = [_as_ids(s, f"sequences[{i}]") for i, s in enumerate(sequences)]
    for i, row in enumerate(rows):
        if row.ndim != 1:
            raise ValueError(f"sequences[{i}] must be a 1-D sequence of ids, but has shape {row.shape}")
    lengths = np.array([len(r) for r in rows])
    ids = np.full((len(rows), lengths.max()), pad_id, dtype=np.int64)
    mask = (np.arange(lengths.max()) < lengths[:, None]).astype(np.int64)
    ids[mask.astype(bool)] = np.concatenate(rows)  # row by row, in order
    return ids, mask


def shift_for_next_token(ids: object, attention_mask: object,
                         ignore_index: int = IGNORE_INDEX) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-token labels: ``inputs = ids[:, :-1]``, ``labels = ids[:, 1:]``.

    A label whose token is padding (``attention_mask`` 0) becomes
    ``ignore_index``, so the loss neither adds nor counts it. (Hugging Face
    models take ``labels`` equal to the ids and shift inside the model; the
    result is the same.)

    Parameters
    ----------
    ids, attention_mask : array_like of int, shape (B, M)
        As returned by :func:`pad_batch`; ``T`` at least 2.
    ignore_index : int, default -100

    Returns
    -------
    inputs, labels : numpy.ndarray of int64, shape (B, M - 1)

    Examples
    --------
    >>> ids, mask = pad_batch([[5, 6, 7], [8, 9]], pad_id=0)
    >>> inputs, labels = shift_for_next_token(ids, mask)
    >>> inputs
    array([[5, 6],
           [8, 9]])
    >>> labels
    array([[   6,    7],
           [   9, -100]])
    """
    ids = _as_ids(ids, "ids")
    mask = _as_ids(attention_mask, "attention_mask")
    ignore_index = _check_int(ignore_index, "ignore_index")
    if ids.ndim != 2:
        raise ValueError(f"ids must have shape (B, M), but got shape {ids.shape}")
    if mask.shape != ids.shape:
        raise ValueError(f"ids and attention_mask must have the same shape, but got {ids.shape} and {mask.shape}")
    if not np.isin(mask, (0, 1)).all():
        raise ValueError("attention_mask must hold only 0 (padding) and 1 (a real token)")
    if ids.shape[1] < 2:
        raise ValueError(f"ids must have at least 2 positions to have a next token, but has {ids.shape[1]}")
    labels = np.where(mask[:, 1:] == 1, ids[:, 1:], ignore_index)
    return ids[:, :-1].copy(), labels


def mask_prompt(labels: object, prompt_lengths: object, ignore_index: int = IGNORE_INDEX) -> np.ndarray:
    """Labels with the prompt's tokens set to ``ignore_index`` (fine-tuning on the answer only).

    ``labels`` are *shifted* labels, as from :func:`shift_for_next_token`:
    ``labels[:, t]`` is the token at position ``t + 1`` of the ids. A prompt
    of ``P`` tokens fills positions ``0 .. P - 1`` of the ids, so the labels
    that are prompt tokens are ``labels[:, :P - 1]``; the label at ``P - 1``
    is the answer's first token and is kept. (On unshifted labels, as Hugging
    Face's trainers build them, the same rule reads ``labels[:, :P] = -100``.)

    Examples
    --------
    >>> mask_prompt([[11, 12, 13, 14]], prompt_lengths=[3])  # ids 10 11 12 | 13 14
    array([[-100, -100,   13,   14]])
    """
    labels = _as_ids(labels, "labels")
    ignore_index = _check_int(ignore_index, "ignore_index")
    lengths = _as_ids(prompt_lengths, "prompt_lengths")
    if labels.ndim != 2:
        raise ValueError(f"labels must have shape (B, M - 1), but got shape {labels.shape}")
    if lengths.shape != (labels.shape[0],):
        raise ValueError(f"prompt_lengths must hold one length per row of labels ({labels.shape[0]}), "
                         f"but has shape {lengths.shape}")
    if (lengths < 0).any():
        raise ValueError(f"prompt_lengths must be >= 0, but one is {int(lengths.min())}")
    if (lengths > labels.shape[1] + 1).any():
        raise ValueError(f"prompt_lengths must be at most the sequence length {labels.shape[1] + 1}, "
                         f"but one is {int(lengths.max())}")
    prompt = np.arange(labels.shape[1]) < (lengths[:, None] - 1)
    return np.where(prompt, ignore_index, labels)


def masked_cross_entropy(logits: object, labels: object, ignore_index: int = IGNORE_INDEX,
                         reduction: str = "mean") -> float | np.ndarray:
    """Cross-entropy over the positions whose label is not ``ignore_index``.

    Matches ``torch.nn.functional.cross_entropy(logits, labels,
    ignore_index=ignore_index, reduction=reduction)`` for logits of shape
    (N, V) or, language-model style, (B, M, V) with labels (B, M) (torch
    wants the class axis second: ``logits.transpose(1, 2)``; ``lib`` keeps
    it last).

    Parameters
    ----------
    logits : array_like, shape (..., V)
    labels : array_like of int, shape (...)
        Token ids in ``[0, V)``, or ``ignore_index``.
    ignore_index : int, default -100
    reduction : {"mean", "sum", "none"}
        ``"sum"``: total ``-log p`` over scored positions (0.0 if there are
        none). ``"mean"``: that sum divided by the **number of scored
        positions**. ``"none"``: the loss at every position, 0.0 where ignored.

    Returns
    -------
    float, or numpy.ndarray of shape (...) for ``reduction="none"``

    Raises
    ------
    ValueError
        With ``reduction="mean"`` when every label is ``ignore_index``: a mean
        over no positions is undefined (torch returns ``nan`` here; ``lib``
        says so instead).

    Examples
    --------
    >>> z = [[2.0, 0.0], [0.0, 2.0], [5.0, 5.0]]
    >>> round(masked_cross_entropy(z, [0, 1, -100]), 4)  # the padding row counts for nothing
    0.1269
    >>> round(masked_cross_entropy(z, [0, 1, -100], reduction="sum"), 4)
    0.2539
    """
    z, y, keep = _scored(logits, labels, ignore_index)
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, but got {safe_repr(reduction)}")
    n_scored = int(keep.sum())
    if reduction == "none":
        out = np.zeros(y.shape, dtype=np.float64)
        if n_scored:
            picked = z[keep]
            rows = picked - picked.max(axis=-1, keepdims=True)
            lse = np.log(np.exp(rows).sum(axis=-1))
            out[keep] = lse - rows[np.arange(n_scored), y[keep]]
        return out
    if n_scored == 0:
        if reduction == "sum":
            return 0.0
        raise ValueError(f"every label is ignore_index ({ignore_index}), so there is no position to "
                         "average over (torch returns nan here); use reduction='sum', which gives 0")
    mean = cross_entropy_from_logits(z[keep], y[keep])
    return mean if reduction == "mean" else mean * n_scored


def masked_cross_entropy_gradient(logits: object, labels: object, ignore_index: int = IGNORE_INDEX,
                                  reduction: str = "mean", num_items: int | None = None) -> np.ndarray:
    """The gradient of :func:`masked_cross_entropy` with respect to the logits.

    Chapter 4's ``p - q`` at every scored position, 0 at ignored ones,
    divided by the number of scored positions for ``reduction="mean"``, or by
    ``num_items`` if given (the count of scored tokens in the *whole*
    accumulated batch, Hugging Face's ``num_items_in_batch``).

    Examples
    --------
    >>> masked_cross_entropy_gradient([[0.0, 0.0], [1.0, 1.0]], [0, -100])
    array([[-0.5,  0.5],
           [ 0. ,  0. ]])
    """
    z, y, keep = _scored(logits, labels, ignore_index)
    if not isinstance(reduction, str) or reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', but got {safe_repr(reduction)}")
    n_scored = int(keep.sum())
    grad = np.zeros(z.shape, dtype=np.float64)
    if n_scored:
        p = softmax(z[keep])
        p[np.arange(n_scored), y[keep]] -= 1.0  # p - q with q one-hot
        grad[keep] = p
    if num_items is not None:
        denominator = _check_int(num_items, "num_items")
        if denominator <= 0:
            raise ValueError(f"num_items must be greater than 0, but got {denominator}")
        return grad / denominator
    if reduction == "mean":
        if n_scored == 0:
            raise ValueError(f"every label is ignore_index ({ignore_index}): the mean has no gradient")
        return grad / n_scored
    return grad


class AccumulatedLoss(NamedTuple):
    """What one optimizer step sees after accumulating micro-batches.

    ``loss`` is the accumulated loss, ``gradients`` its gradient with respect
    to each micro-batch's logits, ``token_counts`` the scored tokens per
    micro-batch.
    """

    loss: float
    gradients: list[np.ndarray]
    token_counts: list[int]


def accumulate_micro_batches(logits_list: Sequence[object], labels_list: Sequence[object],
                             normalisation: str = "total_tokens",
                             ignore_index: int = IGNORE_INDEX) -> AccumulatedLoss:
    """Accumulate the loss (and its gradient) over micro-batches, the right or the wrong way.

    Parameters
    ----------
    logits_list, labels_list : sequences of array_like
        One (logits, labels) pair per micro-batch, as for
        :func:`masked_cross_entropy`; the micro-batches may hold different
        numbers of scored tokens.
    normalisation : {"total_tokens", "mean_of_means"}
        ``"total_tokens"`` (right): each micro-batch contributes its *summed*
        loss divided by the number of scored tokens in **all** micro-batches,
        so the step equals one big batch holding them all. ``"mean_of_means"``
        (wrong when counts differ): each micro-batch's *mean* loss divided by
        the number of micro-batches, which weights a token in a short
        micro-batch more than one in a long one. Hugging Face ``transformers``'
        ``Trainer`` did this until October 2024; pull request #34191 ("Fix
        Gradient Accumulation issue") fixed it by passing the total count,
        ``num_items_in_batch``, to the loss.

    Returns
    -------
    AccumulatedLoss

    Examples
    --------
    >>> z1, y1 = [[2.0, 0.0]], [0]                      # 1 token, loss 0.127
    >>> z2, y2 = [[0.0, 2.0], [0.0, 2.0], [0.0, 2.0]], [0, 0, 0]  # 3 tokens, loss 2.127 each
    >>> round(accumulate_micro_batches([z1, z2], [y1, y2]).loss, 4)  # (0.127 + 3 * 2.127) / 4
    1.6269
    >>> round(accumulate_micro_batches([z1, z2], [y1, y2], "mean_of_means").loss, 4)  # (0.127 + 2.127) / 2
    1.1269
    """
    if normalisation not in ("total_tokens", "mean_of_means"):
        raise ValueError(f"normalisation must be 'total_tokens' or 'mean_of_means', "
                         f"but got {safe_repr(normalisation)}")
    if isinstance(logits_list, np.ndarray) or isinstance(labels_list, np.ndarray):
        raise TypeError("logits_list and labels_list must be lists with one array per micro-batch")
    if len(logits_list) != len(labels_list):
        raise ValueError(f"logits_list has {len(logits_list)} micro-batches but labels_list has {len(labels_list)}")
    if len(logits_list) == 0:
        raise ValueError("logits_list is empty: accumulation needs at least one micro-batch")
    counts = [int(_scored(z, y, ignore_index)[2].sum()) for z, y in zip(logits_list, labels_list)]
    total = sum(counts)
    if total == 0:
        raise ValueError("no micro-batch has a scored token: every label is ignore_index")
    loss, grads = 0.0, []
    for z, y, count in zip(logits_list, labels_list, counts):
        if normalisation == "total_tokens":
            loss += masked_cross_entropy(z, y, ignore_index, "sum") / total
            grads.append(masked_cross_entropy_gradient(z, y, ignore_index, num_items=total))
        else:
            if count == 0:
                raise ValueError("a micro-batch has no scored token, so its mean is undefined "
                                 "(mean_of_means cannot use it; total_tokens can)")
            loss += masked_cross_entropy(z, y, ignore_index, "mean") / len(counts)
            grads.append(masked_cross_entropy_gradient(z, y, ignore_index, "mean") / len(counts))
    return AccumulatedLoss(float(loss), grads, counts)


def _scored(logits: object, labels: object, ignore_index: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Checked logits (..., V), labels (...) and the mask of scored positions."""
    ignore_index = _check_int(ignore_index, "ignore_index")
    z = as_float_array(logits, "logits", allow_neg_inf=True)
    if z.ndim < 2:
        raise ValueError(f"logits must have shape (N, V) or (B, M, V), but got shape {z.shape}")
    if z.shape[-1] == 0:
        raise ValueError(f"logits has no classes (shape {z.shape})")
    y = _as_ids(labels, "labels")
    if y.shape != z.shape[:-1]:
        raise ValueError(f"labels must have the shape of logits without its last axis, {z.shape[:-1]}, "
                         f"but got {y.shape}")
    keep = y != ignore_index
    v = z.shape[-1]
    bad = keep & ((y < 0) | (y >= v))
    if bad.any():
        raise ValueError(f"labels must be ids in [0, {v - 1}] or ignore_index ({ignore_index}), "
                         f"but one is {int(y[bad][0])}")
    return z, y, keep


def _as_ids(x: object, name: str) -> np.ndarray:
    arr = read_real_array(x, name)
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must hold integer ids, not booleans")
    if arr.dtype.kind == "f" and arr.size:
        raise TypeError(f"{name} must hold integer ids, but got dtype {arr.dtype} "
                        "(class probabilities are not labels here)")
    return arr.astype(np.int64)


def _check_int(x: object, name: str) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, not {safe_repr(x)} (a {type(x).__name__})")
    return int(x)
