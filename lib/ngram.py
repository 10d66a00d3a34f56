"""N-gram count models: one counter, over characters or integer token ids (chapters 5 and 7).

An n-gram model predicts the next token from the ``n - 1`` tokens before it,
with probabilities read off counts in a training text. A token is a
character (:func:`fit_char_ngram` takes a ``str`` and its alphabet) or an
integer id in ``[0, vocabulary_size)`` (:func:`fit_ngram`, e.g. BPE ids).
Both count with the same code, and so does :func:`ngram_counts`, the dense
count table that chapter 7 trains a logit table on.

Two ways to turn counts into probabilities:

* ``smoothing="add-alpha"`` (the default):

      p(c | h) = (count(h, c) + alpha) / (count(h) + alpha * V)

  where V is the vocabulary size and ``alpha`` the add-α constant. With
  ``alpha = 0`` this is the plain relative frequency, the maximum-likelihood
  model of the training text: a pair never seen in training gets probability
  0, so -log p, and the held-out loss, is +inf.

* ``smoothing="witten-bell"``: interpolated Witten–Bell smoothing (Witten
  and Bell 1991; see Chen and Goodman 1999, section 2.5). Each order mixes
  its counts with the next-shorter context's prediction,

      p(c | h) = (count(h, c) + N1+(h) * p(c | h')) / (count(h) + N1+(h)),

  where ``h'`` is ``h`` without its oldest token and ``N1+(h)`` (Chen and
  Goodman's N_{1+}(h •)) is the number of distinct tokens seen after ``h``
  at least once: a context followed by many different
  tokens trusts its own counts less. An unseen context uses ``p(c | h')``
  unchanged, and below the unigram sits the uniform ``1 / V``. It has no
  constant to tune (``alpha`` must be 0).

Counts of contexts of length L come from every position ``i >= L`` of the
training text, so the counts of an order-n model contain those of every lower
order exactly (:meth:`NgramModel.with_order`).

Counting is vectorised: a context is numbered one token at a time (the
number of its shorter context times V plus its oldest token, renumbered
densely with ``np.unique``), so no Python loop runs over the text and no key
exceeds (number of distinct contexts) × V, which fits in 64 bits for any
alphabet (V is at most 1,114,112 Unicode code points).
"""

from __future__ import annotations

import dataclasses
import math
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from numbers import Real

import numpy as np

SMOOTHERS = ("add-alpha", "witten-bell")
MAX_ORDER = 8

__all__ = ["MAX_ORDER", "SMOOTHERS", "NgramModel", "encode", "fit_char_ngram", "fit_ngram", "ngram_counts"]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a key of _numbered_contexts and _pair_counts
class _Level:
    """Counts for contexts of one length L: context keys are (id at L - 1) * V + oldest token."""

    context_keys: np.ndarray  # sorted; a context's id is its index here
    context_counts: np.ndarray  # how often each context occurred
    context_types: np.ndarray  # how many distinct tokens followed it
    pair_keys: np.ndarray  # sorted (context id) * V + next token
    pair_counts: np.ndarray


