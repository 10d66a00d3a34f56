"""Prefix codes: the coding-length reading of surprise (chapter 2).

Shannon's source coding theorem says no code can spend fewer than H(p) bits per
symbol on average, and that a good code spends about ``-log2 p`` bits on a symbol
of probability p. A Huffman code is the best prefix code there is, and its
average length lies between H(p) and H(p) + 1.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping

import numpy as np

from lib._validate import as_distribution


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
