"""The unit of a loss: per token, per byte, per character; nats, bits, perplexity (chapter 8).

A language model's loss on a text is one number, the **total** ``-log p`` of
the text, in nats. Everything people publish is that total divided by some
count and perhaps converted to bits or exponentiated:

=========================  ==============================================
nats per token             ``total_nats / n_tokens``
bits per token             ``total_nats / (n_tokens * ln 2)``
token perplexity           ``exp(total_nats / n_tokens)``
bits per byte (bpb)        ``total_nats / (n_bytes * ln 2)``  (UTF-8 bytes)
bits per character (bpc)   ``total_nats / (n_chars * ln 2)``
=========================  ==============================================

Only the last two are comparable between models with different tokenizers,
because the bytes (or characters) of a text are the same whatever the
tokenizer; the number of tokens is not. The rules below move between them;
each needs the ratio of the two counts (tokens per byte, characters per word,
...) measured on the *same* text. For ASCII text bytes and characters are the
same count; a character outside ASCII takes 2 to 4 bytes in UTF-8.

All functions take numbers or numpy arrays and return floats (or arrays).
``-log 0 = +inf`` stays ``+inf`` on purpose: a model that gives probability 0
to something in the text has an infinite loss in every unit.
"""

from __future__ import annotations

import math

import numpy as np

from lib._validate import as_float_array, to_output

__all__ = [
    "bits_per_byte",
    "bits_per_character",
    "compressed_bits_per_byte",
    "nats_to_bits",
    "per_token_to_per_byte",
    "perplexity_to_bits_per_byte",
    "utf8_length",
    "word_perplexity_to_bits_per_character",
]

LN2 = math.log(2.0)


def nats_to_bits(nats: object) -> float | np.ndarray:
    """A loss in nats expressed in bits: ``nats / ln 2`` (1 nat ≈ 1.4427 bits).

    Examples
    --------
    >>> round(nats_to_bits(math.log(2)), 12)
    1.0
    """
    return to_output(_loss(nats, "nats") / LN2)


def bits_per_byte(total_nats: object, n_bytes: object) -> float | np.ndarray:
    """Bits per byte: ``total_nats / (n_bytes * ln 2)``.

    Parameters
    ----------
    total_nats : float or array_like
        The summed ``-log p`` of a text (in nats), over all its tokens.
    n_bytes : int or array_like
        The length of the same text in UTF-8 bytes (:func:`utf8_length`).

    Examples
    --------
    >>> bits_per_byte(8 * math.log(2), 8)  # one bit for each of 8 bytes
    1.0
    """
    return to_output(_loss(total_nats, "total_nats") / (_count(n_bytes, "n_bytes") * LN2))


def bits_per_character(total_nats: object, n_chars: object) -> float | np.ndarray:
    """Bits per character: ``total_nats / (n_chars * ln 2)``.

    ``n_chars`` counts Unicode characters (``len(text)`` in Python). Equal to
    :func:`bits_per_byte` on ASCII text.

    Examples
    --------
    >>> round(bits_per_character(10 * math.log(4), 10), 12)  # 2 bits a character
    2.0
    """
    return to_output(_loss(total_nats, "total_nats") / (_count(n_chars, "n_chars") * LN2))


def per_token_to_per_byte(loss_per_token: object, tokens_per_byte: object) -> float | np.ndarray:
    """A per-token loss as a per-byte loss, in the same unit: ``loss_per_token * tokens_per_byte``.

    Why: ``total = loss_per_token * n_tokens``, and dividing by ``n_bytes``
    gives ``loss_per_token * (n_tokens / n_bytes)``. Pass nats per token to get
    nats per byte (divide by ln 2 for bits per byte, :func:`nats_to_bits`), or
    bits per token to get bits per byte.

    Examples
    --------
    >>> per_token_to_per_byte(3.0, 0.25)  # 3 nats a token, 4 bytes a token
    0.75
    """
    return to_output(_loss(loss_per_token, "loss_per_token") * _count(tokens_per_byte, "tokens_per_byte"))


