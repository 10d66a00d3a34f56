"""Input checks shared by every function in ``lib``.

Each helper turns its argument into a float numpy array or raises a
``TypeError``/``ValueError`` whose message names the argument and says what
is wrong with it, so a learner never meets a bare numpy traceback or a
silently wrong number.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

#: How far a distribution's sum may be from 1, for float64 input.
SUM_TOL_FLOAT64 = 1e-6
#: How far a distribution's sum may be from 1, for float32 (or narrower) input,
#: whose rounding error over a large vocabulary is far bigger.
SUM_TOL_FLOAT32 = 1e-3


def as_float_array(x: object, name: str, *, allow_inf: bool = False, allow_neg_inf: bool = False) -> np.ndarray:
    """Return ``x`` as a float array, or raise an error naming ``name``.

    Rejects strings, complex numbers, objects that are not numbers, NaN and
    infinities (unless ``allow_inf``, or ``allow_neg_inf`` for -inf only). float32 input stays float32; every
    other real dtype becomes float64.
    """
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a number or an array of numbers, not the string {x!r}")
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array: {err}") from None
    if arr.dtype.kind in "US":
        raise TypeError(f"{name} must contain numbers, but it contains strings")
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must contain real numbers, but it contains complex numbers")
    if arr.dtype.kind not in "biuf":
        if any(item is None for item in arr.ravel()):
            raise TypeError(f"{name} must contain only numbers, but it contains None")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must contain only numbers, but it contains {_first_non_number(arr)!r}"
            ) from None
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if all_finite(arr):  # the common case, checked in one pass without temporaries
        return arr
    checks = [(np.isnan(arr), "NaN")]
    if allow_neg_inf and not allow_inf:
        checks.append((np.isposinf(arr), "+inf (only -inf is allowed here, for a choice that is ruled out)"))
    elif not allow_inf:
        checks.append((np.isinf(arr), "an infinite value"))
    for bad, what in checks:
        if bad.any():
            if arr.ndim == 0:
                raise ValueError(f"{name} is {what}, not a usable number")
            raise ValueError(f"{name} contains {what} at position {_fmt_index(_first_index(bad))}")
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """True if ``arr`` holds no NaN and no infinity.

    One summing pass without temporaries: a NaN or an infinity anywhere makes
    the sum non-finite. (A sum that overflows although every value is finite
    only sends the caller on to the exact, slower checks.)
    """
    return bool(np.isfinite(np.add.reduce(arr, axis=None)))


def as_probabilities(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a float array of numbers in [0, 1], or raise."""
    arr = as_float_array(x, name)
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        where = _first_index(bad)
        raise ValueError(
            f"{name} must be probabilities in [0, 1], but {name}{_fmt_index(where)} = {arr[where]!r}"
        )
    return arr


def as_distribution(x: object, name: str) -> np.ndarray:
    """Return ``x`` as probabilities whose last axis sums to 1, or raise.

    The sum may miss 1 by at most ``SUM_TOL_FLOAT64`` (1e-6) for float64
    input and ``SUM_TOL_FLOAT32`` (1e-3) for float32 input.
    """
    arr = as_probabilities(x, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be a distribution (a 1-D array of probabilities), not a single number")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} is empty: a distribution needs at least one outcome")
    tol = SUM_TOL_FLOAT32 if arr.dtype == np.float32 else SUM_TOL_FLOAT64
    sums = arr.sum(axis=-1, dtype=np.float64)
    bad = np.abs(sums - 1.0) > tol
    if np.any(bad):
        where = _first_index(np.atleast_1d(bad))
        total = np.atleast_1d(sums)[where]
        row = "" if arr.ndim == 1 else f" (row {_fmt_index(where)})"
        raise ValueError(
            f"{name} must sum to 1 over its last axis (within {tol:g}), but it sums to {total:.6g}{row}"
        )
    return arr


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, but got {a.shape} and {b.shape}")


def check_not_empty(arr: np.ndarray, name: str, what: str = "example") -> None:
    """Raise ``ValueError`` if ``arr`` has nothing to average over."""
    if arr.size == 0:
        raise ValueError(f"{name} is empty: the mean needs at least one {what}")


def check_base(base: object) -> float:
    """Return the logarithm base as a float, or raise if it is not a valid base."""
    if isinstance(base, bool) or not isinstance(base, Real):
        raise TypeError(f"base must be a real number such as math.e or 2, not {type(base).__name__}")
    base = float(base)
    if not math.isfinite(base) or base <= 0 or base == 1:
        raise ValueError(f"base must be a positive number other than 1, but got {base}")
    return base


def check_positive_number(x: object, name: str) -> float:
    """Return ``x`` as a float if it is a finite number greater than 0, or raise."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{name} must be a number, not {type(x).__name__}")
    x = float(x)
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, but got {x}")
    return x


def to_output(arr: np.ndarray) -> float | np.ndarray:
    """Return a Python float for a 0-d result and the array otherwise."""
    return float(arr) if np.ndim(arr) == 0 else arr


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _fmt_index(index: tuple[int, ...]) -> str:
    if not index:
        return ""
    return "[" + ", ".join(str(i) for i in index) + "]"


def _first_non_number(arr: np.ndarray) -> object:
    for item in arr.ravel():
        try:
            float(item)
        except (TypeError, ValueError):
            return item
    return arr.ravel()[0]
