"""lib.tokenization: byte-level BPE round trip, determinism, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from tokenizers import Tokenizer

from lib.corpus import load_split
from lib.tokenization import decode_ids, encode_ids, train_byte_bpe

TRICKY = [
    "",
    " ",
    "  leading and trailing spaces  ",
    "tabs\tand\r\nwindows newlines\n\n",
    "café naïve résumé — “quotes” ‘single’ …",
    "日本語のテキスト, 中文, 한국어",
    "emoji 🙂👍🏽 and a ZWJ family 👨‍👩‍👧",
    "\x00 control \x07 bytes \x7f",
    "def f(x):\n    return x ** 2  # comment\n",
]


@pytest.fixture(scope="module")
def split():
    return load_split()


@pytest.fixture(scope="module")
def tokenizer(split):
    return train_byte_bpe(split.train[:100_000], vocab_size=1000)


@pytest.mark.parametrize("text", TRICKY)
def test_round_trip_on_unusual_text(tokenizer, text):
    ids = encode_ids(tokenizer, text)
    assert ids.dtype == np.int64 and ids.ndim == 1
    assert decode_ids(tokenizer, ids) == text


def test_round_trip_on_held_out_text(tokenizer, split):
    for text in (split.validation, split.test):
        ids = encode_ids(tokenizer, text)
        assert decode_ids(tokenizer, ids) == text
        assert len(ids) < len(text.encode("utf-8"))  # merges make tokens longer than a byte


def test_byte_vocabulary_is_one_token_per_byte(split):
    tok = train_byte_bpe(split.train[:5000], vocab_size=256)
    text = "naïve 日本"
    assert tok.get_vocab_size() == 256
    assert len(encode_ids(tok, text)) == len(text.encode("utf-8"))
    assert decode_ids(tok, encode_ids(tok, text)) == text


def test_training_is_deterministic(split):
    text = split.train[:60_000]
    a, b = train_byte_bpe(text, 700), train_byte_bpe(text, 700)
    assert a.get_vocab() == b.get_vocab()
    assert a.to_str() == b.to_str()
    np.testing.assert_array_equal(encode_ids(a, split.test), encode_ids(b, split.test))


def test_larger_vocabulary_gives_fewer_tokens(split):
    text = split.train[:60_000]
    counts = [len(encode_ids(train_byte_bpe(text, v), split.test)) for v in (256, 400, 1000)]
    assert counts[0] == len(split.test.encode("utf-8"))
    assert counts[0] > counts[1] > counts[2]


def test_vocab_size_is_honoured(split):
    tok = train_byte_bpe(split.train[:60_000], 512)
    assert tok.get_vocab_size() == 512
    assert encode_ids(tok, split.test).max() < 512


def test_agrees_with_the_library_api(tokenizer):
    text = "The quick brown fox"
    assert encode_ids(tokenizer, text).tolist() == tokenizer.encode(text).ids
    assert decode_ids(tokenizer, np.array(tokenizer.encode(text).ids)) == tokenizer.decode(tokenizer.encode(text).ids)


@pytest.mark.parametrize("call, error, words", [
    (lambda tok: train_byte_bpe("abc", 255), ValueError, ["vocab_size", "256"]),
    (lambda tok: train_byte_bpe("abc", 300.0), TypeError, ["vocab_size"]),
    (lambda tok: train_byte_bpe("abc", True), TypeError, ["vocab_size"]),
    (lambda tok: train_byte_bpe(b"abc", 300), TypeError, ["text", "str"]),
    (lambda tok: train_byte_bpe("", 300), ValueError, ["text", "empty"]),
    (lambda tok: encode_ids(tok, 12), TypeError, ["text", "str"]),
    (lambda tok: encode_ids("not a tokenizer", "abc"), TypeError, ["tokenizer"]),
    (lambda tok: decode_ids(tok, [1, 2, 5000]), ValueError, ["ids", "5000"]),
    (lambda tok: decode_ids(tok, [-1]), ValueError, ["ids", "-1"]),
    (lambda tok: decode_ids(tok, [[1, 2]]), ValueError, ["ids", "1-D"]),
    (lambda tok: decode_ids(tok, [1.5]), TypeError, ["ids", "integer"]),
    (lambda tok: decode_ids(tok, "abc"), TypeError, ["ids"]),
])
def test_bad_input_names_the_argument(tokenizer, call, error, words):
    with pytest.raises(error) as info:
        call(tokenizer)
    for word in words:
        assert word in str(info.value)


def test_the_tokenizer_type_is_the_library_one(tokenizer):
    assert isinstance(tokenizer, Tokenizer)


def test_training_is_deterministic_across_processes(split):
    """Another interpreter (another hash seed) trains the very same tokenizer."""
    code = ("from lib.corpus import load_split; from lib.tokenization import train_byte_bpe; "
            "print(train_byte_bpe(load_split().train[:60_000], 700).to_str())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
    assert out == train_byte_bpe(split.train[:60_000], 700).to_str()
