"""Instant, friendly feedback on the chapters' exercises.

Every exercise has an id such as ``"ch1.penalty"``. A learner writes an
answer and calls ``check("ch1.penalty", answer)``; the result says whether it
is right and, if not, what looks off: a wrong value (with the tolerance),
a string or ``None`` where a number belongs, a function that raises or forgets
to ``return``. :func:`check` never raises: every problem becomes feedback.

Expected answers are computed by ``lib`` itself, never typed in.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from lib.information import entropy, kl_divergence, nll, perplexity, surprise
from lib.logits import log_softmax, softmax
from lib.losses import binary_cross_entropy, dpo_loss, gaussian_nll


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct`` and a message for the learner."""

    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return self.message

    def _repr_html_(self) -> str:
        # The words carry the verdict ("Correct: ...", "Not quite: ..."); the colour only repeats it.
        colour = "#009E73" if self.correct else "#D55E00"
        return (
            f'<div class="exercise-feedback" style="border-left:4px solid {colour};'
            f'padding:0.4em 0.8em;margin:0.3em 0">{html.escape(self.message)}</div>'
        )


@dataclass(frozen=True)
class NumberExercise:
    """An exercise whose answer is one number."""

    expected: Callable[[], float]
    hint: str
    rtol: float = 5e-3


@dataclass(frozen=True)
class ArrayExercise:
    """An exercise whose answer is an array of numbers (a list works too)."""

    expected: Callable[[], np.ndarray]
    hint: str
    rtol: float = 5e-3
    atol: float = 5e-4


@dataclass(frozen=True)
class FunctionExercise:
    """An exercise whose answer is a function, checked against a reference on a few inputs.

    The reference may return a number or an array; the learner's function must match it.
    """

    reference: Callable[..., object]
    cases: tuple[tuple[object, ...], ...]
    hint: str
    rtol: float = 1e-6
    signature: str = field(default="")


Exercise = NumberExercise | ArrayExercise | FunctionExercise

