"""lib.check on everything a learner (or a fuzzer) can type: it never raises, never calls a
wrong answer right, grades functions on fresh copies, folds NumPy warnings into its feedback,
stops runaway functions, and names the classic slips."""

from __future__ import annotations

import copy
import math
import signal
import sys
import threading
import time
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import lib
import lib.exercises as exercises
import lib.feedback
from lib.exercises import EXERCISES
from lib.feedback import ArrayExercise, Feedback, FunctionExercise, NumberExercise, Slip

RIGHT = lib.surprise(0.02)  # the answer to ch1.penalty, 3.912...


# --- objects that break in every way Python allows -------------------------------------------

class RaisingFloat:
    def __float__(self):
        raise RuntimeError("no float for you")

    def __repr__(self):
        raise RuntimeError("no repr either")

    def __str__(self):
        raise ZeroDivisionError


class RaisingArray:
    def __array__(self, dtype=None, copy=None):
        raise OSError("disk on fire")


class LyingSequence:
    def __len__(self):
        return 10**12

    def __getitem__(self, i):
        return RIGHT


class RaisingLen:
    def __len__(self):
        raise LookupError("no length")


class RaisingGetattr:
    def __getattr__(self, name):
        raise RuntimeError(f"no attribute {name}")


class RaisingEq(float):
    def __eq__(self, other):
        raise RuntimeError("no comparisons")

    __hash__ = float.__hash__


def deeply_nested(depth=100_000):
    nested = [RIGHT]
    for _ in range(depth):
        nested = [nested]
    return nested


def text_forms(value):
    """The right value written as text in every container a learner might use."""
    s = f"{value:.6f}"
    return [s, [s], (s,), b"%b" % s.encode(), bytearray(s.encode()), np.str_(s), np.bytes_(s.encode()),
            np.array([s]), np.array([s], dtype=object), np.array([s.encode()]), [[s]], [RIGHT, s]]


ADVERSARIAL = [
    RaisingFloat(), RaisingArray(), LyingSequence(), RaisingLen(), RaisingGetattr(), deeply_nested(),
    10**400, -(10**400), [10**400], complex(RIGHT, 1.0), np.complex64(complex(RIGHT, 1e-3)), [complex(RIGHT, 2)],
    {str(RIGHT): 1}, np.datetime64("2020-01-01"), np.timedelta64(4, "s"), np.zeros(1, dtype=[("a", "f8")]),
    np.ma.array([RIGHT], mask=[True]), object(), type, Ellipsis, NotImplemented, {1, 2}, iter([RIGHT]),
    (x for x in [RIGHT]), slice(1), range(3), memoryview(b"3.912"), [None], [[RIGHT], [RIGHT, RIGHT]],
    np.array([True]), [True], np.bool_(True), math.inf, -math.inf, math.nan, np.float16(np.nan),
    torch.tensor([float("nan")]), [RaisingFloat()], np.array([RaisingFloat()], dtype=object),
    *text_forms(RIGHT),
]


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_adversarial_answers_never_raise_and_are_never_right(exercise):
    for answer in ADVERSARIAL:
        feedback = lib.check(exercise, answer)
        assert isinstance(feedback, Feedback) and isinstance(feedback.message, str)
        assert not feedback.correct, (exercise, type(answer), feedback.message)
        repr(feedback), feedback._repr_html_()


@pytest.mark.parametrize("answer", text_forms(RIGHT), ids=lambda a: type(a).__name__)
def test_text_is_not_a_number_however_it_is_wrapped(answer):
    feedback = lib.check("ch1.penalty", answer)
    assert not feedback
    assert any(word in feedback.message for word in ("text", "bytes")), feedback.message


def test_complex_answers():
    imaginary = lib.check("ch1.penalty", complex(RIGHT, 1.0))
    assert not imaginary and "complex" in imaginary.message and "imaginary part 1" in imaginary.message
    assert lib.check("ch1.penalty", complex(RIGHT, 0.0))  # a real number that happens to be complex-typed
    assert lib.check("ch4.gradient", (lib.softmax(exercises.CH4_LOGITS) - np.eye(4)[1]).astype(complex))
    assert not lib.check("ch4.gradient", lib.softmax(exercises.CH4_LOGITS) - np.eye(4)[1] + 1e-3j)


