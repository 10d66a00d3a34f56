"""Book machinery: how :func:`lib.check` reads an answer, compares it and says what is off (every chapter).

The grading engine behind the exercises. The
exercises themselves (ids, expected answers, hints) are in
:mod:`lib.exercises`; this module knows nothing about any chapter.

An exercise is a :class:`NumberExercise`, an :class:`ArrayExercise` or a
:class:`FunctionExercise`; :func:`grade` checks an answer against one and
explains what looks off: a wrong value (with the tolerance), text, ``None``
or a complex number where a number belongs, a function that raises, forgets
to ``return`` or never returns, and the classic slips (sign flipped, bits for
nats, a sum for a mean, KL the wrong way round, ...).

:func:`grade` never raises (only ``KeyboardInterrupt`` and ``SystemExit``
pass through) and never calls a wrong answer right:

* a learner's function gets a fresh deep copy of every test input on every
  call, and the expected value is computed on a copy of its own, so a
  function that writes into its argument is graded on the real inputs and
  cannot corrupt later checks;
* NumPy's floating-point warnings raised while the learner's code runs are
  captured and folded into the feedback instead of showing up as a
  separate warning box;
* a function still running after :data:`TIME_LIMIT_S` seconds is stopped,
  with ``signal.setitimer``, where that is possible: on POSIX, in the main
  thread, with no other alarm set. Elsewhere (Windows, a thread) there is
  no limit and a runaway function runs until the kernel is interrupted.

Each exercise can list its own classic slips, one line each, e.g.
``slips=(Slip("That is the sum, not the mean ...", wrong=lambda: 3 * nll(p)),)``;
the slips every exercise shares (sign, infinity, units) are in ``_COMMON_SLIPS``.
"""

from __future__ import annotations

import copy
import html
import math
import signal
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from numbers import Real

import numpy as np

from lib._validate import safe_repr, safe_str

__all__ = ["ArrayExercise", "Exercise", "Feedback", "FunctionExercise", "NumberExercise", "Slip", "grade"]

#: Seconds a learner's function may run (over all test inputs) before :func:`grade` stops it.
TIME_LIMIT_S = 10.0
#: Answers with more numbers than this are not read (a fake sequence may claim 10**12 items).
MAX_ANSWER_SIZE = 10_000_000


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
class Slip:
    """A classic wrong answer and what to tell the learner who gives it.

    Give either ``wrong``, the value the slip produces, or ``when``, a test
    ``when(value, expected) -> bool`` on the learner's value and the right
    one. For number and array exercises ``wrong`` takes no arguments; for
    function exercises it takes the same arguments as the learner's
    function (a fresh copy of the test input). A slip that fails to
    evaluate is skipped, never an error.

    Examples
    --------
    >>> slip = Slip("That is the sum, not the mean.", wrong=lambda: 3 * 0.5)
    >>> spec = NumberExercise(expected=lambda: 0.5, hint="Divide by 3.", slips=(slip,))
    >>> "sum" in grade(spec, 1.5).message
    True
    """

    message: str
    wrong: Callable[..., object] | None = None
    when: Callable[[object, object], bool] | None = None


@dataclass(frozen=True)
class NumberExercise:
    """An exercise whose answer is one number.

    ``unit`` is ``"nats"``, ``"bits"`` or ``""`` (a probability, a count, a
    perplexity): it decides which unit slips (bits for nats and back, log
    base 10) are looked for.
    """

    expected: Callable[[], float]
    hint: str
    rtol: float = 5e-3
    slips: tuple[Slip, ...] = ()
    unit: str = "nats"


@dataclass(frozen=True)
class ArrayExercise:
    """An exercise whose answer is an array of numbers (a list works too)."""

    expected: Callable[[], np.ndarray]
    hint: str
    rtol: float = 5e-3
    atol: float = 5e-4
    slips: tuple[Slip, ...] = ()
    unit: str = ""


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
    slips: tuple[Slip, ...] = ()
    unit: str = "nats"


Exercise = NumberExercise | ArrayExercise | FunctionExercise

_LN2, _LN10 = math.log(2), math.log(10)

