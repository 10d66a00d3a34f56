"""Property tests: lib against scipy and torch on inputs hypothesis chooses.

Each test states a class of inputs the issue found broken (or that must stay
right): extreme scales from subnormals to 1e300, float16/float32, huge
logits, non-contiguous views, every numpy dtype, masked arrays. Examples
are few (the suite must stay fast); the strategies are built to reach the
corners quickly rather than to sample evenly.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import lib

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- strategies -------------------------------------------------------------------------------

#: Probabilities reaching 0, 1, subnormals and values next to 1.
probabilities = st.one_of(
    st.floats(0.0, 1.0, allow_subnormal=True),
    st.sampled_from([0.0, 1.0, 5e-324, 1e-300, 1e-160, 0.5, 1 - 2**-53]),
)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@st.composite
def distributions(draw, zeros=True, rows=None, k=None):
    """Batches of distributions whose entries span up to 300 orders of magnitude."""
    k = draw(st.integers(1, 6)) if k is None else k
    n = draw(st.integers(1, 4)) if rows is None else rows
    exponents = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(-300, 0)))
    weights = 10.0**exponents
    if zeros:
        mask = draw(hnp.arrays(np.bool_, (n, k)))
        mask[:, 0] = False  # keep every row non-empty
        weights[mask] = 0.0
    return weights / weights.sum(axis=1, keepdims=True)


@st.composite
def logits(draw, allow_masked=True):
    """Logits from 1e-3 to 1e300 in size, often tied, sometimes -inf (ruled out)."""
    n, k = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    scale = 10.0 ** draw(st.integers(-3, 300))
    z = draw(hnp.arrays(np.float64, (n, k), elements=st.floats(-1, 1))) * scale
    if allow_masked and k > 1:
        masked = draw(hnp.arrays(np.bool_, (n, k)))
        masked[np.arange(n), z.argmax(axis=1)] = False  # at least one live choice per row
        z[masked] = -np.inf
    return z


def close(a, b, rtol=1e-9, atol=1e-12):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# --- information ------------------------------------------------------------------------------

@FAST
@given(hnp.arrays(np.float64, shapes, elements=probabilities))
def test_surprise_is_minus_log_at_every_scale_and_shape(p):
    with np.errstate(divide="ignore"):
        expected = -np.log(p)
    close(lib.surprise(p), expected + 0.0, rtol=1e-15, atol=0)
    close(lib.surprise(p, base=2), expected / math.log(2), rtol=1e-14, atol=0)


@FAST
@given(hnp.arrays(np.float32, shapes, elements=st.floats(0, 1, width=32)))
def test_surprise_keeps_float32(p):
    with np.errstate(divide="ignore"):
        close(lib.surprise(p), -np.log(p.astype(np.float64)), rtol=1e-6, atol=0)


@st.composite
def pairs(draw, zeros_in_model=False):
    """(data, model): two batches of distributions of the same shape."""
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    return draw(distributions(rows=n, k=k)), draw(distributions(zeros=zeros_in_model, rows=n, k=k))


@FAST
@given(pairs(), st.sampled_from([math.e, 2.0, 10.0]))
def test_entropy_cross_entropy_kl_match_scipy(pair, base):
    p, q = pair
    close(lib.entropy(p, base=base), scipy.stats.entropy(p, base=base, axis=-1))
    expected_ce = -scipy.special.xlogy(p, q).sum(axis=-1) / math.log(base)
    close(lib.cross_entropy(p, q, base=base), expected_ce)
    expected_kl = np.maximum(scipy.special.rel_entr(p, q).sum(axis=-1), 0) / math.log(base)
    close(lib.kl_divergence(p, q, base=base), expected_kl, rtol=1e-8, atol=1e-10)


@FAST
@given(distributions(rows=6))
def test_non_contiguous_views_give_the_same_numbers(p):
    fortran = np.asfortranarray(p)
    strided = np.repeat(p, 2, axis=0)[::2]
    for view in (fortran, strided, p[::-1][::-1]):
        close(lib.entropy(view), scipy.stats.entropy(p, axis=-1))
        close(lib.cross_entropy(view, p), lib.cross_entropy(p, p))


@FAST
@given(distributions(zeros=False, rows=1), st.sampled_from([np.float16, np.float32]))
def test_narrow_floats_are_accepted_as_distributions(p, dtype):
    """Rounding a valid distribution to float16 or float32 must not make it 'not sum to 1'."""
    narrow = p[0].astype(dtype)
    assume(narrow.sum(dtype=np.float64) > 0)
    assert np.isfinite(lib.entropy(narrow))
    close(lib.entropy(narrow), scipy.stats.entropy(narrow.astype(np.float64)), rtol=1e-3, atol=1e-3)


@FAST
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3), elements=probabilities))
def test_nll_is_the_mean_surprise(p):
    with np.errstate(divide="ignore"):
        expected = float(np.mean(-np.log(p)))
    assert lib.nll(p) == pytest.approx(expected, rel=1e-12, abs=0) or expected == lib.nll(p) == math.inf


@FAST
@given(st.floats(0, 709))
def test_perplexity_is_exp(x):
    assert lib.perplexity(x) == pytest.approx(math.exp(x), rel=1e-15)


# --- logits -----------------------------------------------------------------------------------

@FAST
@given(logits(), st.sampled_from([-1, 0, 1]))
def test_softmax_and_log_softmax_match_scipy_and_torch(z, axis):
    finite = np.isfinite(z).all()
    live = np.isfinite(np.max(z, axis=axis))
    assume(live.all())
    with np.errstate(invalid="ignore"):
        expected_log = scipy.special.log_softmax(z, axis=axis)
    close(lib.softmax(z, axis=axis), scipy.special.softmax(z, axis=axis), rtol=1e-12, atol=1e-300)
    close(lib.log_softmax(z, axis=axis), expected_log, rtol=1e-12, atol=1e-12)
    if finite:
        torch_log = F.log_softmax(torch.from_numpy(z), dim=axis).numpy()
        close(lib.log_softmax(z, axis=axis), torch_log, rtol=1e-12, atol=1e-12)


@FAST
@given(logits(), st.data())
def test_cross_entropy_from_logits_matches_torch_with_class_indices(z, data):
    n, k = z.shape
    live = [np.flatnonzero(np.isfinite(row)) for row in z]
    targets = np.array([data.draw(st.sampled_from(list(choices))) for choices in live])
    expected = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(targets)).item()
    assert lib.cross_entropy_from_logits(z, targets) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@FAST
@given(logits(allow_masked=False), st.data())
def test_cross_entropy_from_logits_matches_torch_with_soft_targets(z, data):
    q = data.draw(distributions(rows=z.shape[0], k=z.shape[1]))
    expected = F.cross_entropy(torch.from_numpy(z), torch.from_numpy(q)).item()
    assert lib.cross_entropy_from_logits(z, q) == pytest.approx(expected, rel=1e-9, abs=1e-9 * np.abs(z).max())


@FAST
@given(st.floats(1.0, 1e300), st.integers(2, 5))
def test_ties_at_huge_logits_cost_log_k(scale, k):
    """The issue's example: [[1e16, 1e16]] is log 2, not 0 (no cancellation at any scale)."""
    z = np.full((1, k), scale)
    assert lib.cross_entropy_from_logits(z, [0]) == pytest.approx(math.log(k), rel=1e-12)
    if scale < 1e38:  # within float32's range
        assert lib.cross_entropy_from_logits(z.astype(np.float32), [0]) == pytest.approx(math.log(k), rel=1e-6)