def test_numbers_of_every_type_that_are_right_are_right(monkeypatch):
    monkeypatch.setitem(EXERCISES, "ch0.count", NumberExercise(expected=lambda: 1075.0, hint="", rtol=0.0, unit=""))
    for answer in [RIGHT, np.float32(RIGHT), np.float64(RIGHT), np.longdouble(RIGHT), [RIGHT], (RIGHT,),
                   np.array(RIGHT), np.array([[RIGHT]]), Decimal(str(RIGHT)), Fraction(RIGHT),
                   torch.tensor(RIGHT), torch.tensor(RIGHT, requires_grad=True), torch.tensor([RIGHT]) * 1,
                   np.array([RIGHT], dtype=object), np.ma.array([RIGHT], mask=[False])]:
        feedback = lib.check("ch1.penalty", answer)
        assert feedback, (type(answer), feedback.message)
    assert lib.check("ch0.count", np.int64(1075)) and lib.check("ch0.count", 1075.0)
    assert not lib.check("ch1.penalty", torch.tensor(RIGHT + 1, requires_grad=True))


@pytest.mark.parametrize("exercise_id", [["ch1.penalty"], {"ch1.penalty": 1}, None, 1, b"ch1.penalty", 1.5])
def test_odd_exercise_ids_are_feedback(exercise_id):
    feedback = lib.check(exercise_id, RIGHT)
    assert not feedback and "exercise id" in feedback.message


def test_the_learners_broken_exception_is_still_reported():
    class Unprintable(Exception):
        def __str__(self):
            raise RuntimeError("cannot print me")

    def raises_unprintable(p_before, p_after):
        raise Unprintable

    def raises_base_exception(p_before, p_after):
        raise GeneratorExit

    def recurses(p_before, p_after):
        return recurses(p_before, p_after)

    for function, words in [(raises_unprintable, ["Unprintable", "could not be shown"]),
                            (raises_base_exception, ["GeneratorExit"]),
                            (recurses, ["RecursionError"])]:
        feedback = lib.check("ch1.penalty_drop", function)
        assert not feedback and all(w in feedback.message for w in words), feedback.message


def test_functions_returning_adversarial_values():
    for value in ADVERSARIAL:
        feedback = lib.check("ch1.penalty_drop", lambda a, b, value=value: value)
        assert not feedback, feedback.message
        feedback = lib.check("ch4.stable_log_softmax", lambda z, value=value: value)
        assert not feedback, feedback.message


@pytest.mark.parametrize("escape", [KeyboardInterrupt, SystemExit])
def test_only_keyboard_interrupt_and_system_exit_pass_through(escape):
    def bail_out(p_before, p_after):
        raise escape

    with pytest.raises(escape):
        lib.check("ch1.penalty_drop", bail_out)


# --- fresh copies ------------------------------------------------------------------------------

def test_a_function_that_overwrites_its_input_is_graded_on_the_real_input():
    def one_hot_entropy(p):
        p = np.asarray(p) if isinstance(p, np.ndarray) else p
        for k in range(len(p)):
            p[k] = 1.0 if k == 0 else 0.0  # overwrite the input with a one-hot ...
        return 0.0  # ... whose entropy is 0

    feedback = lib.check("ch2.entropy_bits", one_hot_entropy)
    assert not feedback and "returned 0" in feedback.message


def test_a_function_that_writes_in_place_cannot_corrupt_later_checks():
    before = copy.deepcopy(EXERCISES["ch3.stable_mean_nll"].cases)

    def right_then_vandal(probs):
        value = float(np.mean(-np.log(probs)))
        if isinstance(probs, np.ndarray):
            probs[:] = -1.0
        else:
            probs[:] = [-1.0] * len(probs)
        return value

    assert lib.check("ch3.stable_mean_nll", right_then_vandal)
    assert lib.check("ch3.stable_mean_nll", right_then_vandal)  # twice: it would fail if the inputs changed
    after = EXERCISES["ch3.stable_mean_nll"].cases
    for old, new in zip(before, after):
        for a, b in zip(old, new):
            np.testing.assert_array_equal(a, b)
    assert lib.check("ch3.stable_mean_nll", lambda probs: float(np.mean(-np.log(probs))))


def test_every_call_gets_its_own_copy():
    seen = []

    def remembers(p_before, p_after):
        seen.append(p_before)
        return math.log(p_after) - math.log(p_before)

    lib.check("ch1.penalty_drop", remembers)
    arrays = []
    lib.check("ch2.entropy_bits", lambda p: arrays.append(p) or lib.entropy(p, base=2))
    assert len({id(a) for a in arrays}) == len(arrays)
    assert all(a is not case[0] for a, case in zip(arrays, EXERCISES["ch2.entropy_bits"].cases))


