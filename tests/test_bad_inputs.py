"""Bad input gets a clear TypeError or ValueError that names the argument and the problem."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lib

GOOD_P = [0.2, 0.3, 0.5]
GOOD_LOGITS = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]

# (call, exception type, words the message must contain)
CASES = [
    # probabilities outside [0, 1]
    (lambda: lib.surprise(1.5), ValueError, ["p", "[0, 1]", "1.5"]),
    (lambda: lib.surprise([0.5, -0.1]), ValueError, ["p", "[0, 1]", "p[1]"]),
    (lambda: lib.nll([0.5, 2.0]), ValueError, ["p_of_truth", "[0, 1]"]),
    (lambda: lib.binary_cross_entropy([1, 0], [0.5, 1.2]), ValueError, ["p_hat", "[0, 1]"]),
    (lambda: lib.binary_cross_entropy([2, 0], [0.5, 0.5]), ValueError, ["y", "[0, 1]"]),
    (lambda: lib.entropy([1.2, -0.2]), ValueError, ["p", "[0, 1]"]),
    # distributions that do not sum to 1
    (lambda: lib.entropy([0.2, 0.3]), ValueError, ["p", "sum to 1", "0.5"]),
    (lambda: lib.cross_entropy(GOOD_P, [0.5, 0.5, 0.5]), ValueError, ["p_model", "sum to 1"]),
    (lambda: lib.kl_divergence([[0.5, 0.5], [0.5, 0.4]], [[0.5, 0.5]] * 2), ValueError, ["p_data", "sum to 1", "row"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, [[0.5, 0.5, 0.5]] * 2), ValueError, ["targets", "sum to 1"]),
    (lambda: lib.entropy(0.5), ValueError, ["p", "distribution"]),
    # NaN
    (lambda: lib.surprise(float("nan")), ValueError, ["p is NaN"]),
    (lambda: lib.entropy([0.5, math.nan]), ValueError, ["p", "NaN", "position"]),
    (lambda: lib.softmax([1.0, math.nan]), ValueError, ["logits", "NaN"]),
    (lambda: lib.gaussian_nll([math.nan], [0.0], 1.0), ValueError, ["y", "NaN"]),
    (lambda: lib.perplexity(math.nan), ValueError, ["mean_nll", "NaN"]),
    (lambda: lib.dpo_loss([-1.0], [math.nan], [-1.0], [-1.0]), ValueError, ["policy_rejected_logp", "NaN"]),
    # mismatched shapes
    (lambda: lib.cross_entropy(GOOD_P, [0.5, 0.5]), ValueError, ["p_data", "p_model", "same shape", "(3,)", "(2,)"]),
    (lambda: lib.kl_divergence(GOOD_P, [[0.2, 0.3, 0.5]] * 2), ValueError, ["same shape"]),
    (lambda: lib.binary_cross_entropy([1, 0, 1], [0.5, 0.5]), ValueError, ["y", "p_hat", "same shape"]),
    (lambda: lib.gaussian_nll([1.0, 2.0], [1.0], 1.0), ValueError, ["y", "mu", "same shape"]),
    (lambda: lib.gaussian_nll([1.0, 2.0], [1.0, 2.0], [1.0, 1.0, 1.0]), ValueError, ["sigma", "same shape"]),
    (lambda: lib.dpo_loss([-1.0, -2.0], [-1.0], [-1.0], [-1.0]), ValueError, ["policy_rejected_logp", "same shape"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, [0, 1, 2]), ValueError, ["targets", "3", "2 rows"]),
    (lambda: lib.cross_entropy_from_logits([1.0, 2.0], [0]), ValueError, ["logits", "(N, K)", "logits[None, :]"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, [[0.0, 1.0]] * 2), ValueError, ["targets", "same shape"]),
    # targets out of range or of the wrong kind
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, [0, 3]), ValueError, ["targets", "[0, 2]", "3"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, [-1, 0]), ValueError, ["targets", "-1"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, [0.0, 1.0]), TypeError, ["targets", "integer"]),
    (lambda: lib.binary_cross_entropy_from_logits([1, 0], [0.5]), ValueError, ["y", "logits", "same shape"]),
    (lambda: lib.binary_cross_entropy_from_logits([1], [math.nan]), ValueError, ["logits", "NaN"]),
    (lambda: lib.binary_cross_entropy_from_logits([1.5], [0.0]), ValueError, ["y", "[0, 1]"]),
    # sigma and beta
    (lambda: lib.gaussian_nll([1.0], [1.0], 0.0), ValueError, ["sigma", "greater than 0"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], -2.0), ValueError, ["sigma", "greater than 0"]),
    (lambda: lib.gaussian_nll([1.0, 2.0], [1.0, 2.0], [1.0, 0.0]), ValueError, ["sigma", "> 0"]),
    (lambda: lib.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta=0), ValueError, ["beta", "greater than 0"]),
    (lambda: lib.dpo_loss([0.5], [-1.0], [-1.0], [-1.0]), ValueError, ["policy_chosen_logp", "<= 0"]),
    # strings and other non-numbers
    (lambda: lib.surprise("0.5"), TypeError, ["p", "string"]),
    (lambda: lib.entropy(["0.5", "0.5"]), TypeError, ["p", "strings"]),
    (lambda: lib.softmax("1, 2, 3"), TypeError, ["logits", "string"]),
    (lambda: lib.nll([0.5, None]), TypeError, ["p_of_truth", "None"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], "1"), TypeError, ["sigma", "number"]),
    (lambda: lib.surprise(0.5, base="2"), TypeError, ["base"]),
    (lambda: lib.surprise(0.5, base=1), ValueError, ["base", "other than 1"]),
    (lambda: lib.surprise(1 + 0.5j), TypeError, ["p", "complex"]),
    (lambda: lib.surprise([[0.5], [0.5, 0.5]]), ValueError, ["p", "could not be read"]),
    # infinities where they make no sense, and other impossible values
    (lambda: lib.softmax([np.inf, 1.0]), ValueError, ["logits", "+inf"]),
    (lambda: lib.softmax([-np.inf, -np.inf]), ValueError, ["-inf", "row"]),
    (lambda: lib.perplexity(-0.5), ValueError, ["mean_nll", ">= 0"]),
    (lambda: lib.nll([]), ValueError, ["p_of_truth", "empty"]),
    (lambda: lib.binary_cross_entropy([], []), ValueError, ["y", "empty"]),
    (lambda: lib.gaussian_nll([], [], 1.0), ValueError, ["y", "empty"]),
    (lambda: lib.dpo_loss([], [], [], []), ValueError, ["policy_chosen_logp", "empty", "pair"]),
]


@pytest.mark.parametrize("call, error, words", CASES)
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error) as excinfo:
        call()
    message = str(excinfo.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_tolerance_of_the_sum_check():
    lib.entropy([0.5, 0.5 + 5e-7])  # within 1e-6: accepted
    with pytest.raises(ValueError):
        lib.entropy([0.5, 0.5 + 5e-6])
    probs32 = lib.softmax(np.random.default_rng(0).normal(size=50_257)).astype(np.float32)
    assert np.isfinite(lib.entropy(probs32))  # float32 rounding over a big vocabulary is accepted