# --- losses -----------------------------------------------------------------------------------

@FAST
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=probabilities), st.data())
def test_binary_cross_entropy_matches_scipy(p, data):
    y = data.draw(hnp.arrays(np.float64, p.shape, elements=st.sampled_from([0.0, 1.0, 0.25])))
    with np.errstate(divide="ignore"):
        expected = float(np.mean(-(scipy.special.xlogy(y, p) + scipy.special.xlog1py(1 - y, -p))))
    assert lib.binary_cross_entropy(y, p) == pytest.approx(expected, rel=1e-12) or expected == math.inf


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-1e300, 1e300)), st.data())
def test_binary_cross_entropy_from_logits_matches_torch(s, data):
    y = data.draw(hnp.arrays(np.float64, s.shape, elements=st.sampled_from([0.0, 1.0, 0.5])))
    expected = F.binary_cross_entropy_with_logits(torch.from_numpy(s), torch.from_numpy(y)).item()
    assume(math.isfinite(expected))
    assert lib.binary_cross_entropy_from_logits(y, s) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@FAST
@given(st.integers(-300, 300), hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-50, 50)),
       st.floats(-1e6, 1e6), st.booleans())
def test_gaussian_nll_matches_scipy_for_every_sigma(sigma_exponent, t, centre, per_example):
    """sigma from 1e-300 to 1e300: the loss stays finite and right (no 0/0 from squaring first)."""
    sigma = 10.0**sigma_exponent
    with np.errstate(over="ignore"):
        mu = np.full(t.shape, centre * sigma)
        y = mu + t * sigma
    assume(np.isfinite(mu).all() and np.isfinite(y).all())
    s = np.full(t.shape, sigma) if per_example else sigma
    expected = -float(np.mean(scipy.stats.norm.logpdf(y, loc=mu, scale=sigma)))
    assume(math.isfinite(expected))
    value = lib.gaussian_nll(y, mu, s)
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-9 * (1 + float(np.mean(t * t))))


