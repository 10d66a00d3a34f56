"""Character n-gram language models, counted with numpy (chapter 5).

An n-gram model predicts the next character from the ``n - 1`` characters
before it, with probabilities read straight off counts in a training text:

    p(c | context) = (count(context, c) + k) / (count(context) + k * V)

where V is the number of characters in the alphabet and ``k`` is the add-k
smoothing constant. With ``k = 0`` (no smoothing) a pair never seen in
training gets probability 0, so -log p, and the held-out loss, is +inf.

Counting is vectorised: each (context, next character) pair becomes one
integer, and ``np.unique`` counts them all at once, so no Python loop ever
runs over the characters of the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib._validate import check_positive_number


@dataclass(frozen=True)
class CharNgramModel:
    """A fitted character n-gram model. Build one with :func:`fit_char_ngram`."""

    n: int
    k: float
    alphabet: str
    pair_keys: np.ndarray  # sorted unique context * V + next, as int64
    pair_counts: np.ndarray  # how often each of those pairs occurred
    context_keys: np.ndarray  # sorted unique contexts
    context_counts: np.ndarray  # how often each context occurred

    @property
    def vocabulary_size(self) -> int:
        return len(self.alphabet)

    def log_probs(self, text: str) -> np.ndarray:
        """``log p(text[i] | text[i-n+1:i])`` for every position ``i >= n - 1``, in nats.

        ``-inf`` where the model gives probability 0 (only possible with ``k = 0``).
        """
        codes = encode(text, self.alphabet)
        if len(codes) < self.n:
            raise ValueError(f"text must have at least n = {self.n} characters, but has {len(codes)}")
        contexts, nexts = _contexts_and_next(codes, self.n, self.vocabulary_size)
        pair = _lookup(self.pair_keys, self.pair_counts, contexts * self.vocabulary_size + nexts)
        total = _lookup(self.context_keys, self.context_counts, contexts)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = (pair + self.k) / (total + self.k * self.vocabulary_size)
            return np.log(np.nan_to_num(p, nan=0.0))  # unseen context with k = 0: probability 0

    def probabilities(self, context: str) -> np.ndarray:
        """The model's distribution over the alphabet after ``context`` (its last n - 1 characters)."""
        if len(context) < self.n - 1:
            raise ValueError(f"context must have at least n - 1 = {self.n - 1} characters")
        v = self.vocabulary_size
        ctx = 0
        for code in encode(context[len(context) - (self.n - 1):], self.alphabet) if self.n > 1 else []:
            ctx = ctx * v + int(code)
        pair = _lookup(self.pair_keys, self.pair_counts, ctx * v + np.arange(v))
        total = _lookup(self.context_keys, self.context_counts, np.array([ctx]))[0]
        if total + self.k * v == 0:
            return np.zeros(v)  # unseen context, no smoothing: no prediction at all
        return (pair + self.k) / (total + self.k * v)

    def nll(self, text: str) -> float:
        """Mean negative log-likelihood per predicted character, in nats (``inf`` if any p is 0)."""
        return float(-np.mean(self.log_probs(text)))


def encode(text: str, alphabet: str) -> np.ndarray:
    """Each character of ``text`` as its index in the sorted ``alphabet``."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # one code point per character
    table = np.frombuffer(alphabet.encode("utf-32-le"), dtype=np.uint32)
    lookup = np.full(int(table.max(initial=0)) + 2, -1, dtype=np.int64)  # code point -> index
    lookup[table] = np.arange(len(table))
    index = lookup[np.minimum(codes, len(lookup) - 1)]  # the last slot is always -1
    if (index < 0).any():
        unknown = sorted(set(text) - set(alphabet))[:5]
        raise ValueError(f"text contains characters outside the alphabet: {unknown}")
    return index


def fit_char_ngram(text: str, n: int, k: float = 0.0, alphabet: str | None = None) -> CharNgramModel:
    """Count a character n-gram model on ``text``.

    Parameters
    ----------
    text : str
        The training text.
    n : int
        Order of the model: 1 ignores the past, 2 looks at one previous
        character, 3 at two, ... (1 to 6).
    k : float, default 0
        Add-k smoothing: ``k`` pretend extra occurrences of every pair.
    alphabet : str, optional
        Every character the model may meet, in sorted order; by default the
        characters of ``text``. Pass the alphabet of the whole corpus so
        held-out text can be scored.

    Returns
    -------
    CharNgramModel

    Examples
    --------
    >>> model = fit_char_ngram("abab", n=2)
    >>> model.probabilities("a")  # after "a" always comes "b"
    array([0., 1.])
    >>> float(fit_char_ngram("abab", n=2, k=1).probabilities("a")[1])  # (2 + 1) / (2 + 2)
    0.75
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 6:
        raise ValueError(f"n must be a whole number from 1 to 6, but got {n!r}")
    if k != 0:
        k = check_positive_number(k, "k")
    k = float(k)
    alphabet = "".join(sorted(set(text))) if alphabet is None else alphabet
    if list(alphabet) != sorted(set(alphabet)):
        raise ValueError("alphabet must list each character once, in sorted order")
    codes = encode(text, alphabet)
    if len(codes) < n:
        raise ValueError(f"text must have at least n = {n} characters, but has {len(codes)}")
    v = len(alphabet)
    contexts, nexts = _contexts_and_next(codes, n, v)
    pair_keys, pair_counts = np.unique(contexts * v + nexts, return_counts=True)
    context_keys, context_counts = np.unique(contexts, return_counts=True)
    return CharNgramModel(int(n), k, alphabet, pair_keys, pair_counts, context_keys, context_counts)


def _contexts_and_next(codes: np.ndarray, n: int, v: int) -> tuple[np.ndarray, np.ndarray]:
    """For every position i >= n - 1: the context (previous n - 1 codes, as one base-V number) and the code."""
    length = len(codes) - (n - 1)
    contexts = np.zeros(length, dtype=np.int64)
    for j in range(n - 1):  # a loop over the n - 1 context slots, not over the text
        contexts = contexts * v + codes[j:j + length]
    return contexts, codes[n - 1:]


def _lookup(keys: np.ndarray, counts: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``counts`` of each query key, 0 for keys never seen (keys sorted)."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.float64)
    index = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[index] == query, counts[index], 0).astype(np.float64)
