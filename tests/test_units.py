"""lib.units: the conversion rules agree with each other and with a direct count."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib import units
from lib.information import perplexity


def test_rules_agree_on_one_text():
    """Per token -> per byte through every route gives the same bits per byte."""
    rng = np.random.default_rng(0)
    token_nll = rng.exponential(2.0, size=137)  # -log p of each of 137 tokens
    n_bytes, n_tokens = 512, token_nll.size
    total = token_nll.sum()
    direct = total / n_bytes / math.log(2)
    assert units.bits_per_byte(total, n_bytes) == pytest.approx(direct, rel=1e-14)
    per_token = total / n_tokens
    assert units.nats_to_bits(units.per_token_to_per_byte(per_token, n_tokens / n_bytes)) == pytest.approx(direct)
    assert units.per_token_to_per_byte(units.nats_to_bits(per_token), n_tokens / n_bytes) == pytest.approx(direct)
    assert units.perplexity_to_bits_per_byte(perplexity(per_token), n_tokens / n_bytes) == pytest.approx(direct)


def test_word_perplexity_rule():
    words, chars, total = 200, 1234, 900.0
    word_ppl = math.exp(total / words)
    got = units.word_perplexity_to_bits_per_character(word_ppl, chars / words)
    assert got == pytest.approx(units.bits_per_character(total, chars))


def test_ascii_bytes_equal_characters_and_utf8_does_not():
    assert units.utf8_length("hello") == 5
    assert units.utf8_length("héllo ✓") == 10
    assert units.bits_per_byte(10.0, 5) == units.bits_per_character(10.0, 5)


def test_compressed_rate():
    assert units.compressed_bits_per_byte(100, 800) == 1.0


def test_vectorised_and_inf():
    out = units.bits_per_byte([math.log(2), math.inf], [1, 1])
    assert isinstance(out, np.ndarray) and out[0] == pytest.approx(1.0) and out[1] == math.inf
    assert isinstance(units.bits_per_byte(1.0, 2), float)
    assert units.perplexity_to_bits_per_byte(math.inf, 0.5) == math.inf


@pytest.mark.parametrize("call, error, words", [
    (lambda: units.bits_per_byte(-1.0, 10), ValueError, ["total_nats", ">= 0"]),
    (lambda: units.bits_per_byte(1.0, 0), ValueError, ["n_bytes", "greater than 0"]),
    (lambda: units.bits_per_byte("3", 10), TypeError, ["total_nats"]),
    (lambda: units.bits_per_byte(math.nan, 10), ValueError, ["total_nats", "NaN"]),
    (lambda: units.bits_per_character(1.0, -3), ValueError, ["n_chars"]),
    (lambda: units.per_token_to_per_byte(1.0, 0.0), ValueError, ["tokens_per_byte"]),
    (lambda: units.perplexity_to_bits_per_byte(0.5, 0.3), ValueError, ["token_perplexity", ">= 1"]),
    (lambda: units.word_perplexity_to_bits_per_character(100.0, None), TypeError, ["characters_per_word"]),
    (lambda: units.compressed_bits_per_byte(-1, 10), ValueError, ["compressed_bytes"]),
    (lambda: units.utf8_length(b"abc"), TypeError, ["text", "str"]),
    (lambda: units.nats_to_bits(-0.1), ValueError, ["nats"]),
])
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)