def test_gaussian_nll_examples_from_the_issue():
    assert lib.gaussian_nll([2.0], [2.0], 1e-200) == pytest.approx(-459.598, abs=1e-3)
    assert lib.gaussian_nll([1e300], [-1e300], 1e300) == pytest.approx(
        -scipy.stats.norm.logpdf(1e300, loc=-1e300, scale=1e300), rel=1e-12)
    assert lib.gaussian_nll([1.5e308], [-1.5e308], 1e308) == pytest.approx(
        0.5 * 9 + math.log(1e308) + 0.5 * math.log(2 * math.pi), rel=1e-12)  # y - mu overflows, z = 3 does not
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning either
        assert lib.gaussian_nll([0.0], [1e300], 1e-300) == math.inf  # the true loss is beyond float64


@FAST
@given(hnp.arrays(np.float64, (4, 3), elements=st.floats(-1e4, 0)), st.floats(0.01, 10))
def test_dpo_loss_matches_torch(logps, beta):
    pc, pr, rc, rr = (torch.from_numpy(row) for row in logps)
    expected = (-F.logsigmoid(beta * ((pc - rc) - (pr - rr)))).mean().item()
    assert lib.dpo_loss(*logps, beta=beta) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 4), elements=st.floats(1e307, 1.7e308)))
def test_means_do_not_overflow_when_only_the_sum_would(values):
    """A mean of finite per-example losses is finite even if their sum overflows."""
    y, mu = values, -values
    expected = np.mean(0.5 * (2 * (values / 1e308)) ** 2) * 1e0  # z = 2 y / sigma with sigma = 1e308
    value = lib.gaussian_nll(y, mu, 1e308)
    assert math.isfinite(value)
    assert value == pytest.approx(expected * 1e0 + math.log(1e308) + 0.5 * math.log(2 * math.pi), rel=1e-12)


# --- every dtype, masked arrays: the input gate --------------------------------------------------

any_dtype = st.one_of(
    hnp.boolean_dtypes(), hnp.integer_dtypes(), hnp.unsigned_integer_dtypes(), hnp.floating_dtypes(),
    hnp.complex_number_dtypes(), hnp.datetime64_dtypes(), hnp.timedelta64_dtypes(),
    hnp.byte_string_dtypes(), hnp.unicode_string_dtypes(),
)
FUNCTIONS = {
    "surprise": lambda a: lib.surprise(a),
    "nll": lambda a: lib.nll(a),
    "softmax": lambda a: lib.softmax(a),
    "perplexity": lambda a: lib.perplexity(a),
    "gaussian_nll": lambda a: lib.gaussian_nll(a, np.zeros(np.shape(a)), 1.0),
    "binary_cross_entropy_from_logits": lambda a: lib.binary_cross_entropy_from_logits(np.zeros(np.shape(a)), a),
}


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(any_dtype, hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)), st.sampled_from(sorted(FUNCTIONS)))
def test_only_real_numbers_ever_give_a_number(arr, function):
    """Every dtype: real kinds give a number or a clear error; all others give a TypeError."""
    real = arr.dtype.kind in "biuf"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # and no stray RuntimeWarning
            result = FUNCTIONS[function](arr)
    except (TypeError, ValueError) as err:
        assert real or isinstance(err, TypeError), (arr.dtype, err)
        return
    assert real, f"{function} gave {result!r} for dtype {arr.dtype}"
    assert np.all(~np.isnan(result))


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(0.01, 1)), st.data())
def test_masked_arrays_are_refused_unless_nothing_is_masked(p, data):
    mask = data.draw(hnp.arrays(np.bool_, p.shape))
    masked = np.ma.array(p, mask=mask)
    if mask.any():
        with pytest.raises(TypeError, match="masked"):
            lib.nll(masked)
    else:
        assert lib.nll(masked) == lib.nll(p)
