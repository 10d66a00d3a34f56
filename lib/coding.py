"""Codes: the coding-length reading of surprise (chapters 2 and 7).

Shannon's source coding theorem says no code can spend fewer than H(p) bits per
symbol on average, and that a good code spends about ``-log2 p`` bits on a symbol
of probability p. A Huffman code is the best prefix code there is, and its
average length lies between H(p) and H(p) + 1 (chapter 2). A range coder
(arithmetic coding, through the package ``constriction``) driven by a model's
probabilities writes a file within a few bits of the summed ``-log2 p``, so a
model's loss is a file size (chapter 7).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping

import numpy as np

from lib._validate import as_distribution

__all__ = ["code_length_bits", "huffman_code", "mean_code_length", "range_decode", "range_encode"]


def huffman_code(probabilities: Mapping[str, float]) -> dict[str, str]:
    """An optimal binary prefix code for the given symbol probabilities.

    Parameters
    ----------
    probabilities : mapping of str to float
        Each symbol's probability; they must sum to 1. Symbols of
        probability 0 get no codeword.

    Returns
    -------
    dict of str to str
        Each symbol's codeword, a string of ``"0"`` and ``"1"``. No codeword
        is the start of another, so a stream of them decodes unambiguously.
        Ties are broken by the order of the symbols, so the code is the same
        on every run.

    Examples
    --------
    >>> huffman_code({"a": 0.5, "b": 0.25, "c": 0.25})
    {'a': '0', 'b': '10', 'c': '11'}
    """
    symbols, p = _symbol_distribution(probabilities)
    live = [(float(prob), i) for i, prob in enumerate(p) if prob > 0]
    if len(live) == 1:
        return {symbols[live[0][1]]: "0"}
    # Heap entries: (probability, tie-breaker, {symbol index: codeword so far}).
    heap = [(prob, i, {i: ""}) for prob, i in live]
    heapq.heapify(heap)
    counter = len(symbols)
    while len(heap) > 1:
        p0, _, zeros = heapq.heappop(heap)
        p1, _, ones = heapq.heappop(heap)
        merged = {i: "0" + word for i, word in zeros.items()} | {i: "1" + word for i, word in ones.items()}
        heapq.heappush(heap, (p0 + p1, counter, merged))
        counter += 1
    codewords = heap[0][2]
    return {symbols[i]: codewords[i] for i in sorted(codewords)}


def mean_code_length(code: Mapping[str, str], probabilities: Mapping[str, float]) -> float:
    """Average number of bits per symbol: ``sum_s p(s) * len(code[s])``.

    Parameters
    ----------
    code : mapping of str to str
        Each symbol's codeword, a string of ``"0"`` and ``"1"``.
    probabilities : mapping of str to float
        Each symbol's probability, checked like every distribution in
        ``lib`` (numbers in [0, 1] summing to 1; counts are refused with a
        hint to divide by their total). Every symbol of probability > 0
        needs a codeword.

    Returns
    -------
    float
        The expected codeword length in bits.

    Examples
    --------
    >>> mean_code_length({"a": "0", "b": "10", "c": "11"}, {"a": 0.5, "b": 0.25, "c": 0.25})
    1.5
    """
    if not isinstance(code, Mapping):
        raise TypeError(f"code must be a dict mapping each symbol to its codeword, not {type(code).__name__}")
    for symbol, word in code.items():
        if not isinstance(symbol, str):
            raise TypeError(f"code must have string symbols as keys, not {symbol!r}")
        _check_text(symbol, "code")
        if not isinstance(word, str):
            raise TypeError(f"code[{symbol!r}] must be a codeword string such as '010', not {type(word).__name__}")
        if word.strip("01"):
            raise ValueError(f"code[{symbol!r}] = {word!r} must contain only the bits '0' and '1'")
    symbols, p = _symbol_distribution(probabilities)
    missing = [s for s, prob in zip(symbols, p) if prob > 0 and s not in code]
    if missing:
        raise ValueError(f"code has no codeword for the symbols {missing}")
    return math.fsum(float(prob) * len(code[s]) for s, prob in zip(symbols, p) if prob > 0)


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


def _symbol_distribution(probabilities: object) -> tuple[list[str], np.ndarray]:
    """The symbols and their checked probabilities, or a TypeError/ValueError naming ``probabilities``."""
    if not isinstance(probabilities, Mapping) or not probabilities:
        raise TypeError("probabilities must be a non-empty dict mapping each symbol to its probability, "
                        f"not {type(probabilities).__name__}")
    symbols = list(probabilities)
    if not all(isinstance(s, str) for s in symbols):
        raise TypeError("probabilities must have string symbols as keys, e.g. {'a': 0.5, 'b': 0.5}")
    for symbol in symbols:
        _check_text(symbol, "probabilities")
    values = [probabilities[s] for s in symbols]
    for symbol, value in zip(symbols, values):
        if isinstance(value, (str, bytes)) or value is None:
            what = "None" if value is None else f"the {'string' if isinstance(value, str) else 'bytes'} {value!r}"
            raise TypeError(f"probabilities[{symbol!r}] must be a number, not {what} (text is not a number)")
    return symbols, as_distribution(np.array(values, dtype=object), "probabilities")


def _check_text(symbol: str, name: str) -> None:
    """Refuse a symbol that is not valid Unicode text (a lone surrogate such as '\\ud800')."""
    try:
        symbol.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} has the symbol {symbol!r}, which is not valid text "
                         "(it contains a lone surrogate, half of a UTF-16 pair)") from None