#: Slips every exercise shares, tried after the exercise's own: (units it applies to, slip).
_COMMON_SLIPS: tuple[tuple[str, Slip], ...] = (
    ("*", Slip("That is infinite: somewhere -log 0 happened. Did a probability underflow to 0.0 "
               "(a long product, or an exp that overflowed) before the log?",
               when=lambda v, e: bool(np.isinf(v).any() and np.isfinite(e).all()))),
    ("*", Slip("The size is right but the sign is flipped (the wrong sign on every value): check the "
               "minus, as in -log p or p - q.",
               when=lambda v, e: _close(v, -np.asarray(e)) and bool(np.any(np.asarray(e) != 0)))),
    ("nats", Slip("That looks like the answer in bits (log base 2); this exercise works in nats "
                  "(natural log, np.log).", when=lambda v, e: _close(v, np.asarray(e) / _LN2))),
    ("nats", Slip("That looks like log base 10; use the natural log (np.log).",
                  when=lambda v, e: _close(v, np.asarray(e) / _LN10))),
    ("bits", Slip("That looks like the answer in nats (natural log); this exercise asks for bits: "
                  "use np.log2, or divide nats by ln 2 (1 nat = 1.4427 bits).",
                  when=lambda v, e: _close(v, np.asarray(e) * _LN2))),
    ("bits", Slip("That looks like log base 10; bits need log base 2 (np.log2).",
                  when=lambda v, e: _close(v, np.asarray(e) * _LN2 / _LN10))),
)


def grade(spec: Exercise, answer: object) -> Feedback:
    """Check ``answer`` against one exercise and explain what is off; never raises.

    Whatever ``answer`` is, the result is feedback (only ``KeyboardInterrupt``
    and ``SystemExit`` pass through).

    Examples
    --------
    >>> spec = NumberExercise(expected=lambda: 0.25, hint="A quarter.", unit="")
    >>> grade(spec, 1 / 4).correct
    True
    >>> grade(spec, None).message
    'No answer yet: replace None with your answer and run the cell again.'
    >>> grade(spec, "0.25").correct
    False
    """
    limit = _TimeLimit(TIME_LIMIT_S)
    try:
        with limit, warnings.catch_warnings(record=True) as caught, \
                np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            warnings.simplefilter("always")
            limit.start()
            feedback = _grade(spec, answer, limit)
        return _with_warnings(feedback, caught)
    except (KeyboardInterrupt, SystemExit):
        raise
    except _TimeUp:
        return Feedback(False, limit.message())
    except BaseException as err:  # noqa: BLE001 -- grading must never raise
        return unreadable(err)
    finally:
        limit.restore()


def unreadable(err: BaseException) -> Feedback:
    """The feedback when reading an answer raised ``err``."""
    return Feedback(False, f"lib.check could not check that answer: reading it raised "
                           f"{type(err).__name__}. Give a plain number, a list or array of numbers, "
                           "or a function, as the exercise asks.")


def _grade(spec: Exercise, answer: object, limit: _TimeLimit) -> Feedback:
    if answer is None or answer is Ellipsis:
        return Feedback(False, "No answer yet: replace None with your answer and run the cell again.")
    if isinstance(spec, NumberExercise):
        return _check_number(spec, answer)
    if isinstance(spec, ArrayExercise):
        return _check_array(spec, answer)
    return _check_function(spec, answer, limit)


def _check_number(spec: NumberExercise, answer: object) -> Feedback:
    value, problem = _as_number(answer)
    if problem:
        return Feedback(False, problem)
    expected = float(spec.expected())
    if _close(value, expected, spec.rtol):
        return Feedback(True, f"Correct: {value:.6g}.")
    tolerance = f"Answers within {spec.rtol:.1%} count as right." if spec.rtol else "This one must be exact."
    return Feedback(False, f"Not quite: you gave {value:.6g}. {_diagnose(spec, value, expected, ())}"
                           f"{spec.hint} ({tolerance})")


def _check_array(spec: ArrayExercise, answer: object) -> Feedback:
    expected = np.asarray(spec.expected(), dtype=float)
    values, problem = _as_array(answer, expected.shape)
    if problem:
        return Feedback(False, problem)
    if np.allclose(values, expected, rtol=spec.rtol, atol=spec.atol):
        return Feedback(True, f"Correct: {np.array2string(values, precision=4)}.")
    with np.errstate(all="ignore"):
        wrong = int(np.sum(~np.isclose(values, expected, rtol=spec.rtol, atol=spec.atol)))
    return Feedback(False, f"Not quite: {wrong} of the {values.size} values are off. "
                           f"{_diagnose(spec, values, expected, ())}{spec.hint}")