# --- warnings --------------------------------------------------------------------------------

def naive_log_softmax(z):
    return np.log(np.exp(z) / np.exp(z).sum())


def test_numpy_warnings_are_folded_into_the_feedback_not_shown():
    with warnings.catch_warnings(record=True) as outside:
        warnings.simplefilter("always")
        feedback = lib.check("ch4.stable_log_softmax", naive_log_softmax)
    assert outside == []  # no RuntimeWarning box above the feedback
    assert not feedback and "NumPy warned" in feedback.message and "overflow encountered in exp" in feedback.message
    assert "1.8e308" in feedback.message


def test_warnings_as_errors_outside_do_not_turn_into_exceptions_inside():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            feedback = lib.check("ch4.stable_log_softmax", naive_log_softmax)
    assert not feedback and "overflow" in feedback.message


def test_a_right_answer_with_warnings_is_right_and_says_so():
    def entropy_with_where(p):
        p = np.asarray(p, dtype=float)
        return -np.sum(np.where(p > 0, p * np.log2(p), 0.0))  # np.where still evaluates log2(0)

    feedback = lib.check("ch2.entropy_bits", entropy_with_where)
    assert feedback and "divide by zero encountered in log2" in feedback.message


# --- time limit -------------------------------------------------------------------------------

@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setattr(lib.feedback, "TIME_LIMIT_S", 0.2)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
@pytest.mark.parametrize("kind", ["busy loop", "sleep", "swallows Exception"])
def test_a_function_that_never_returns_is_stopped(short_limit, kind):
    def forever(p_before, p_after):
        while True:
            if kind == "sleep":
                time.sleep(60)
            elif kind == "swallows Exception":
                try:
                    time.sleep(60)
                except Exception:
                    pass

    handler_before = signal.getsignal(signal.SIGALRM)
    start = time.perf_counter()
    feedback = lib.check("ch1.penalty_drop", forever)
    assert time.perf_counter() - start < 5
    assert not feedback
    assert "more than 0.2 s" in feedback.message and "stopped it" in feedback.message
    assert "(0.1, 0.2)" in feedback.message
    assert signal.getsignal(signal.SIGALRM) is handler_before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert lib.check("ch1.penalty_drop", lambda a, b: math.log(b) - math.log(a))  # the kernel is fine after


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no SIGALRM timers on this platform")
def test_no_time_limit_where_it_cannot_work(short_limit):
    """In a thread, or when someone else owns SIGALRM, a slow function is allowed to finish."""
    def slow_but_right(p_before, p_after):
        time.sleep(0.1)
        return math.log(p_after) - math.log(p_before)

    results = []
    thread = threading.Thread(target=lambda: results.append(lib.check("ch1.penalty_drop", slow_but_right)))
    thread.start()
    thread.join()
    assert results[0], results[0].message

    def someone_elses(signum, frame):
        raise AssertionError("not ours")

    previous = signal.signal(signal.SIGALRM, someone_elses)
    try:
        assert lib.check("ch1.penalty_drop", slow_but_right)
        assert signal.getsignal(signal.SIGALRM) is someone_elses
    finally:
        signal.signal(signal.SIGALRM, previous)


# --- known slips ------------------------------------------------------------------------------

SLIPS = [
    ("ch2.bits", lambda: 3 * math.log(2), ["in nats", "asks for bits", "np.log2"]),
    ("ch2.bits", lambda: 3 * math.log10(2), ["log base 10"]),
    ("ch1.penalty", lambda: RIGHT / math.log(2), ["in bits", "nats"]),
    ("ch1.penalty", lambda: RIGHT / math.log(10), ["base 10"]),
    ("ch1.penalty", lambda: -RIGHT, ["sign"]),
    ("ch1.penalty", lambda: math.inf, ["infinite", "-log 0"]),
    ("ch1.one_nat", lambda: math.e, ["e^(+1)"]),
    ("ch3.mean_nll", lambda: 3 * lib.nll([0.1, 0.2, 0.7]), ["sum", "not their mean", "(3)"]),
    ("ch5.kl", lambda: lib.kl_divergence([0.9, 0.1], [0.5, 0.5]), ["wrong way round", "not symmetric"]),
    ("ch5.perplexity", lambda: 2**2.5, ["2 ** 2.5", "nats", "np.exp(2.5)"]),
    ("ch5.perplexity", lambda: 10**2.5, ["10 ** 2.5"]),
    ("ch5.nats", lambda: math.log2(9), ["in bits"]),
    ("ch6.gaussian", lambda: 2.0, ["squared-error part", "constant"]),
    ("ch4.gradient", lambda: lib.softmax(exercises.CH4_LOGITS) - np.eye(4)[0], ["'mat'", "'hat'"]),
    ("ch4.gradient", lambda: -(lib.softmax(exercises.CH4_LOGITS) - np.eye(4)[1]), ["wrong sign"]),
    ("ch3.stable_mean_nll", lambda: lambda probs: float(np.sum(-np.log(probs))), ["sum of the -log p"]),
    ("ch2.entropy_bits", lambda: lambda p: lib.entropy(p), ["in nats", "asks for bits"]),
]