#: Every exercise in the book, by id. Expected answers are computed, not typed.
EXERCISES: dict[str, Exercise] = {
    "ch1.penalty": NumberExercise(
        expected=lambda: surprise(0.02),
        hint="The penalty is -log p with the natural log: try np.log or lib.surprise.",
    ),
    "ch1.one_nat": NumberExercise(
        expected=lambda: math.exp(-1),
        hint="Solve -log p = 1 for p: undo the log with an exponential.",
    ),
    "ch1.penalty_drop": FunctionExercise(
        reference=lambda p_before, p_after: surprise(p_before) - surprise(p_after),
        cases=((0.1, 0.2), (0.4, 0.8), (0.01, 0.5), (0.5, 0.5), (0.9, 0.3)),
        hint="The drop is the penalty before minus the penalty after: -log(p_before) - (-log(p_after)).",
        signature="penalty_drop(p_before, p_after)",
    ),
    "ch2.bits": NumberExercise(
        expected=lambda: surprise(1 / 8, base=2),
        hint="Surprise in bits is -log2 p: np.log2, or lib.surprise(p, base=2).",
    ),
    "ch2.die": NumberExercise(
        expected=lambda: entropy(np.full(6, 1 / 6)),
        hint="Six equally likely faces: the entropy of a uniform distribution over K outcomes is log K.",
    ),
    "ch2.entropy_bits": FunctionExercise(
        reference=lambda p: entropy(p, base=2),
        cases=(([0.5, 0.5],), ([0.1, 0.4, 0.5],), ([0.25, 0.25, 0.25, 0.25],), ([1.0, 0.0],),
               ([0.7, 0.2, 0.1, 0.0],)),
        hint="Sum p * (-log2 p) over the outcomes, and let outcomes with p = 0 add nothing (0 log 0 = 0).",
        signature="entropy_bits(p)",
    ),
    "ch3.mean_nll": NumberExercise(
        expected=lambda: nll([0.1, 0.2, 0.7]),
        hint="Take -log of each probability, then the mean: three moves, log, negate, average.",
    ),
    "ch3.underflow": NumberExercise(
        expected=lambda: float(next(n for n in range(1, 5000) if 0.5**n == 0.0)),
        hint="Try a loop: multiply by 0.5 until the result is exactly 0.0, counting the steps.",
        rtol=0.0,
    ),
    "ch3.stable_mean_nll": FunctionExercise(
        reference=lambda probs: nll(probs),
        cases=(([0.5, 0.25],), ([0.1] * 400,), (np.full(2000, 0.3),), ([0.9, 0.8, 0.01],)),
        hint="Never multiply the probabilities: sum their logs instead (np.log, then np.mean).",
        signature="mean_nll(probs)",
    ),
    "ch4.rug_loss": NumberExercise(
        expected=lambda: float(-log_softmax(CH4_LOGITS)[3]),
        hint="Softmax the logits, take the probability of 'rug' (the fourth word), then -log.",
    ),
    "ch4.gradient": ArrayExercise(
        expected=lambda: softmax(CH4_LOGITS) - np.eye(4)[1],
        hint="The gradient is softmax(z) minus the one-hot vector of the word that occurred ('hat').",
    ),
    "ch4.stable_log_softmax": FunctionExercise(
        reference=lambda z: log_softmax(z),
        cases=(([3.2, 1.0, -0.5, 2.5],), ([0.0, 0.0],), ([1000.0, 999.0, 0.0],), ([-1000.0, 0.0, 5.0],)),
        hint="Subtract the largest logit first, then z - log(sum(exp(z))): the log-sum-exp trick.",
        signature="log_softmax(z)",
    ),
    "ch5.perplexity": NumberExercise(
        expected=lambda: perplexity(2.5),
        hint="Perplexity is exp(mean NLL in nats): np.exp.",
    ),
    "ch5.nats": NumberExercise(
        expected=lambda: math.log(9),
        hint="Undo the exponential: mean NLL = log(perplexity), with the natural log.",
    ),
    "ch5.kl": NumberExercise(
        expected=lambda: kl_divergence([0.5, 0.5], [0.9, 0.1]),
        hint="KL(p || q) = sum of p_k * log(p_k / q_k), with p the data and q the model.",
    ),
    "ch6.bce": NumberExercise(
        expected=lambda: binary_cross_entropy([1, 0], [0.8, 0.3]),
        hint="For y = 1 the loss is -log p_hat, for y = 0 it is -log(1 - p_hat); then average the two.",
    ),
    "ch6.gaussian": NumberExercise(
        expected=lambda: gaussian_nll([3.0], [2.0], 0.5),
        hint="(y - mu)^2 / (2 sigma^2) + 0.5 * log(2 pi sigma^2): keep the constant term.",
    ),
    "ch6.dpo": FunctionExercise(
        reference=lambda pc, pr, rc, rr: dpo_loss(pc, pr, rc, rr, beta=0.1),
        cases=(([-12.0], [-15.0], [-13.0], [-14.0]), ([-5.0, -8.0], [-6.0, -7.0], [-5.5, -7.5], [-6.5, -7.5]),
               ([-1.0], [-9000.0], [-1.0], [-1.0]), ([-9000.0], [-1.0], [-1.0], [-1.0])),
        hint="margin = beta * ((pc - rc) - (pr - rr)); loss = mean of -log sigmoid(margin), "
             "computed as np.logaddexp(0, -margin) so huge margins cannot overflow.",
        signature="dpo(pc, pr, rc, rr)",
    ),
    # Chapter 7: training with -log p.
    "ch7.temperature": NumberExercise(
        expected=lambda: entropy(softmax(np.array([2.0, 1.0, 0.0]) / 2.0)),
        hint="Divide the logits by T first, then softmax, then the entropy -sum p log p (natural log).",
    ),
    "ch7.table_gradient": FunctionExercise(
        reference=lambda W, C: _training().nll_gradient(W, C),
        cases=(([[0.0, 0.0]], [[3.0, 1.0]]),
               ([[1.0, -1.0, 0.5], [0.0, 0.0, 0.0]], [[2.0, 0.0, 1.0], [0.0, 0.0, 0.0]]),
               ([[2.0, 0.0], [0.0, 3.0], [-1.0, 1.0]], [[5.0, 1.0], [0.0, 4.0], [2.0, 2.0]])),
        hint="Row a gets n_a * softmax(W_a) - C_a, where n_a = C_a.sum(); divide everything by N = C.sum().",
        signature="table_gradient(W, C)",
    ),
    "ch7.ece": NumberExercise(
        expected=lambda: _training().expected_calibration_error([0.9] * 4 + [0.6] * 2, [1, 0, 1, 1, 1, 0]),
        hint="Group by bin, take |accuracy - mean confidence| in each, and weight each bin by its share "
             "of the predictions (4/6 and 2/6), not equally.",
    ),
}


