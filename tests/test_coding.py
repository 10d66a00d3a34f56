"""lib.coding: Huffman codes are prefix-free, optimal and within one bit of the entropy; the range coder
writes the summed surprise."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import lib
from lib.coding import code_length_bits, huffman_code, mean_code_length, range_decode, range_encode
from tests.conftest import random_distributions


def is_prefix_free(code: dict[str, str]) -> bool:
    return not any(a != b and wb.startswith(wa) for (a, wa), (b, wb) in itertools.permutations(code.items(), 2))


def test_dyadic_distribution_meets_the_entropy_exactly():
    probs = {"a": 0.5, "b": 0.25, "c": 0.125, "d": 0.125}
    code = huffman_code(probs)
    assert {s: len(w) for s, w in code.items()} == {"a": 1, "b": 2, "c": 3, "d": 3}
    assert mean_code_length(code, probs) == lib.entropy(list(probs.values()), base=2) == 1.75


def test_random_distributions(rng):
    for row in random_distributions(rng, 200, 7, zeros=True):
        probs = {f"s{i}": float(p) for i, p in enumerate(row)}
        code = huffman_code(probs)
        assert is_prefix_free(code)
        assert set(code) == {s for s, p in probs.items() if p > 0}
        kraft = sum(2.0 ** -len(w) for w in code.values())
        assert kraft == pytest.approx(1.0) or len(code) == 1  # a full binary tree
        length, entropy = mean_code_length(code, probs), lib.entropy(row, base=2)
        assert entropy - 1e-12 <= length < entropy + 1


def test_huffman_is_optimal_against_brute_force(rng):
    """No assignment of codeword lengths satisfying Kraft's inequality does better."""
    for row in random_distributions(rng, 20, 4):
        probs = {f"s{i}": float(p) for i, p in enumerate(row)}
        best = min(
            sum(p * n for p, n in zip(row, lengths))
            for lengths in itertools.product(range(1, 5), repeat=4)
            if sum(2.0 ** -n for n in lengths) <= 1
        )
        assert mean_code_length(huffman_code(probs), probs) == pytest.approx(best)


def test_deterministic_and_edge_cases():
    probs = {"x": 0.25, "y": 0.25, "z": 0.25, "w": 0.25}
    assert huffman_code(probs) == huffman_code(dict(probs))
    assert huffman_code({"only": 1.0}) == {"only": "0"}
    assert huffman_code({"a": 1.0, "b": 0.0}) == {"a": "0"}


@pytest.mark.parametrize(
    "bad, error, words",
    [
        ({}, TypeError, ["non-empty dict"]),
        ([0.5, 0.5], TypeError, ["dict"]),
        ({1: 0.5, 2: 0.5}, TypeError, ["string symbols"]),
        ({"a": 0.5, "b": 0.4}, ValueError, ["sum to 1"]),
        ({"a": 1.5, "b": -0.5}, ValueError, ["[0, 1]"]),
        ({"a": "0.5", "b": 0.5}, TypeError, ["string"]),
        (None, TypeError, ["probabilities", "dict", "NoneType"]),
        (b"ab", TypeError, ["probabilities", "dict", "bytes"]),
        ({"a": None, "b": 1.0}, TypeError, ["probabilities['a']", "None"]),
        ({"a": b"0.5", "b": 0.5}, TypeError, ["probabilities['a']", "bytes"]),
        ({"a": 0.5 + 0j, "b": 0.5}, TypeError, ["probabilities", "complex"]),
        ({"a": [0.5], "b": 0.5}, TypeError, ["probabilities", "list"]),
        ({"a": 50, "b": 50}, ValueError, ["probabilities", "counts", "total"]),
        ({"a": math.nan, "b": 1.0}, ValueError, ["probabilities", "NaN"]),
        ({"a": -0.5, "b": 1.5}, ValueError, ["probabilities", "[0, 1]"]),
        ({"a": 10**400, "b": 0.5}, ValueError, ["probabilities", "too large"]),
        ({"\ud800": 0.5, "b": 0.5}, ValueError, ["probabilities", "surrogate"]),
        ({b"a": 0.5, "b": 0.5}, TypeError, ["string symbols"]),
    ],
)
def test_bad_input(bad, error, words):
    with pytest.raises(error) as excinfo:
        huffman_code(bad)
    assert all(w in str(excinfo.value) for w in words), str(excinfo.value)
    with pytest.raises(error) as excinfo:  # the same distribution checks in mean_code_length
        mean_code_length({"a": "0", "b": "1"}, bad)
    assert all(w in str(excinfo.value) for w in words), str(excinfo.value)


@pytest.mark.parametrize(
    "code, error, words",
    [
        (None, TypeError, ["code", "dict", "NoneType"]),
        (["0", "1"], TypeError, ["code", "dict", "list"]),
        ({"a": 0, "b": "1"}, TypeError, ["code['a']", "codeword string", "int"]),
        ({"a": b"0", "b": "1"}, TypeError, ["code['a']", "bytes"]),
        ({"a": "0", "b": "2"}, ValueError, ["code['b']", "'0' and '1'"]),
        ({"a": "0", 7: "1"}, TypeError, ["code", "string symbols"]),
        ({"a": "0", "\udc80": "1"}, ValueError, ["code", "surrogate"]),
    ],
)
def test_mean_code_length_checks_the_code(code, error, words):
    with pytest.raises(error) as excinfo:
        mean_code_length(code, {"a": 0.5, "b": 0.5})
    assert all(w in str(excinfo.value) for w in words), str(excinfo.value)


def test_mean_code_length_needs_every_symbol():
    with pytest.raises(ValueError, match="no codeword"):
        mean_code_length({"a": "0"}, {"a": 0.5, "b": 0.5})
    assert math.isclose(mean_code_length({"a": "0", "b": "1"}, {"a": 0.3, "b": 0.7}), 1.0)


def test_code_length_bits():
    assert code_length_bits([0.5, 0.25]) == 3.0
    assert code_length_bits([0.0]) == np.inf


def test_range_coder_round_trip_costs_the_summed_surprise(rng):
    pytest.importorskip("constriction")
    probs = rng.dirichlet(np.ones(8) * 0.5, size=3000)
    message = np.array([rng.choice(8, p=row) for row in probs])
    packed = range_encode(message, probs)
    assert np.array_equal(range_decode(packed, probs), message)
    ideal = code_length_bits(probs[np.arange(len(message)), message])
    assert ideal <= 32 * len(packed) <= ideal + 64