@pytest.mark.parametrize("exercise, answer, words", SLIPS, ids=[f"{e}-{w[0]}" for e, _, w in SLIPS])
def test_known_slips_get_their_own_hint(exercise, answer, words):
    feedback = lib.check(exercise, answer())
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message


def test_no_slip_hint_for_an_unrelated_wrong_answer():
    message = lib.check("ch5.perplexity", 7.0).message
    assert "2 ** 2.5" not in message and "10 ** 2.5" not in message and "bits" not in message


def test_a_new_slip_takes_one_line_and_a_broken_slip_is_skipped(monkeypatch):
    spec = NumberExercise(
        expected=lambda: 2.0,
        hint="The hint.",
        slips=(Slip("broken", wrong=lambda: 1 / 0),
               Slip("Squared it?", when=lambda value, expected: value == expected**2),
               Slip("Halved it?", wrong=lambda: 1.0)),
    )
    monkeypatch.setitem(EXERCISES, "ch0.demo", spec)
    assert "Squared it?" in lib.check("ch0.demo", 4.0).message
    assert "Halved it?" in lib.check("ch0.demo", 1.0).message
    assert "broken" not in lib.check("ch0.demo", 3.0).message
    function_spec = FunctionExercise(
        reference=lambda x: 2 * x, cases=((1.0,), (3.0,)), hint="Double it.",
        slips=(Slip("That is x + 2.", wrong=lambda x: x + 2),))
    monkeypatch.setitem(EXERCISES, "ch0.function", function_spec)
    assert "x + 2" in lib.check("ch0.function", lambda x: x + 2).message  # right at x = 2 only: (1.0,) reveals it
    assert lib.check("ch0.function", lambda x: x * 2)


# --- properties --------------------------------------------------------------------------------

NUMBER_IDS = sorted(name for name, spec in EXERCISES.items() if isinstance(spec, NumberExercise))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NUMBER_IDS), st.floats(allow_nan=True, allow_infinity=True))
def test_a_number_is_right_exactly_when_it_is_within_tolerance(exercise, value):
    spec = EXERCISES[exercise]
    expected = float(spec.expected())
    feedback = lib.check(exercise, value)
    within = math.isclose(value, expected, rel_tol=spec.rtol, abs_tol=1e-12)
    assert feedback.correct == within, (exercise, value, feedback.message)


junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.complex_numbers(), st.text(max_size=5),
              st.binary(max_size=5), st.just(RIGHT), st.just(str(RIGHT))),
    lambda children: st.one_of(st.lists(children, max_size=3), st.tuples(children),
                               st.dictionaries(st.text(max_size=2), children, max_size=2)),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(EXERCISES)), junk)
def test_check_never_raises_on_junk(exercise, answer):
    feedback = lib.check(exercise, answer)
    assert isinstance(feedback, Feedback)
    if feedback.correct:  # only a plain number (or one-element list of one) can be right
        value = np.asarray(answer, dtype=float)
        assert value.size == 1 and isinstance(EXERCISES[exercise], NumberExercise)
        assert not isinstance(np.ravel(np.asarray(answer, dtype=object))[0], (str, bytes, bool, complex))


def test_the_check_module_leaves_no_state_behind():
    errstate = np.geterr()
    filters = list(warnings.filters)
    lib.check("ch4.stable_log_softmax", naive_log_softmax)
    lib.check("ch1.penalty", RaisingFloat())
    assert np.geterr() == errstate and warnings.filters == filters
    if hasattr(signal, "setitimer"):
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
    assert sys.getrecursionlimit() >= 1000


def test_every_exercise_type_is_covered():
    kinds = {type(spec) for spec in EXERCISES.values()}
    assert kinds == {NumberExercise, ArrayExercise, FunctionExercise}