def _training():
    """lib.training, imported on first use (it is only needed by chapter 7's checks)."""
    from lib import training

    return training

#: The logits of chapter 4's walkthrough, for [mat, hat, sat, rug].
CH4_LOGITS = np.array([3.2, 1.0, -0.5, 2.5])


def check(exercise: str, answer: object) -> Feedback:
    """Check a learner's answer to an exercise and explain what is off.

    Parameters
    ----------
    exercise : str
        The exercise id printed in the chapter, e.g. ``"ch1.penalty"``.
    answer : object
        The learner's answer: a number, or a function for coding exercises.

    Returns
    -------
    Feedback
        Truthy when correct; displays as a short message in Jupyter.

    Examples
    --------
    >>> check("ch1.one_nat", 0.3679).correct
    True
    >>> check("ch1.one_nat", None).message
    'No answer yet: replace None with your answer and run the cell again.'
    """
    spec = EXERCISES.get(exercise)
    if spec is None:
        known = ", ".join(sorted(EXERCISES))
        return Feedback(False, f"There is no exercise called {exercise!r}. Known exercises: {known}.")
    if answer is None or answer is Ellipsis:
        return Feedback(False, "No answer yet: replace None with your answer and run the cell again.")
    if isinstance(spec, NumberExercise):
        return _check_number(spec, answer)
    if isinstance(spec, ArrayExercise):
        return _check_array(spec, answer)
    return _check_function(spec, answer)


def _check_number(spec: NumberExercise, answer: object) -> Feedback:
    value, problem = _as_number(answer)
    if problem:
        return Feedback(False, problem)
    expected = float(spec.expected())
    if math.isclose(value, expected, rel_tol=spec.rtol, abs_tol=1e-12):
        return Feedback(True, f"Correct: {value:.6g}.")
    tolerance = f"Answers within {spec.rtol:.1%} count as right." if spec.rtol else "This one must be exact."
    return Feedback(False, f"Not quite: you gave {value:.6g}. {_diagnose(value, expected)}{spec.hint} "
                           f"({tolerance})")


def _check_array(spec: ArrayExercise, answer: object) -> Feedback:
    expected = np.asarray(spec.expected(), dtype=float)
    values, problem = _as_array(answer, expected.shape)
    if problem:
        return Feedback(False, problem)
    if np.allclose(values, expected, rtol=spec.rtol, atol=spec.atol):
        return Feedback(True, f"Correct: {np.array2string(values, precision=4)}.")
    wrong = int(np.sum(~np.isclose(values, expected, rtol=spec.rtol, atol=spec.atol)))
    return Feedback(False, f"Not quite: {wrong} of the {values.size} values are off. "
                           f"{_diagnose_array(values, expected)}{spec.hint}")


def _check_function(spec: FunctionExercise, answer: object) -> Feedback:
    name = spec.signature or "your function"
    if not callable(answer):
        return Feedback(False, f"This exercise wants a function, {name}, but got {_describe(answer)}. "
                               "Define it with def, then pass its name without calling it.")
    for args in spec.cases:
        shown = ", ".join(_short(a) for a in args)
        try:
            result = answer(*args)
        except Exception as err:  # the learner's code: report, never re-raise
            return Feedback(False, f"Your function raised {type(err).__name__}: {err} "
                                   f"when called with ({shown}). {spec.hint}")
        if result is None:
            return Feedback(False, f"Your function returned None for ({shown}): did you forget `return`?")
        expected = np.asarray(spec.reference(*args), dtype=float)
        if expected.ndim == 0:
            value, problem = _as_number(result)
        else:
            value, problem = _as_array(result, expected.shape)
        if problem:
            return Feedback(False, f"For ({shown}) your function returned {_describe(result)}. "
                                   f"{problem} {spec.hint}")
        if expected.ndim == 0 and not math.isclose(value, float(expected), rel_tol=spec.rtol, abs_tol=1e-9):
            return Feedback(False, f"For ({shown}) your function returned {value:.6g}, which is not right. "
                                   f"{_diagnose(value, float(expected))}{spec.hint}")
        if expected.ndim > 0 and not np.allclose(value, expected, rtol=spec.rtol, atol=1e-9):
            return Feedback(False, f"For ({shown}) your function returned "
                                   f"{np.array2string(value, precision=4)}, which is not right. "
                                   f"{_diagnose_array(value, expected)}{spec.hint}")
    return Feedback(True, f"Correct: {name} gives the right answer on all {len(spec.cases)} test inputs.")


