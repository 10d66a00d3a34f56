"""Character n-gram language models, counted with numpy (chapter 5).

An n-gram model predicts the next character from the ``n - 1`` characters
before it, with probabilities read off counts in a training text. Two ways
to turn counts into probabilities:

* ``smoothing="add-alpha"`` (the default):

      p(c | h) = (count(h, c) + alpha) / (count(h) + alpha * V)

  where V is the number of characters in the alphabet and ``alpha`` the
  add-α constant. With ``alpha = 0`` this is the plain relative frequency,
  the maximum-likelihood model of the training text: a pair never seen in
  training gets probability 0, so -log p, and the held-out loss, is +inf.

* ``smoothing="witten-bell"``: interpolated Witten–Bell smoothing (Witten
  and Bell 1991; see Chen and Goodman 1999, section 2.5). Each order mixes
  its counts with the next-shorter context's prediction,

      p(c | h) = (count(h, c) + T(h) * p(c | h')) / (count(h) + T(h)),

  where ``h'`` is ``h`` without its oldest character and ``T(h)`` is the
  number of distinct characters seen after ``h``: a context followed by many
  different characters trusts its own counts less. An unseen context uses
  ``p(c | h')`` unchanged, and below the unigram sits the uniform ``1 / V``.
  It has no constant to tune (``alpha`` must be 0).

Counts of contexts of length L come from every position ``i >= L`` of the
training text, so the counts of an order-n model contain those of every lower
order exactly (:meth:`CharNgramModel.with_order`).

Counting is vectorised: a context is numbered one character at a time (the
number of its shorter context times V plus its oldest character, renumbered
densely with ``np.unique``), so no Python loop runs over the characters of
the text and no key exceeds (number of distinct contexts) × V, which fits in
64 bits for any alphabet (V is at most 1,114,112 Unicode code points).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Real

import numpy as np

SMOOTHERS = ("add-alpha", "witten-bell")
MAX_ORDER = 8


@dataclass(frozen=True)
class _Level:
    """Counts for contexts of one length L: context keys are (id at L - 1) * V + oldest character."""

    context_keys: np.ndarray  # sorted; a context's id is its index here
    context_counts: np.ndarray  # how often each context occurred
    context_types: np.ndarray  # how many distinct characters followed it
    pair_keys: np.ndarray  # sorted (context id) * V + next character
    pair_counts: np.ndarray


@dataclass(frozen=True)
class CharNgramModel:
    """A fitted character n-gram model. Build one with :func:`fit_char_ngram`.

    ``dataclasses.replace(model, alpha=0.1)`` gives the same counts with
    another add-α constant, without counting again.
    """

    n: int
    alpha: float
    alphabet: str
    smoothing: str
    levels: tuple[_Level, ...]  # context lengths 0 .. n - 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha", _check_alpha(self.alpha))
        if self.smoothing not in SMOOTHERS:
            raise ValueError(f"smoothing must be one of {SMOOTHERS}, but got {self.smoothing!r}")
        if self.smoothing == "witten-bell" and self.alpha != 0:
            raise ValueError("Witten-Bell smoothing has no add-alpha constant: leave alpha = 0")

    @property
    def vocabulary_size(self) -> int:
        return len(self.alphabet)

    def log_probs(self, text: str) -> np.ndarray:
        """``log p(text[i] | text[i-n+1:i])`` for every position ``i >= n - 1``, in nats.

        ``-inf`` where the model gives probability 0 (only with add-α and ``alpha = 0``).
        """
        codes = encode(text, self.alphabet)
        if len(codes) < self.n:
            raise ValueError(f"text must have at least n = {self.n} characters, but has {len(codes)}")
        windows = np.lib.stride_tricks.sliding_window_view(codes, self.n)
        with np.errstate(divide="ignore"):
            return np.log(self._probabilities(windows[:, :-1], windows[:, -1]))

    def probabilities(self, context: str) -> np.ndarray:
        """The model's distribution over the alphabet after ``context`` (its last n - 1 characters).

        All zeros for a context never seen in training with add-α and ``alpha = 0``:
        that model makes no prediction there.
        """
        if not isinstance(context, str):
            raise TypeError(f"context must be a str, not {type(context).__name__}")
        if len(context) < self.n - 1:
            raise ValueError(f"context must have at least n - 1 = {self.n - 1} characters, but has {len(context)}")
        v = self.vocabulary_size
        codes = encode(context[len(context) - (self.n - 1):] if self.n > 1 else "", self.alphabet)
        return self._probabilities(np.broadcast_to(codes, (v, self.n - 1)), np.arange(v))

    def with_order(self, n: int) -> CharNgramModel:
        """The same training counts read as an order-``n`` model (``n`` up to this model's).

        Identical to fitting order ``n`` on the same text, without counting again.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= self.n:
            raise ValueError(f"n must be a whole number from 1 to {self.n}, but got {n!r}")
        return dataclasses.replace(self, n=int(n), levels=self.levels[:n])

    def counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """For every position ``i >= n - 1`` of ``text``: how often the training text had
        (its context, its character), and how often its context, both as floats.

        Add-α is then ``(pair + alpha) / (context + alpha * V)`` for any ``alpha``, without
        looking anything up again.

        Examples
        --------
        >>> fit_char_ngram("abab", n=2).counts("aba")  # "ab" twice, "a" twice; "ba" once, "b" once
        (array([2., 1.]), array([2., 1.]))
        """
        codes = encode(text, self.alphabet)
        if len(codes) < self.n:
            raise ValueError(f"text must have at least n = {self.n} characters, but has {len(codes)}")
        windows = np.lib.stride_tricks.sliding_window_view(codes, self.n)
        contexts, nexts = windows[:, :-1], windows[:, -1]
        v = self.vocabulary_size
        ids = np.zeros(len(nexts), dtype=np.int64)
        for length, level in enumerate(self.levels[1:], start=1):
            ids = _lookup_ids(level.context_keys, ids * v + contexts[:, -length], ids >= 0)
        level, seen = self.levels[-1], ids >= 0
        total = np.where(seen, level.context_counts[np.maximum(ids, 0)], 0).astype(np.float64)
        return _lookup_counts(level.pair_keys, level.pair_counts, ids * v + nexts, seen), total

    def nll(self, text: str) -> float:
        """Mean negative log-likelihood per predicted character, in nats (``inf`` if any p is 0)."""
        return float(-np.mean(self.log_probs(text)))

    def _probabilities(self, contexts: np.ndarray, nexts: np.ndarray) -> np.ndarray:
        """p(next | context) for rows of context codes (oldest first) and their next codes."""
        v = self.vocabulary_size
        ids = np.zeros(len(nexts), dtype=np.int64)  # the empty context, always seen
        p = np.full(len(nexts), 1.0 / v)  # Witten-Bell's base: uniform
        for length, level in enumerate(self.levels):
            if length > 0:
                ids = _lookup_ids(level.context_keys, ids * v + contexts[:, -length], ids >= 0)
            if self.smoothing == "add-alpha" and length < self.n - 1:
                continue  # add-alpha reads only the longest context's counts
            seen = ids >= 0
            total = np.where(seen, level.context_counts[np.maximum(ids, 0)], 0).astype(np.float64)
            pair = _lookup_counts(level.pair_keys, level.pair_counts, ids * v + nexts, seen)
            if self.smoothing == "witten-bell":
                types = np.where(seen, level.context_types[np.maximum(ids, 0)], 0).astype(np.float64)
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = np.where(seen & (total > 0), (pair + types * p) / (total + types), p)
            elif length == self.n - 1:
                with np.errstate(invalid="ignore", divide="ignore"):
                    p = (pair + self.alpha) / (total + self.alpha * v)
                p = np.nan_to_num(p, nan=0.0)  # unseen context with alpha = 0: probability 0
        return p


def encode(text: str, alphabet: str) -> np.ndarray:
    """Each character of ``text`` as its index in the sorted ``alphabet``."""
    text = _check_text(text, "text")
    alphabet = _check_text(alphabet, "alphabet")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # one code point per character
    table = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    lookup = np.full(int(table.max(initial=0)) + 2, -1, dtype=np.int64)  # code point -> index
    lookup[table] = np.arange(len(table))
    index = lookup[np.minimum(codes, len(lookup) - 1)]  # the last slot is always -1
    if (index < 0).any():
        unknown = sorted(set(text) - set(alphabet))[:5]
        raise ValueError(f"text contains characters outside the alphabet: {unknown}")
    return index


def fit_char_ngram(text: str, n: int, alpha: float = 0.0, alphabet: str | None = None,
                   smoothing: str = "add-alpha") -> CharNgramModel:
    """Count a character n-gram model on ``text``.

    Parameters
    ----------
    text : str
        The training text.
    n : int
        Order of the model: 1 ignores the past, 2 looks at one previous
        character, 3 at two, ... (1 to 8).
    alpha : float, default 0
        Add-α smoothing: ``alpha`` pretend extra occurrences of every pair.
        0 gives the unsmoothed maximum-likelihood model.
    alphabet : str, optional
        Every character the model may meet, in sorted order; by default the
        characters of ``text``. Pass the alphabet of the whole corpus so
        held-out text can be scored.
    smoothing : {"add-alpha", "witten-bell"}
        How counts become probabilities (see the module's description).

    Returns
    -------
    CharNgramModel

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
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_ORDER:
        raise ValueError(f"n must be a whole number from 1 to {MAX_ORDER}, but got {n!r}")
    n = int(n)
    alpha = _check_alpha(alpha)
    text = _check_text(text, "text")
    if alphabet is None:
        alphabet = "".join(sorted(set(text)))
    alphabet = _check_text(alphabet, "alphabet")
    if list(alphabet) != sorted(set(alphabet)):
        raise ValueError("alphabet must list each character once, in sorted order")
    if not isinstance(smoothing, str) or smoothing not in SMOOTHERS:
        raise ValueError(f"smoothing must be one of {SMOOTHERS}, but got {smoothing!r}")
    codes = encode(text, alphabet)
    if len(codes) < n:
        raise ValueError(f"text must have at least n = {n} characters, but has {len(codes)}")
    v = len(alphabet)
    ids = np.zeros(len(codes), dtype=np.int64)  # context of length 0 at every position
    levels = []
    for length in range(n):  # contexts of this length, at positions i >= length
        if length == 0:
            context_keys = np.zeros(1, dtype=np.int64)
        else:  # extend each position's shorter context by its next-older character
            context_keys, ids = _unique_inverse(ids[1:] * v + codes[:len(codes) - length])
        context_counts = np.bincount(ids, minlength=len(context_keys))
        pair_keys, pair_counts = np.unique(ids * v + codes[length:], return_counts=True)
        context_types = np.bincount(pair_keys // v, minlength=len(context_keys))
        levels.append(_Level(context_keys, context_counts, context_types, pair_keys, pair_counts))
    return CharNgramModel(n, alpha, alphabet, smoothing, tuple(levels))


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


def _unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for a 1-d integer array, through a stable sort.

    The same two arrays (the sorted distinct keys, and each key's index among them), about twice
    as fast on the counter's keys, which repeat a lot: numpy's default sort for ``return_inverse``
    is slower on such input than its stable (radix/merge) sort.

    Examples
    --------
    >>> _unique_inverse(np.array([7, 3, 7, 5]))
    (array([3, 5, 7]), array([2, 0, 2, 1]))
    """
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.empty(len(keys), dtype=bool)  # where a new distinct key starts, in sorted order
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def _lookup_ids(keys: np.ndarray, query: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Index of each valid query in the sorted ``keys``, -1 if absent or not valid."""
    index = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(valid & (keys[index] == query), index, -1)


def _lookup_counts(keys: np.ndarray, counts: np.ndarray, query: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``counts`` of each valid query key, 0 for keys never seen or not valid (keys sorted)."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.float64)
    index = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(valid & (keys[index] == query), counts[index], 0).astype(np.float64)
