"""Byte-level BPE tokenizers, trained offline with the ``tokenizers`` library (chapter 8).

A language model's loss is a sum of ``-log p`` over *tokens*, so the unit of
the loss depends on what a token is. A **byte-level BPE** (byte-pair
encoding) tokenizer, the kind GPT-2 introduced, starts from the 256 possible
bytes of UTF-8 text and repeatedly merges the most frequent adjacent pair of
tokens in the training text into a new token, until the vocabulary holds
``vocab_size`` tokens. Any text can be encoded (every byte is in the
vocabulary), and decoding gives the text back exactly.

* ``vocab_size = 256``: no merge at all, one token per byte.
* Larger vocabularies: common words and word pieces become single tokens, so
  a text needs fewer tokens (more bytes per token), and each token is one
  choice out of more.

The training itself is Hugging Face's ``tokenizers`` (a Rust BPE trainer),
called exactly as its documentation shows: a ``models.BPE`` model, the
``ByteLevel`` pre-tokenizer (GPT-2's splitting rule, no prefix space) and
decoder, and a ``BpeTrainer`` seeded with the 256-byte alphabet, trained from
a Python iterator with nothing downloaded. Training is deterministic: the
same text and ``vocab_size`` give the same vocabulary and ids on every run
(``tests/test_tokenization.py`` trains twice and compares).
"""

from __future__ import annotations

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from lib._validate import read_real_array, safe_repr

__all__ = ["BYTE_ALPHABET_SIZE", "decode_ids", "encode_ids", "train_byte_bpe"]

#: The byte-level alphabet: one token for each of the 256 byte values.
BYTE_ALPHABET_SIZE = 256
#: Largest vocabulary :func:`train_byte_bpe` accepts (GPT-2's is 50,257).
MAX_VOCAB_SIZE = 1_000_000


def train_byte_bpe(text: str, vocab_size: int) -> Tokenizer:
    """Train a byte-level BPE tokenizer on ``text`` with ``vocab_size`` tokens.

    Parameters
    ----------
    text : str
        The training text (use the training split only, so held-out text is
        tokenized by rules it did not help choose).
    vocab_size : int
        Number of tokens, at least 256 (the byte alphabet; 256 means one token
        per byte, no merges). If ``text`` runs out of pairs to merge, the
        vocabulary stays smaller (``tokenizer.get_vocab_size()`` says how big).

    Returns
    -------
    tokenizers.Tokenizer
        Use :func:`encode_ids` and :func:`decode_ids`, or the library's own
        ``tokenizer.encode(text).ids`` and ``tokenizer.decode(ids)``.

    Examples
    --------
    >>> tok = train_byte_bpe("the cat and the hat and the bat", vocab_size=260)
    >>> tok.get_vocab_size()
    260
    >>> len(encode_ids(tok, "the hat")) < len("the hat".encode("utf-8"))
    True
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    if not text:
        raise ValueError("text is empty: a tokenizer needs training text")
    vocab_size = _check_vocab_size(vocab_size)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator([text], trainer)
    return tokenizer


def encode_ids(tokenizer: Tokenizer, text: str) -> np.ndarray:
    """The token ids of ``text`` as a 1-D int64 array.

    Examples
    --------
    >>> tok = train_byte_bpe("abab", vocab_size=256)  # bytes only
    >>> encode_ids(tok, "é").size  # two UTF-8 bytes, two tokens
    2
    """
    _check_tokenizer(tokenizer)
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return np.asarray(tokenizer.encode(text).ids, dtype=np.int64)


def decode_ids(tokenizer: Tokenizer, ids: object) -> str:
    """The text that the token ``ids`` stand for.

    ``decode_ids(tok, encode_ids(tok, text)) == text`` for every text. A slice
    of ids that cuts a multi-byte character in two decodes that piece to the
    replacement character U+FFFD.

    Examples
    --------
    >>> tok = train_byte_bpe("low lower lowest", vocab_size=264)
    >>> decode_ids(tok, encode_ids(tok, "lowest, née"))
    'lowest, née'
    """
    _check_tokenizer(tokenizer)
    arr = read_real_array(ids, "ids")
    if arr.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence of token ids, but got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"ids must be integer token ids, but got dtype {arr.dtype}")
    v = tokenizer.get_vocab_size()
    if arr.size and (arr.min() < 0 or arr.max() >= v):
        bad = arr[(arr < 0) | (arr >= v)][0]
        raise ValueError(f"ids must lie in [0, {v - 1}] (the vocabulary), but one is {int(bad)}")
    return tokenizer.decode([int(i) for i in arr])


def _check_vocab_size(vocab_size: object) -> int:
    if isinstance(vocab_size, (bool, np.bool_)) or not isinstance(vocab_size, (int, np.integer)):
        raise TypeError(f"vocab_size must be a whole number such as 512, not {safe_repr(vocab_size)} "
                        f"(a {type(vocab_size).__name__})")
    if not BYTE_ALPHABET_SIZE <= vocab_size <= MAX_VOCAB_SIZE:
        raise ValueError(f"vocab_size must be at least {BYTE_ALPHABET_SIZE} (one token per byte value) "
                         f"and at most {MAX_VOCAB_SIZE:,}, but got {int(vocab_size)}")
    return int(vocab_size)


def _check_tokenizer(tokenizer: object) -> None:
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError(f"tokenizer must be a tokenizers.Tokenizer (from train_byte_bpe), "
                        f"not {safe_repr(tokenizer)} (a {type(tokenizer).__name__})")