def _as_number(answer: object) -> tuple[float, str]:
    """``(value, "")`` for a single real number, or ``(nan, why it is not one)``."""
    if isinstance(answer, str):
        return math.nan, (f"That is text (the string {answer!r}), not a number: remove the quotes.")
    if isinstance(answer, (bool, np.bool_)):
        return math.nan, f"That is {answer}, a yes/no value; this exercise wants a number."
    if callable(answer):
        return math.nan, "That is a function, not a number: did you forget to call it with ( )?"
    try:
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return math.nan, f"That is {_describe(answer)}, which is not a number."
    if arr.size != 1:
        return math.nan, f"That is an array of shape {arr.shape}; this exercise wants a single number."
    value = float(arr.reshape(()))
    if math.isnan(value):
        return math.nan, "That is NaN (not a number): somewhere a calculation went undefined, like 0 * inf."
    return value, ""


def _as_array(answer: object, shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """``(values, "")`` for numbers of the given shape, or ``(empty, why not)``."""
    empty = np.array([])
    if isinstance(answer, str):
        return empty, f"That is text (the string {answer!r}), not numbers: remove the quotes."
    if callable(answer):
        return empty, "That is a function, not an array: did you forget to call it with ( )?"
    try:
        values = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return empty, f"That is {_describe(answer)}, which is not an array of numbers."
    if values.shape != shape:
        return empty, (f"That has shape {values.shape}, but the answer has shape {shape}"
                       f"{' (one value per entry)' if len(shape) == 1 else ''}.")
    if np.isnan(values).any():
        return empty, "Some values are NaN (not a number): somewhere a calculation went undefined, like 0 * inf."
    return values, ""


def _diagnose_array(values: np.ndarray, expected: np.ndarray) -> str:
    """Hints for the classic slips on a whole array."""
    if np.allclose(values, -expected, rtol=5e-3, atol=5e-4):
        return "Every value has the wrong sign. "
    if np.isinf(values).any() and np.isfinite(expected).all():
        return "Some values are infinite: a probability underflowed to 0 before its log was taken. "
    return ""


def _diagnose(value: float, expected: float) -> str:
    """A hint for the classic slips: sign flipped, bits instead of nats, log10."""
    def near(a: float, b: float) -> bool:
        return math.isclose(a, b, rel_tol=5e-3) and b != 0

    if math.isinf(value) and math.isfinite(expected):
        return ("That is infinite: somewhere -log 0 happened. Did a probability underflow to 0.0 "
                "(a long product, or an exp that overflowed) before the log? ")
    if near(value, -expected):
        return "The size is right but the sign is flipped: check the minus in -log p. "
    if near(value, expected / math.log(2)):
        return "That looks like the answer in bits (log base 2); this exercise works in nats (natural log). "
    if near(value, expected / math.log(10)):
        return "That looks like log base 10; use the natural log (np.log). "
    return ""


def _short(obj: object) -> str:
    """A test input as the learner would recognise it, shortened for long arrays."""
    arr = np.asarray(obj) if isinstance(obj, (list, tuple, np.ndarray)) else None
    if arr is not None and arr.size > 6:
        kind = "array" if isinstance(obj, np.ndarray) else "list"
        return f"a {kind} of {arr.size} probabilities starting {arr.ravel()[:3].tolist()}"
    return repr(obj.tolist() if isinstance(obj, np.ndarray) else obj)


def _describe(obj: object) -> str:
    text = repr(obj.item() if isinstance(obj, np.generic) else obj)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} (a {type(obj).__name__})"