def _check_function(spec: FunctionExercise, answer: object, limit: _TimeLimit) -> Feedback:
    name = spec.signature or "your function"
    if not callable(answer):
        return Feedback(False, f"This exercise wants a function, {name}, but got {describe(answer)}. "
                               "Define it with def, then pass its name without calling it.")
    for args in spec.cases:
        shown = ", ".join(_short(a) for a in args)
        # Fresh copies: the learner's function may write into its arguments.
        expected = np.asarray(spec.reference(*copy.deepcopy(args)), dtype=float)
        limit.doing = f"Your function ran for more than {{seconds}} s on ({shown}) without returning"
        try:
            result = answer(*copy.deepcopy(args))
        except (KeyboardInterrupt, SystemExit, _TimeUp):
            raise
        except BaseException as err:  # the learner's code: report, never re-raise
            return Feedback(False, f"Your function raised {type(err).__name__}: {safe_str(err)} "
                                   f"when called with ({shown}). {spec.hint}")
        limit.doing = f"Reading what your function returned for ({shown}) took more than {{seconds}} s"
        if result is None:
            return Feedback(False, f"Your function returned None for ({shown}): did you forget the return statement?")
        if expected.ndim == 0:
            value, problem = _as_number(result)
        else:
            value, problem = _as_array(result, expected.shape)
        if problem:
            return Feedback(False, f"For ({shown}) your function returned {describe(result)}. "
                                   f"{problem} {spec.hint}")
        if expected.ndim == 0 and not _close(value, float(expected), spec.rtol, abs_tol=1e-9):
            return Feedback(False, f"For ({shown}) your function returned {value:.6g}, which is not right. "
                                   f"{_diagnose(spec, value, float(expected), args)}{spec.hint}")
        if expected.ndim > 0 and not np.allclose(value, expected, rtol=spec.rtol, atol=1e-9):
            return Feedback(False, f"For ({shown}) your function returned "
                                   f"{np.array2string(value, precision=4)}, which is not right. "
                                   f"{_diagnose(spec, value, expected, args)}{spec.hint}")
    return Feedback(True, f"Correct: {name} gives the right answer on all {len(spec.cases)} test inputs.")


# --- Diagnosis: the exercise's own slips, then the common ones -----------------------------

def _close(value: object, target: object, rtol: float = 5e-3, abs_tol: float = 1e-12) -> bool:
    """True if ``value`` matches ``target`` (numbers or same-shape arrays) within ``rtol``."""
    try:
        a, b = np.asarray(value, dtype=float), np.asarray(target, dtype=float)
        if a.shape != b.shape and a.size != b.size:
            return False
        with np.errstate(all="ignore"):
            return bool(np.allclose(a.reshape(b.shape), b, rtol=max(rtol, 1e-9), atol=abs_tol))
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception:
        return False


def _diagnose(spec: Exercise, value: object, expected: object, args: tuple[object, ...]) -> str:
    """The message of the first slip that explains ``value``, followed by a space, or ``""``."""
    rtol = max(spec.rtol, 1e-9)
    atol = getattr(spec, "atol", 1e-12)
    common = tuple(slip for units, slip in _COMMON_SLIPS if units in ("*", spec.unit))
    for slip in spec.slips + common:
        try:
            if slip.when is not None:
                hit = bool(slip.when(value, expected))
            else:
                wrong = slip.wrong(*copy.deepcopy(args)) if args else slip.wrong()
                hit = _close(value, wrong, rtol, atol) and not _close(wrong, expected, rtol, atol)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception:  # a broken slip is skipped, never an error for the learner
            hit = False
        if hit:
            return slip.message + " "
    return ""


# --- Reading an answer as numbers, whatever it is ------------------------------------------

def _as_number(answer: object) -> tuple[float, str]:
    """``(value, "")`` for a single real number, or ``(nan, why it is not one)``."""
    values, problem = _as_real_array(answer)
    if problem:
        return math.nan, problem
    if values.size != 1:
        return math.nan, f"That is an array of shape {values.shape}; this exercise wants a single number."
    value = float(values.reshape(()))
    if math.isnan(value):
        return math.nan, "That is NaN (not a number): somewhere a calculation went undefined, like 0 * inf."
    return value, ""


