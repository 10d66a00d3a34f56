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


def test_tolerance_of_the_sum_check():
    lib.entropy([0.5, 0.5 + 5e-7])  # within 1e-6: accepted
    with pytest.raises(ValueError):
        lib.entropy([0.5, 0.5 + 5e-6])
    probs32 = lib.softmax(np.random.default_rng(0).normal(size=50_257)).astype(np.float32)
    assert np.isfinite(lib.entropy(probs32))  # float32 rounding over a big vocabulary is accepted


# --- Each CLASS of bad value, tried on every array argument of every function -------------

class _FakeHugeSequence:
    """Claims 10**12 items: reading it naively asks for terabytes."""

    def __len__(self):
        return 10**12

    def __getitem__(self, i):
        return 0.5


class _BrokenArray:
    """An array-like whose conversion itself fails with an unusual exception."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("this object cannot become an array")


def _grad_tensor():
    torch = pytest.importorskip("torch")
    return torch.tensor([0.5, 0.5], requires_grad=True)


# (label, value, exception, words the message must contain besides the argument's name)
BAD_VALUES = [
    ("None", lambda: None, TypeError, ["None"]),
    ("string", lambda: "0.5", TypeError, ["string"]),
    ("bytes", lambda: b"0.5", TypeError, ["bytes"]),
    ("list of strings", lambda: ["0.5", "0.5"], TypeError, ["strings"]),
    ("object array of strings", lambda: np.array(["0.5", "0.5"], dtype=object), TypeError, ["text"]),
    ("list with None", lambda: [0.5, None], TypeError, ["None"]),
    ("complex", lambda: np.array([0.5 + 1j, 0.5]), TypeError, ["complex"]),
    ("object complex", lambda: np.array([0.5 + 1j, 0.5], dtype=object), TypeError, ["complex"]),
    ("datetime", lambda: np.array(["2020-01-01", "2020-01-02"], dtype="datetime64[D]"), TypeError, ["dates"]),
    ("timedelta", lambda: np.array([1, 2], dtype="timedelta64[s]"), TypeError, ["time spans"]),
    ("structured", lambda: np.zeros(2, dtype=[("a", "f8")]), TypeError, ["records"]),
    ("dict inside", lambda: np.array([{"p": 0.5}, 0.5], dtype=object), TypeError, ["dict"]),
    ("masked", lambda: np.ma.array([0.5, 0.5], mask=[0, 1]), TypeError, ["masked", "compressed()"]),
    ("grad tensor", _grad_tensor, TypeError, ["requires grad", "detach()"]),
    ("huge sequence", _FakeHugeSequence, TypeError, ["could not be read", "MemoryError"]),
    ("broken __array__", _BrokenArray, TypeError, ["could not be read", "RuntimeError"]),
    ("huge int", lambda: [10**400, 0.5], ValueError, ["too large for a float"]),
    ("ragged", lambda: [[0.5], [0.5, 0.5]], ValueError, ["could not be read"]),
]

P2, Z2 = [0.5, 0.5], [[1.0, 2.0], [0.0, 0.5]]
# (function name, keyword arguments that work)
GOOD_CALLS = [
    ("surprise", dict(p=P2)),
    ("entropy", dict(p=P2)),
    ("cross_entropy", dict(p_data=P2, p_model=P2)),
    ("kl_divergence", dict(p_data=P2, p_model=P2)),
    ("perplexity", dict(mean_nll=P2)),
    ("nll", dict(p_of_truth=P2)),
    ("softmax", dict(logits=P2)),
    ("log_softmax", dict(logits=P2)),
    ("cross_entropy_from_logits", dict(logits=Z2, targets=[0, 1])),
    ("binary_cross_entropy", dict(y=P2, p_hat=P2)),
    ("binary_cross_entropy_from_logits", dict(y=P2, logits=P2)),
    ("gaussian_nll", dict(y=P2, mu=P2, sigma=P2)),
    ("dpo_loss", dict(policy_chosen_logp=[-1.0, -1.0], policy_rejected_logp=[-1.0, -1.0],
                      ref_chosen_logp=[-1.0, -1.0], ref_rejected_logp=[-1.0, -1.0])),
]
MATRIX = [
    pytest.param(function, arg, kwargs, label, make, error, words, id=f"{function}-{arg}-{label}")
    for function, kwargs in GOOD_CALLS
    for arg in kwargs
    for label, make, error, words in BAD_VALUES
]


@pytest.mark.parametrize("function, kwargs", GOOD_CALLS)
def test_the_good_calls_work(function, kwargs):
    assert np.all(np.isfinite(getattr(lib, function)(**kwargs)))


@pytest.mark.parametrize("function, arg, kwargs, label, make, error, words", MATRIX)
def test_every_class_of_bad_value_is_refused_by_name(function, arg, kwargs, label, make, error, words):
    with pytest.raises(error) as excinfo:
        getattr(lib, function)(**{**kwargs, arg: make()})
    message = str(excinfo.value)
    assert message.startswith(arg) or f" {arg}" in message, message
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


# --- The examples and the other cases without a shared pattern --------------------

MORE_CASES = [
    (lambda: lib.softmax([]), ValueError, ["logits", "empty", "at least one choice"]),
    (lambda: lib.softmax(np.zeros((3, 0))), ValueError, ["logits", "empty", "(3, 0)"]),
    (lambda: lib.log_softmax(np.zeros((0, 3)), axis=0), ValueError, ["logits", "empty along axis 0"]),
    (lambda: lib.softmax([1.0, 2.0], axis=1.0), TypeError, ["axis", "integer"]),
    (lambda: lib.softmax([1.0, 2.0], axis=1), ValueError, ["axis", "out of range", "1 dimension"]),
    (lambda: lib.log_softmax([1.0, 2.0], axis=True), TypeError, ["axis", "integer"]),
    (lambda: lib.softmax(3.0), ValueError, ["logits", "single number"]),
    (lambda: lib.cross_entropy_from_logits(np.zeros((2, 0)), [0, 0]), ValueError, ["logits", "no columns"]),
    (lambda: lib.cross_entropy_from_logits(np.zeros((0, 3)), []), ValueError, ["logits", "no rows"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, [True, False]), TypeError, ["targets", "integer"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, None), TypeError, ["targets", "None"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, ["0", "1"]), TypeError, ["targets"]),
    (lambda: lib.cross_entropy_from_logits(GOOD_LOGITS, np.ma.array([0, 1], mask=[1, 0])), TypeError,
     ["targets", "masked"]),
    (lambda: lib.surprise(10**400), ValueError, ["p", "too large for a float"]),
    (lambda: lib.surprise(-(10**400)), ValueError, ["p", "too large for a float"]),
    (lambda: lib.nll(np.ma.array([0.5, 0.25, 0.01], mask=[0, 0, 1])), TypeError, ["p_of_truth", "1 masked entry"]),
    (lambda: lib.surprise(np.array(["0.5"], dtype=object)), TypeError, ["p", "text", "'0.5'"]),
    (lambda: lib.surprise(np.array([b"0.5"], dtype=object)), TypeError, ["p", "text"]),
    (lambda: lib.surprise(np.array(["2020-01-01"], dtype="datetime64[D]")), TypeError, ["p", "datetime64"]),
    (lambda: lib.surprise(np.array([1], dtype="timedelta64[s]")), TypeError, ["p", "timedelta64"]),
    (lambda: lib.surprise(np.array([[None]], dtype=object)), TypeError, ["p", "None", "position [0, 0]"]),
    (lambda: lib.entropy({"a": 0.5, "b": 0.5}), TypeError, ["p", "dict"]),
    (lambda: lib.entropy(x for x in [0.5, 0.5]), TypeError, ["p", "generator"]),
    (lambda: lib.entropy([50, 50]), ValueError, ["p", "[0, 1]", "counts"]),
    (lambda: lib.entropy(np.array([0.1, 0.2, 0.6], dtype=np.float16)), ValueError, ["p", "within 0.01"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], np.array(0.0)), ValueError, ["sigma", "greater than 0"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], True), TypeError, ["sigma", "bool"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], None), TypeError, ["sigma", "None"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], 10**400), ValueError, ["sigma", "too large"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], math.inf), ValueError, ["sigma", "finite"]),
    (lambda: lib.gaussian_nll([1.0], [1.0], np.array(True)), TypeError, ["sigma", "bool"]),
    (lambda: lib.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta=np.array([0.1, 0.2])), TypeError,
     ["beta", "single number", "(2,)"]),
    (lambda: lib.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta="0.1"), TypeError, ["beta", "number"]),
    (lambda: lib.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta=None), TypeError, ["beta", "None"]),
    (lambda: lib.surprise(0.5, base=None), TypeError, ["base", "None"]),
    (lambda: lib.surprise(0.5, base=np.array([2.0, 3.0])), TypeError, ["base", "single number"]),
    (lambda: lib.surprise(0.5, base=10**400), ValueError, ["base", "too large"]),
    (lambda: lib.surprise(0.5, base=-2), ValueError, ["base", "positive"]),
    (lambda: lib.perplexity(-math.inf), ValueError, ["mean_nll", ">= 0"]),
]


@pytest.mark.parametrize("call, error, words", CASES + MORE_CASES)
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error) as excinfo:
        call()
    message = str(excinfo.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_what_is_accepted_stays_accepted():
    """The gate refuses only what is not real-valued: these all give numbers."""
    from decimal import Decimal
    from fractions import Fraction

    import torch

    assert lib.surprise(np.array([0.5, 0.25], dtype=object)) == pytest.approx([math.log(2), math.log(4)])
    assert lib.surprise(Fraction(1, 2)) == pytest.approx(math.log(2))
    assert lib.surprise(Decimal("0.5")) == pytest.approx(math.log(2))
    assert lib.surprise(np.ma.array([0.5, 0.25], mask=[0, 0])) == pytest.approx([math.log(2), math.log(4)])
    assert lib.surprise(torch.tensor([0.5])) == pytest.approx([math.log(2)])
    assert lib.surprise(torch.tensor([0.5], requires_grad=True).detach()) == pytest.approx([math.log(2)])
    assert lib.binary_cross_entropy(np.array([True, False]), [0.5, 0.5]) == pytest.approx(math.log(2))
    assert lib.nll(np.array([1], dtype=np.uint8)) == 0.0
    assert lib.entropy(np.array([0.1, 0.2, 0.7], dtype=np.float16)) == pytest.approx(0.8018, abs=1e-3)
    assert lib.gaussian_nll([1.0], [1.0], np.array(1.0)) == lib.gaussian_nll([1.0], [1.0], np.float64(1.0))
    assert lib.softmax([1.0, 2.0], axis=np.int64(0)).sum() == pytest.approx(1.0)
    assert lib.softmax(np.zeros((0, 3))).shape == (0, 3)  # no rows is fine: there is nothing to normalise
    assert lib.dpo_loss([-1.0], [-1.0], [-1.0], [-1.0], beta=np.float32(0.5)) == pytest.approx(math.log(2))
