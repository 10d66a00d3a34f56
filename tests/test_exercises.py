"""lib.check gives friendly feedback for every kind of wrong answer, and never raises."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lib
from lib.exercises import EXERCISES
from lib.feedback import ArrayExercise, FunctionExercise, NumberExercise


def test_every_exercise_accepts_its_own_reference_answer():
    for name, spec in EXERCISES.items():
        if isinstance(spec, (NumberExercise, ArrayExercise)):
            answer = spec.expected()
        else:
            answer = spec.reference
        assert lib.check(name, answer).correct, name


@pytest.mark.parametrize(
    "answer, words",
    [
        (None, ["No answer yet"]),
        ("3.91", ["string", "quotes"]),
        (True, ["yes/no"]),
        (np.array([3.9, 1.0]), ["shape (2,)", "single number"]),
        (math.nan, ["NaN"]),
        (print, ["function", "call it"]),
        ({"a": 1}, ["not a number"]),
        (3.5, ["Not quite", "3.5", "0.5%"]),
        (-3.912, ["sign"]),
        (3.912 / math.log(2), ["bits"]),
        (3.912 / math.log(10), ["base 10"]),
    ],
)
def test_number_feedback(answer, words):
    feedback = lib.check("ch1.penalty", answer)
    assert not feedback.correct
    for word in words:
        assert word in feedback.message, feedback.message


def test_number_tolerance():
    assert lib.check("ch1.penalty", 3.912).correct
    assert lib.check("ch1.penalty", np.float32(3.91)).correct
    assert lib.check("ch1.penalty", np.array([3.912])).correct
    assert not lib.check("ch1.penalty", 3.80).correct


def test_function_feedback():
    def raises(p_before, p_after):
        return 1 / 0

    def forgets_return(p_before, p_after):
        np.log(p_after / p_before)

    def wrong_sign(p_before, p_after):
        return np.log(p_before / p_after)

    def returns_text(p_before, p_after):
        return "0.69"

    def right(p_before, p_after):
        return np.log(p_after) - np.log(p_before)

    cases = [
        (raises, ["raised ZeroDivisionError", "(0.1, 0.2)"]),
        (forgets_return, ["returned None", "return"]),
        (wrong_sign, ["sign"]),
        (returns_text, ["returned '0.69'", "not a number"]),
        (0.69, ["wants a function"]),
    ]
    for answer, words in cases:
        feedback = lib.check("ch1.penalty_drop", answer)
        assert not feedback.correct
        for word in words:
            assert word in feedback.message, feedback.message
    assert lib.check("ch1.penalty_drop", right).correct


def test_unknown_exercise_is_feedback_not_an_error():
    feedback = lib.check("ch9.nope", 1.0)
    assert not feedback.correct and "ch1.penalty" in feedback.message


def test_feedback_displays_in_jupyter():
    good, bad = lib.check("ch1.one_nat", math.exp(-1)), lib.check("ch1.one_nat", 0.5)
    assert good and not bad
    assert repr(good).startswith("Correct") and repr(bad).startswith("Not quite")
    assert "exercise-feedback" in good._repr_html_() and "#009E73" in good._repr_html_()
    assert "#D55E00" in bad._repr_html_()


def test_registry_is_well_formed():
    for name, spec in EXERCISES.items():
        assert name.startswith("ch") and "." in name
        assert isinstance(spec, (NumberExercise, ArrayExercise, FunctionExercise)) and spec.hint


def test_function_exercise_feedback_on_long_inputs_and_nan():
    def naive_product(probs):
        return -np.log(np.prod(probs)) / len(probs)

    with np.errstate(divide="ignore", invalid="ignore"):
        feedback = lib.check("ch3.stable_mean_nll", naive_product)
        assert not feedback and "infinite" in feedback.message and "400 probabilities" in feedback.message
        naive_entropy = lib.check("ch2.entropy_bits", lambda p: -np.sum(np.array(p) * np.log2(p)))
    assert not naive_entropy and "NaN" in naive_entropy.message and "0 log 0" in naive_entropy.message


def test_exact_answers(monkeypatch):
    # How many halvings of 1.0 reach exactly 0.0 in float64: an answer with no tolerance.
    exact = NumberExercise(expected=lambda: float(next(n for n in range(1, 5000) if 0.5**n == 0.0)),
                           hint="Count the halvings.", rtol=0.0, unit="")
    monkeypatch.setitem(EXERCISES, "ch0.underflow", exact)
    assert lib.check("ch0.underflow", 1075)
    feedback = lib.check("ch0.underflow", 1074)
    assert not feedback and "exact" in feedback.message


def test_import_lib_builds_no_chapter_exercises_until_one_is_checked():
    """exercises imports each chapter's maths lazily: import lib never loads chapter 7's modules."""
    import subprocess
    import sys

    probe = ("import sys, lib; before = 'lib.training' in sys.modules; lib.check('ch1.penalty', 3.9); "
             "after_ch1 = 'lib.training' in sys.modules; lib.check('ch7.ece', 0.1); "
             "print(before, after_ch1, 'lib.training' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "True"]


@pytest.mark.parametrize(
    "answer, words",
    [
        ([0.1, 0.2], ["shape (2,)", "shape (4,)"]),
        ("0.6, -0.9", ["string"]),
        ([0.6, -0.9, 0.0, math.nan], ["NaN"]),
        (lambda: 0, ["function"]),
        ([0.0, 0.0, 0.0, 0.0], ["4 values are off"]),
    ],
)
def test_array_feedback(answer, words):
    feedback = lib.check("ch4.gradient", answer)
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message


def test_array_answers_right_and_sign_flipped():
    gradient = lib.softmax([3.2, 1.0, -0.5, 2.5]) - np.eye(4)[1]
    assert lib.check("ch4.gradient", gradient)
    assert lib.check("ch4.gradient", gradient.round(3).tolist())
    assert "wrong sign" in lib.check("ch4.gradient", -gradient).message


def test_function_returning_arrays():
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        naive = lib.check("ch4.stable_log_softmax", lambda z: np.log(np.exp(z) / np.exp(z).sum()))
    assert not naive and "NaN" in naive.message and "1000.0" in naive.message
    wrong_shape = lib.check("ch4.stable_log_softmax", lambda z: float(np.max(z)))
    assert not wrong_shape and "shape" in wrong_shape.message
    assert lib.check("ch4.stable_log_softmax", lambda z: np.asarray(z) - np.logaddexp.reduce(z))