def _as_array(answer: object, shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """``(values, "")`` for numbers of the given shape, or ``(empty, why not)``."""
    empty = np.array([])
    values, problem = _as_real_array(answer, plural=True)
    if problem:
        return empty, problem
    if values.shape != shape:
        return empty, (f"That has shape {values.shape}, but the answer has shape {shape}"
                       f"{' (one value per entry)' if len(shape) == 1 else ''}.")
    if np.isnan(values).any():
        return empty, "Some values are NaN (not a number): somewhere a calculation went undefined, like 0 * inf."
    return values, ""


def _as_real_array(answer: object, plural: bool = False) -> tuple[np.ndarray, str]:
    """The answer as a float64 array, or ``(empty, a message saying why it is not numbers)``.

    Text (also inside lists), bytes, bools, complex numbers with an imaginary
    part, dates, masked entries and objects that are not numbers are all
    refused; a torch tensor is read through ``.detach()``.
    """
    empty = np.array([])
    numbers = "numbers" if plural else "a number"
    if isinstance(answer, (str, np.str_)):
        return empty, f"That is text (the string {safe_repr(str(answer))}), not {numbers}: remove the quotes."
    if isinstance(answer, (bytes, bytearray, np.bytes_)):
        return empty, f"That is bytes ({safe_repr(answer)}), which is text, not {numbers}."
    if isinstance(answer, (bool, np.bool_)):
        return empty, f"That is {answer}, a yes/no value; this exercise wants {numbers}."
    if callable(answer):
        kind = "an array" if plural else "a number"
        return empty, f"That is a function, not {kind}: did you forget to call it with ( )?"
    if type(answer).__module__.startswith("torch") and hasattr(answer, "detach"):
        answer = answer.detach().cpu().numpy()  # a tensor that requires grad is still a number
    if isinstance(answer, np.ma.MaskedArray) and np.ma.getmaskarray(answer).any():
        return empty, "That is a masked array with masked entries; give every value (masked ones are not numbers)."
    if isinstance(answer, (list, tuple)) or hasattr(answer, "__len__") and not isinstance(answer, np.ndarray):
        try:
            too_long = len(answer) > MAX_ANSWER_SIZE
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception:
            too_long = False
        if too_long:
            return empty, f"That claims to hold more than {MAX_ANSWER_SIZE:,} values; this exercise wants {numbers}."
    try:
        arr = np.asarray(answer)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception:  # ragged lists, broken __array__/__len__, MemoryError
        return empty, f"That is {describe(answer)}, which could not be read as {numbers}."
    if arr.size > MAX_ANSWER_SIZE:
        return empty, f"That holds {arr.size:,} values; this exercise wants {numbers}."
    kind = arr.dtype.kind
    if kind == "O":
        return _object_array_as_real(arr, numbers)
    if kind in "USTa":
        first = arr.ravel()[0].item() if arr.size else ""
        return empty, f"That contains text ({safe_repr(first)}), not {numbers}: remove the quotes."
    if kind == "b":
        return empty, f"That contains yes/no values (True/False); this exercise wants {numbers}."
    if kind == "c":
        imag = np.imag(arr)
        if np.any(imag != 0):
            return empty, (f"That is complex (imaginary part {float(imag.ravel()[np.argmax(imag.ravel() != 0)]):g}"
                           f"); the answer is real. Did a log or a square root of a negative number sneak in?")
        arr = np.real(arr)
    elif kind not in "iuf":
        return empty, f"That contains {arr.dtype} values, not {numbers}."
    with np.errstate(all="ignore"):
        return arr.astype(np.float64), ""


def _object_array_as_real(arr: np.ndarray, numbers: str) -> tuple[np.ndarray, str]:
    empty = np.array([])
    out = np.empty(arr.shape, dtype=np.float64)
    flat = out.reshape(-1)
    that = "That is" if arr.ndim == 0 else "That contains"
    for i, item in enumerate(arr.reshape(-1)):
        if item is None:
            return empty, f"{that} None where a number belongs; this exercise wants {numbers}."
        if isinstance(item, (str, bytes, bytearray, np.str_, np.bytes_)):
            shown = item.item() if isinstance(item, np.generic) else item
            return empty, f"{that} text ({safe_repr(shown)}), not {numbers}: remove the quotes."
        if isinstance(item, (bool, np.bool_)):
            return empty, f"{that} yes/no values (True/False); this exercise wants {numbers}."
        if isinstance(item, (complex, np.complexfloating)):
            if item.imag != 0:
                return empty, f"{that} the complex number {safe_repr(item)}; the answer is real."
            item = item.real
        if type(item).__module__.startswith("torch") and hasattr(item, "detach"):
            item = item.detach().cpu().numpy()
        if not isinstance(item, (Real, Decimal)) and not (isinstance(item, np.ndarray) and item.size == 1):
            return empty, f"{that} {describe(item)}, which is not a number."
        try:
            flat[i] = float(item)
        except OverflowError:
            return empty, f"{that} a number too large for a float ({safe_repr(item, 30)})."
        except (TypeError, ValueError):
            return empty, f"{that} {describe(item)}, which could not be read as a number."
    return out, ""


# --- Messages ---------------------------------------------------------------------------------

_WARNING_MEANINGS = {
    "overflow": "a number grew past float64's largest, about 1.8e308, as exp of a big number does",
    "divide by zero": "log(0) or a division by 0 happened",
    "invalid value": "an undefined operation such as 0 * inf, inf - inf or the log of a negative number "
                     "made a NaN",
    "underflow": "a number fell below float64's smallest, about 5e-324, and became 0",
}


def _with_warnings(feedback: Feedback, caught: list[warnings.WarningMessage]) -> Feedback:
    """``feedback`` with the warnings the learner's code raised folded into its message."""
    notes: list[str] = []
    for item in caught:
        text = safe_str(item.message)
        meaning = next((m for key, m in _WARNING_MEANINGS.items() if key in text), "")
        note = f"'{text}'" + (f" ({meaning})" if meaning else "")
        if note not in notes:
            notes.append(note)
    if not notes:
        return feedback
    shown = "; ".join(notes[:3]) + ("; ..." if len(notes) > 3 else "")
    if feedback.correct:
        return Feedback(True, f"{feedback.message} NumPy warned along the way: {shown}. "
                              "The answer came out right, but that step is worth a second look.")
    return Feedback(False, f"{feedback.message} NumPy warned while your code ran: {shown}.")


def _short(obj: object) -> str:
    """A test input as the learner would recognise it, shortened for long arrays."""
    arr = np.asarray(obj) if isinstance(obj, (list, tuple, np.ndarray)) else None
    if arr is not None and arr.size > 6:
        kind = "array" if isinstance(obj, np.ndarray) else "list"
        return f"a {kind} of {arr.size} probabilities starting {arr.ravel()[:3].tolist()}"
    return repr(obj.tolist() if isinstance(obj, np.ndarray) else obj)


def describe(obj: object) -> str:
    try:
        shown = obj.item() if isinstance(obj, np.generic) else obj
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception:
        shown = obj
    return f"{safe_repr(shown)} (a {type(obj).__name__})"


# --- The time limit ---------------------------------------------------------------------------

class _TimeUp(BaseException):
    """Raised inside a learner's function that ran past the time limit.

    A BaseException, so a learner's ``except Exception`` does not swallow it.
    """


class _TimeLimit:
    """A one-shot ``SIGALRM`` time limit, armed only where it can work and no one else uses it."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.doing = "Reading your answer took more than {seconds} s"
        self._active = False
        self._previous: object = None

    def available(self) -> bool:
        return (
            bool(self.seconds) and self.seconds > 0
            and hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        )

    def __enter__(self) -> _TimeLimit:
        return self

    def start(self) -> None:
        """Arm the timer (once), if the platform and the thread allow it."""
        if self._active or not self.available():
            return
        self._previous = signal.getsignal(signal.SIGALRM)
        self._active = True
        signal.signal(signal.SIGALRM, self._on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)  # one shot: it fires at most once

    def _on_alarm(self, signum: int, frame: object) -> None:
        if self._active:
            raise _TimeUp

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        """Disarm and put the previous handler back (safe to call twice)."""
        if not self._active:
            return
        self._active = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self._previous)

    def message(self) -> str:
        return (f"{self.doing.format(seconds=f'{self.seconds:g}')}, so lib.check stopped it. "
                "The test inputs are tiny, so it is probably stuck in a loop that never ends "
                "(a while loop whose condition never becomes false?).")