def perplexity_to_bits_per_byte(token_perplexity: object, tokens_per_byte: object) -> float | np.ndarray:
    """A token-level perplexity as bits per byte: ``log2(token_perplexity) * tokens_per_byte``.

    A perplexity is ``exp(nats per token)``, so its base-2 log is bits per
    token; times tokens per byte it is bits per byte. Without the tokens per
    byte of the tokenizer on that text, the conversion is impossible.

    Examples
    --------
    >>> perplexity_to_bits_per_byte(16.0, 0.25)  # 4 bits a token, 4 bytes a token
    1.0
    """
    ppl = _perplexity(token_perplexity, "token_perplexity")
    with np.errstate(divide="ignore"):
        return to_output(np.log2(ppl) * _count(tokens_per_byte, "tokens_per_byte"))


def word_perplexity_to_bits_per_character(word_perplexity: object,
                                          characters_per_word: object) -> float | np.ndarray:
    """A word-level perplexity as bits per character: ``log2(word_perplexity) / characters_per_word``.

    ``characters_per_word`` is the text's number of characters divided by its
    number of words, spaces and punctuation included (the loss of the whole
    text is spread over all its characters). A published word-level
    perplexity rarely comes with that ratio for its test set, and without it
    the number cannot join a bits-per-character column: perplexity 100 is
    1.33 bits per character at 5 characters a word and 1.11 at 6.

    Examples
    --------
    >>> round(word_perplexity_to_bits_per_character(2.0 ** 6, 6.0), 12)  # 6 bits over 6 characters
    1.0
    >>> word_perplexity_to_bits_per_character(100.0, [5.0, 6.0]).round(2)
    array([1.33, 1.11])
    """
    ppl = _perplexity(word_perplexity, "word_perplexity")
    with np.errstate(divide="ignore"):
        return to_output(np.log2(ppl) / _count(characters_per_word, "characters_per_word"))


def compressed_bits_per_byte(compressed_bytes: object, n_bytes: object) -> float | np.ndarray:
    """A compressor's rate in bits per byte: ``8 * compressed_bytes / n_bytes``.

    The same unit as :func:`bits_per_byte`: a model's total ``-log2 p`` is the
    size an entropy coder driven by it would write, to within a few bytes.

    Examples
    --------
    >>> compressed_bits_per_byte(250, 1000)
    2.0
    """
    size = as_float_array(compressed_bytes, "compressed_bytes")
    if np.any(size < 0):
        raise ValueError("compressed_bytes must be >= 0")
    return to_output(8.0 * size / _count(n_bytes, "n_bytes"))


def utf8_length(text: str) -> int:
    """The number of bytes of ``text`` in UTF-8: the ``n_bytes`` of :func:`bits_per_byte`.

    Examples
    --------
    >>> utf8_length("naïve"), len("naïve")
    (6, 5)
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return len(text.encode("utf-8"))


def _loss(x: object, name: str) -> np.ndarray:
    arr = as_float_array(x, name, allow_inf=True)
    if np.isneginf(arr).any() or (arr < 0).any():
        raise ValueError(f"{name} must be >= 0 (a sum or mean of -log p), but got a negative value")
    return arr.astype(np.float64)


def _count(x: object, name: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if (arr <= 0).any():
        raise ValueError(f"{name} must be greater than 0, but got {arr[arr <= 0].ravel()[0]:g}")
    return arr.astype(np.float64)


def _perplexity(x: object, name: str) -> np.ndarray:
    arr = as_float_array(x, name, allow_inf=True)
    if np.isneginf(arr).any() or (arr < 1).any():
        raise ValueError(f"{name} must be >= 1 (it is exp of a mean -log p), "
                         f"but got {arr[arr < 1].ravel()[0]:g}")
    return arr.astype(np.float64)