def _count(ids: np.ndarray, n: int, v: int, start: int = 0) -> tuple[_Level, ...]:
    """The counter: counts of contexts of every length 0 .. n - 1 in ``ids`` (passages x positions).

    Level L counts the positions ``i >= max(L, start)`` of each passage; no
    context spans two passages.
    """
    passages, length = ids.shape
    context = np.zeros((passages, length), dtype=np.int64)  # the empty context, at every position
    keys = np.zeros(1, dtype=np.int64)
    levels = []
    for size in range(n):
        if size > 0:  # extend each position's shorter context by its next-older token
            keys, context = _unique(context[:, 1:] * v + ids[:, :length - size], len(keys) * v, inverse=True)
            context = context.reshape(passages, length - size)  # column j: the context of position j + size
        skip = max(start - size, 0)
        at, nexts = context[:, skip:].ravel(), ids[:, size + skip:].ravel()
        pair_keys, pair_counts = _unique(at * v + nexts, len(keys) * v)
        levels.append(_Level(keys, np.bincount(at, minlength=len(keys)),
                             np.bincount(pair_keys // v, minlength=len(keys)), pair_keys, pair_counts))
    return tuple(levels)


def _unique(keys: np.ndarray, key_space: int, inverse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=inverse, return_counts=not inverse)`` for keys in ``[0, key_space)``.

    The same result, in linear time with ``np.bincount`` when the key space is
    not much larger than the keys; by sorting otherwise.
    """
    keys = keys.ravel()
    if key_space > max(4 * keys.size, 1 << 16):
        return np.unique(keys, return_inverse=inverse, return_counts=not inverse)
    counts = np.bincount(keys, minlength=key_space)
    present = np.flatnonzero(counts)
    if not inverse:
        return present, counts[present]
    rank = np.cumsum(counts > 0) - 1  # a key's index among the present ones
    return present, rank[keys]


@dataclass(frozen=True)
class NgramModel:
    """A fitted n-gram model. Build one with :func:`fit_char_ngram` or :func:`fit_ngram`.

    A model counted on text (``alphabet`` set) reads text; a model counted on
    integer ids (``alphabet`` is ``None``) reads ids. ``dataclasses.replace(model,
    alpha=0.1)`` gives the same counts with another add-α constant, without
    counting again.
    """

    n: int
    alpha: float
    vocabulary_size: int
    smoothing: str
    levels: tuple[_Level, ...]  # context lengths 0 .. n - 1
    alphabet: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", _check_alpha(self.alpha))
        if self.smoothing not in SMOOTHERS:
            raise ValueError(f"smoothing must be one of {SMOOTHERS}, but got {self.smoothing!r}")
        if self.smoothing == "witten-bell" and self.alpha != 0:
            raise ValueError("Witten-Bell smoothing has no add-alpha constant: leave alpha = 0")

    def log_probs(self, text: object, positions: object = None) -> np.ndarray:
        """``log p(text[i] | text[i-n+1:i])`` for every position ``i >= n - 1``, in nats.

        ``-inf`` where the model gives probability 0 (only with add-α and ``alpha = 0``).

        ``positions`` (integers ``i`` with ``n - 1 <= i < len(text)``) scores only
        those positions, in that order: a sample of a long text costs the sample's
        size, not the text's.

        Examples
        --------
        >>> model = fit_char_ngram("abab", n=2)
        >>> model.log_probs("abba")  # "ab" after "a", then "bb" (never seen), then "ba"
        array([  0., -inf,   0.])
        >>> model.log_probs("abba", positions=[3, 1])
        array([0., 0.])
        """
        with np.errstate(divide="ignore"):
            return np.log(self._probabilities(*self._scored(text, positions)))

    def probabilities(self, context: object) -> np.ndarray:
        """The model's distribution over the vocabulary after ``context`` (its last n - 1 tokens).

        All zeros for a context never seen in training with add-α and ``alpha = 0``:
        that model makes no prediction there.
        """
        if self.alphabet is not None:  # only the last n - 1 characters are read
            if not isinstance(context, str):
                raise TypeError(f"context must be a str, not {type(context).__name__}")
            context = context[max(len(context) - (self.n - 1), 0):] if self.n > 1 else ""
        ids = self._ids(context, "context")
        if len(ids) < self.n - 1:
            raise ValueError(f"context must have at least n - 1 = {self.n - 1} tokens, but has {len(ids)}")
        v = self.vocabulary_size
        contexts = np.broadcast_to(ids[len(ids) - (self.n - 1):], (v, self.n - 1))
        nexts = np.arange(v)  # every token, each after the same context
        return self._probabilities(self._levels_read(contexts, nexts), nexts)

    def distributions(self, text: object) -> np.ndarray:
        """The model's whole distribution at every position ``i >= n - 1`` of ``text``.

        Row ``i - (n - 1)`` is :meth:`probabilities` of the ``n - 1`` tokens
        before position ``i``: the table an entropy coder needs. Each distinct
        context is expanded once, shorter contexts before longer ones, so the cost
        grows with the number of distinct contexts in ``text``, not with ``V ** (n - 1)``.

        Examples
        --------
        >>> fit_ngram([0, 1, 0, 1], n=2, alpha=1.0, vocabulary_size=2).distributions([0, 1, 1])
        array([[0.25      , 0.75      ],
               [0.66666667, 0.33333333]])

        (After 0 training saw 1 twice: (0 + 1) / (2 + 2) and (2 + 1) / (2 + 2);
        after 1 it saw 0 once: (1 + 1) / (1 + 2) and (0 + 1) / (1 + 2).)

        >>> fit_char_ngram("abab", n=2, smoothing="witten-bell").distributions("aab").round(4)
        array([[0.1667, 0.8333],
               [0.1667, 0.8333]])
        """
        reads, nexts = self._scored(text, pairs=False)  # all of a context's pairs come from its level
        v = self.vocabulary_size
        table = np.full((1, v), 1.0 / v)  # distinct rows so far; row 0: Witten-Bell's uniform base
        row_of = np.zeros(len(nexts), dtype=np.int64)  # each position's current row
        for level, ids, _ in reads:
            seen = ids >= 0
            wanted, first, where = np.unique(ids[seen], return_index=True, return_inverse=True)
            pair_context = level.pair_keys // v
            keep = np.isin(pair_context, wanted)
            counts = np.zeros((len(wanted), v))
            counts[np.searchsorted(wanted, pair_context[keep]), level.pair_keys[keep] % v] = level.pair_counts[keep]
            total = level.context_counts[wanted][:, None].astype(np.float64)
            if self.smoothing == "witten-bell":
                types = level.context_types[wanted][:, None].astype(np.float64)
                parent = table[row_of[seen][first]]  # the next-shorter context's prediction
                rows = (counts + types * parent) / (total + types)
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    rows = np.nan_to_num((counts + self.alpha) / (total + self.alpha * v), nan=0.0)
                if not seen.all():  # a context never seen in training: alpha / (alpha V), as above
                    with np.errstate(invalid="ignore"):
                        unseen_row = np.nan_to_num(np.full(v, self.alpha) / (self.alpha * v), nan=0.0)
                    table = np.vstack([table, unseen_row])
                    row_of[~seen] = len(table) - 1
            row_of[seen] = len(table) + where.ravel()
            table = np.vstack([table, rows])
        return table[row_of]

    def with_order(self, n: int) -> NgramModel:
        """The same training counts read as an order-``n`` model (``n`` up to this model's).

        Identical to fitting order ``n`` on the same text, without counting again.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= self.n:
            raise ValueError(f"n must be a whole number from 1 to {self.n}, but got {n!r}")
        return dataclasses.replace(self, n=int(n), levels=self.levels[:n])

    def counts(self, text: object) -> tuple[np.ndarray, np.ndarray]:
        """For every position ``i >= n - 1`` of ``text``: how often the training text had
        (its context, its token), and how often its context, both as floats.

        Add-α is then ``(pair + alpha) / (context + alpha * V)`` for any ``alpha``, without
        looking anything up again.

        Examples
        --------
        >>> fit_char_ngram("abab", n=2).counts("aba")  # "ab" twice, "a" twice; "ba" once, "b" once
        (array([2., 1.]), array([2., 1.]))
        """
        reads, _ = self._scored(text)
        for level, ids, pair in reads:
            pass  # the last level read is the longest context's
        total = np.where(ids >= 0, level.context_counts[np.maximum(ids, 0)], 0).astype(np.float64)
        return np.array(pair), total

    def nll(self, text: object) -> float:
        """Mean negative log-likelihood per predicted token, in nats (``inf`` if any p is 0)."""
        return float(-np.mean(self.log_probs(text)))

    def _ids(self, tokens: object, name: str) -> np.ndarray:
        """``tokens`` as ids: text through the alphabet for a model counted on text, else checked ids."""
        if self.alphabet is not None:
            return encode(tokens, self.alphabet, name)
        return _check_ids(tokens, self.vocabulary_size, name)

    def _scored(self, text: object, positions: object = None, pairs: bool = True,
                ) -> tuple[Iterator[tuple[_Level, np.ndarray, np.ndarray | None]], np.ndarray]:
        """What scoring ``text`` reads: each level with the context id and the pair count of every
        scored position (as :meth:`_levels_read`; ``None`` for the counts of a whole text with
        ``pairs=False``), and the next ids; every position ``i >= n - 1``, or only ``positions``.

        A whole text's contexts and pairs are looked up by :func:`_numbered_contexts` and
        :func:`_pair_counts`, which remember them: scoring one text with several orders or both
        smoothers of the same counts (:meth:`with_order`, ``dataclasses.replace``) looks up each
        context and each pair once.
        """
        ids = self._ids(text, "text")
        if len(ids) < self.n:
            raise ValueError(f"text must have at least n = {self.n} tokens, but has {len(ids)}")
        if positions is not None:
            windows = np.lib.stride_tricks.sliding_window_view(ids, self.n)
            windows = windows[_check_positions(positions, self.n, len(ids))]
            return self._levels_read(windows[:, :-1], windows[:, -1]), windows[:, -1]
        key, v, start = ids.tobytes(), self.vocabulary_size, self.n - 1
        reads = ((level, _numbered_contexts(self.levels[:length + 1], v, key)[start:],
                  _pair_counts(self.levels[:length + 1], v, key)[start:] if pairs else None)
                 for length, level in enumerate(self.levels)
                 if self.smoothing == "witten-bell" or length == self.n - 1)
        return reads, ids[self.n - 1:]

    def _levels_read(self, contexts: np.ndarray, nexts: np.ndarray) -> Iterator[tuple[_Level, np.ndarray, np.ndarray]]:
        """Each level of counts the model reads, shortest context first, with the index of every
        row's context in it (-1 where training never saw that context) and the count of the row's
        (context, next id) pair (0 where never seen).

        Witten-Bell reads every level; add-alpha only the longest context's.
        """
        v = self.vocabulary_size
        ids = np.zeros(len(contexts), dtype=np.int64)  # the empty context, always seen
        for length, level in enumerate(self.levels):
            if length > 0:
                ids = _lookup_ids(level.context_keys, ids * v + contexts[:, -length], ids >= 0)
            if self.smoothing == "witten-bell" or length == self.n - 1:
                yield level, ids, _pair_lookup(level, ids, nexts, v)

    def _probabilities(self, reads: Iterable[tuple[_Level, np.ndarray, np.ndarray]], nexts: np.ndarray) -> np.ndarray:
        """p(next | context) from the levels read (:meth:`_levels_read`) and the next ids."""
        v = self.vocabulary_size
        p = np.full(len(nexts), 1.0 / v)  # Witten-Bell's base: uniform
        for level, ids, pair in reads:
            seen = ids >= 0
            total = np.where(seen, level.context_counts[np.maximum(ids, 0)], 0).astype(np.float64)
            if self.smoothing == "witten-bell":
                types = np.where(seen, level.context_types[np.maximum(ids, 0)], 0).astype(np.float64)
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = np.where(seen & (total > 0), (pair + types * p) / (total + types), p)
            else:  # add-alpha: the longest context only
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = (pair + self.alpha) / (total + self.alpha * v)
                p = np.nan_to_num(p, nan=0.0)  # unseen context with alpha = 0: probability 0
        return p


def encode(text: str, alphabet: str, name: str = "text") -> np.ndarray:
    """Each character of ``text`` as its index in the sorted ``alphabet``: text as token ids.

    Examples
    --------
    >>> encode("abba", "ab")
    array([0, 1, 1, 0])
    """
    text = _check_text(text, name)
    alphabet = _check_text(alphabet, "alphabet")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # one code point per character
    table = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    lookup = np.full(int(table.max(initial=0)) + 2, -1, dtype=np.int64)  # code point -> index
    lookup[table] = np.arange(len(table))
    index = lookup[np.minimum(codes, len(lookup) - 1)]  # the last slot is always -1
    if (index < 0).any():
        unknown = sorted(set(text) - set(alphabet))[:5]
        raise ValueError(f"{name} contains characters outside the alphabet: {unknown}")
    return index


def fit_ngram(tokens: object, n: int, alpha: float = 0.0, *, vocabulary_size: int,
              smoothing: str = "add-alpha") -> NgramModel:
    """Count an n-gram model on integer token ids.

    Parameters
    ----------
    tokens : array_like of int, shape (T,) or (passages, T)
        The training text as ids in ``[0, vocabulary_size)`` (a list or a
        1-D array); a 2-D array holds several passages, and no n-gram spans two.
    n : int
        Order of the model: 1 ignores the past, 2 looks at one previous
        token, 3 at two, ... (1 to 8).
    alpha : float, default 0
        Add-α smoothing: ``alpha`` pretend extra occurrences of every pair.
        0 gives the unsmoothed maximum-likelihood model.
    vocabulary_size : int
        V, the number of distinct ids the model may meet.
    smoothing : {"add-alpha", "witten-bell"}
        How counts become probabilities (see the module's description).

    Returns
    -------
    NgramModel
        It reads ids: ``model.nll([0, 1, 1])``.

    Examples
    --------
    >>> model = fit_ngram([0, 1, 0, 1], n=2, vocabulary_size=3)
    >>> model.probabilities([0])  # after 0 always comes 1; 2 never occurred
    array([0., 1., 0.])
    """
    n = _check_order(n, "n")
    alpha = _check_alpha(alpha)
    v = _check_vocabulary_size(vocabulary_size)
    if not isinstance(smoothing, str) or smoothing not in SMOOTHERS:
        raise ValueError(f"smoothing must be one of {SMOOTHERS}, but got {smoothing!r}")
    ids = _check_ids(tokens, v, "tokens", passages=True)
    if ids.shape[1] < n:
        raise ValueError(f"tokens must have at least n = {n} ids, but has {ids.shape[1]}")
    return NgramModel(n, alpha, v, smoothing, _count(ids, n, v))


def fit_char_ngram(text: str, n: int, alpha: float = 0.0, alphabet: str | None = None,
                   smoothing: str = "add-alpha") -> NgramModel:
    """Count a character n-gram model on ``text``: :func:`fit_ngram` on its characters.

    Parameters
    ----------
    text : str
        The training text; its characters are the tokens.
    n, alpha, smoothing
        As in :func:`fit_ngram`.
    alphabet : str, optional
        Every character the model may meet, in sorted order; by default the
        characters of ``text``. Pass the alphabet of the whole corpus so
        held-out text can be scored.

    Returns
    -------
    NgramModel
        It reads text: ``model.nll("the cat")``.

    Examples
    --------
    >>> model = fit_char_ngram("abab", n=2)
    >>> model.probabilities("a")  # after "a" always comes "b"
    array([0., 1.])
    >>> float(fit_char_ngram("abab", n=2, alpha=1).probabilities("a")[1])  # (2 + 1) / (2 + 2)
    0.75
    >>> wb = fit_char_ngram("abab", n=2, smoothing="witten-bell")
    >>> wb.probabilities("a").round(4)  # one type after "a": (count + 1 * unigram) / (2 + 1)
    array([0.1667, 0.8333])

    (The unigram part counts a and b twice each, with two types: (2 + 2 * 1/2) / (4 + 2) = 0.5
    each; so p(a | a) = (0 + 0.5) / 3 and p(b | a) = (2 + 0.5) / 3.)
    """
    n = _check_order(n, "n")
    alpha = _check_alpha(alpha)
    text = _check_text(text, "text")
    if alphabet is None:
        alphabet = "".join(sorted(set(text)))
    alphabet = _check_text(alphabet, "alphabet")
    if list(alphabet) != sorted(set(alphabet)):
        raise ValueError("alphabet must list each character once, in sorted order")
    if not isinstance(smoothing, str) or smoothing not in SMOOTHERS:
        raise ValueError(f"smoothing must be one of {SMOOTHERS}, but got {smoothing!r}")
    if len(text) < n:
        raise ValueError(f"text must have at least n = {n} characters, but has {len(text)}")
    model = fit_ngram(encode(text, alphabet), n, alpha, vocabulary_size=len(alphabet), smoothing=smoothing)
    return dataclasses.replace(model, alphabet=alphabet)


def ngram_counts(codes: object, order: int, vocabulary_size: int, start: int | None = None) -> np.ndarray:
    """The dense count table ``C[context, c]`` of an order-``order`` model, from token ids.

    Parameters
    ----------
    codes : array_like of int, shape (T,) or (passages, T)
        The text as ids in ``[0, vocabulary_size)`` (:func:`encode` turns
        text into ids); a 2-D array holds several independent passages (no
        pair spans two).
    order : int
        1 for a unigram model (one context), 2 for a bigram, 3 for a trigram...
    vocabulary_size : int
        V, the number of distinct tokens.
    start : int, optional
        First position to predict in each passage; by default ``order - 1``
        (the first position with a full context). Pass the same ``start`` to
        models of different orders to score them on exactly the same tokens.

    Returns
    -------
    numpy.ndarray, shape (V ** (order - 1), V)
        Row = context as a base-V number of the previous ``order - 1``
        tokens (oldest first), column = next token. ``C.sum()`` is the number
        of predicted tokens.

    Examples
    --------
    >>> ngram_counts([0, 1, 0, 1], order=2, vocabulary_size=2)
    array([[0., 2.],
           [1., 0.]])
    >>> ngram_counts([0, 1, 0, 1], order=1, vocabulary_size=2, start=1)
    array([[1., 2.]])
    """
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 1:
        raise ValueError(f"order must be a whole number >= 1, but got {order!r}")
    v = _check_vocabulary_size(vocabulary_size)
    ids = _check_ids(codes, v, "codes", passages=True)
    start = order - 1 if start is None else int(start)
    if start < order - 1:
        raise ValueError(f"start must be at least order - 1 = {order - 1}")
    if ids.shape[1] - start <= 0:
        raise ValueError("the text is too short to predict any token")
    levels = _count(ids, int(order), v, start)
    number = np.zeros(1, dtype=np.int64)  # each context's base-V number, level by level
    for size, level in enumerate(levels[1:], start=1):
        number = level.context_keys % v * v ** (size - 1) + number[level.context_keys // v]
    top = levels[-1]
    table = np.zeros((v ** (order - 1), v))
    table[number[top.pair_keys // v], top.pair_keys % v] = top.pair_counts
    return table


def _check_order(n: object, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_ORDER:
        raise ValueError(f"{name} must be a whole number from 1 to {MAX_ORDER}, but got {n!r}")
    return int(n)


def _check_vocabulary_size(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"vocabulary_size must be a whole number >= 1, but got {v!r}")
    return int(v)


def _check_ids(tokens: object, v: int, name: str, passages: bool = False) -> np.ndarray:
    """``tokens`` as int64 ids in ``[0, v)``: 1-D, or 2-D (passages x positions) if ``passages``."""
    if isinstance(tokens, (str, bytes, bytearray)) or tokens is None:
        raise TypeError(f"{name} must be integer token ids (a list or an int array), not {type(tokens).__name__}"
                        + (": text goes through fit_char_ngram" if isinstance(tokens, str) else ""))
    ids = np.asarray(tokens)
    if ids.size == 0:
        ids = ids.astype(np.int64)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer token ids, not an array of {ids.dtype}")
    if ids.ndim != 1 and not (passages and ids.ndim == 2):
        raise ValueError(f"{name} must be a 1-D sequence of ids{' or a 2-D array of passages' if passages else ''}, "
                         f"but has shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= v):
        raise ValueError(f"{name} must lie in [0, {v - 1}] (vocabulary_size = {v})")
    ids = ids.astype(np.int64)
    return np.atleast_2d(ids) if passages else ids


def _check_positions(positions: object, n: int, length: int) -> np.ndarray:
    """Positions ``n - 1 <= i < length`` as rows of the windows (``i - (n - 1)``), or a clear error."""
    if isinstance(positions, (str, bytes, bytearray)):
        raise TypeError(f"positions must be integers, not {type(positions).__name__}")
    at = np.asarray(positions)
    if at.size == 0:
        at = at.astype(np.int64)
    if at.dtype.kind not in "iu":
        raise TypeError(f"positions must be integers, not an array of {at.dtype}")
    if at.ndim != 1:
        raise ValueError(f"positions must be a 1-D sequence of integers, but has shape {at.shape}")
    if at.size and (at.min() < n - 1 or at.max() >= length):
        raise ValueError(f"positions must lie in [{n - 1}, {length - 1}]: a position needs its "
                         f"{n - 1} tokens of context before it, inside a text of {length} tokens")
    return at.astype(np.int64) - (n - 1)


def _check_text(text: object, name: str) -> str:
    """``text`` if it is a str that can be encoded, or a clear TypeError/ValueError."""
    if isinstance(text, (bytes, bytearray)):
        raise TypeError(f"{name} must be a str, not {type(text).__name__}: decode it first, "
                        f"e.g. {name}.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, not {type(text).__name__}")
    try:
        text.encode("utf-32-le")
    except UnicodeEncodeError as err:
        raise ValueError(f"{name} contains a lone surrogate {text[err.start]!r} at position {err.start}, "
                         "which is not a character: fix the text's decoding") from None
    return text


def _check_alpha(alpha: object) -> float:
    """``alpha`` as a float >= 0, or a clear TypeError/ValueError."""
    if isinstance(alpha, np.ndarray) and alpha.ndim == 0 and alpha.dtype.kind in "iuf":
        alpha = alpha.item()
    if isinstance(alpha, np.ndarray):
        raise TypeError(f"alpha must be a single number, not an array of shape {alpha.shape}")
    if isinstance(alpha, bool) or not isinstance(alpha, Real):
        raise TypeError(f"alpha must be a number, not {type(alpha).__name__}")
    alpha = float(alpha)
    if not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite number >= 0, but got {alpha}")
    return alpha


@functools.lru_cache(maxsize=16)
def _numbered_contexts(levels: tuple[_Level, ...], v: int, ids_bytes: bytes) -> np.ndarray:
    """Entry ``i``: the id in ``levels[-1]`` of the ``L = len(levels) - 1`` tokens before position
    ``i`` of the text (int64 ids, as bytes), -1 before position L or where training never saw them.

    Built one level on another, as the counter numbers contexts, and remembered (the last 16
    texts and levels), so a text is numbered once for every model that shares these counts.
    """
    ids = np.frombuffer(ids_bytes, dtype=np.int64)
    length = len(levels) - 1
    if length == 0:
        numbered = np.zeros(len(ids), dtype=np.int64)  # the empty context, always seen
    else:
        shorter = _numbered_contexts(levels[:-1], v, ids_bytes)[length:]  # the newest L - 1 tokens
        numbered = np.full(len(ids), -1, dtype=np.int64)
        numbered[length:] = _lookup_ids(levels[-1].context_keys, shorter * v + ids[:len(ids) - length], shorter >= 0)
    numbered.setflags(write=False)  # shared by every caller
    return numbered


@functools.lru_cache(maxsize=16)
def _pair_counts(levels: tuple[_Level, ...], v: int, ids_bytes: bytes) -> np.ndarray:
    """Entry ``i``: how often the training text had token ``i`` of the text after the
    ``L = len(levels) - 1`` tokens before it, in ``levels[-1]`` (as floats); 0 before
    position L or where training never saw that pair.

    Remembered like :func:`_numbered_contexts`: Witten-Bell models of every order read the
    shorter levels too, so all the orders and both smoothers of the same counts share one
    lookup of each level's pairs in a text.
    """
    ids = np.frombuffer(ids_bytes, dtype=np.int64)
    pairs = _pair_lookup(levels[-1], _numbered_contexts(levels, v, ids_bytes), ids, v)
    pairs.setflags(write=False)  # shared by every caller
    return pairs


def _lookup_ids(keys: np.ndarray, query: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Index of each valid query in the sorted ``keys``, -1 if absent or not valid."""
    index = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(valid & (keys[index] == query), index, -1)


def _pair_lookup(level: _Level, contexts: np.ndarray, nexts: np.ndarray, v: int) -> np.ndarray:
    """How often ``level`` counted each (context id, next id) pair, as floats: 0 for a pair
    never seen, or a context never seen (id -1)."""
    keys = level.pair_keys
    if len(keys) == 0:
        return np.zeros(len(contexts), dtype=np.float64)
    query = contexts * v + nexts
    index = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where((contexts >= 0) & (keys[index] == query), level.pair_counts[index], 0).astype(np.float64)
