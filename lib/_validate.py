"""Input checks shared by every function in ``lib`` (private: the maths and the machinery both use it).

Each helper turns its argument into a float numpy array or raises a
``TypeError``/``ValueError`` whose message names the argument and says what
is wrong with it, so a learner never meets a bare numpy traceback or a
silently wrong number.

What counts as a number: bools, integers and real floats, in numpy arrays,
(nested) lists or tuples, numpy scalars, 0-d arrays and plain Python
numbers (``fractions.Fraction`` and ``decimal.Decimal`` included). Refused,
each with its own message: ``None``, strings and bytes (also inside lists
and object arrays), complex numbers, datetimes and timedeltas, structured
arrays, integers too large for a float, masked arrays with masked entries
(``lib`` never skips an entry silently), and torch tensors that require
grad (``lib`` does not track gradients: pass ``t.detach()``).
"""

from __future__ import annotations

import decimal
import math
import reprlib
from numbers import Real

import numpy as np

#: How far a distribution's sum may be from 1, for float64 (and integer) input.
SUM_TOL_FLOAT64 = 1e-6
#: How far a distribution's sum may be from 1, for float32 input, whose
#: rounding error over a large vocabulary is far bigger.
SUM_TOL_FLOAT32 = 1e-3
#: How far a distribution's sum may be from 1, for float16 input (about ten
#: times float16's machine epsilon, 9.8e-4): ``[0.1, 0.2, 0.7]`` stored as
#: float16 sums to 1.00012.
SUM_TOL_FLOAT16 = 1e-2

#: numpy dtype kinds that hold real numbers: bool, signed and unsigned int, float.
_REAL_KINDS = "biuf"
_KIND_NAMES = {
    "U": "strings", "S": "bytes (text)", "c": "complex numbers", "M": "dates (datetime64)",
    "m": "time spans (timedelta64)", "V": "raw or structured records", "T": "strings",
}

_short_repr = reprlib.Repr()
_short_repr.maxstring = 40
_short_repr.maxother = 40
_short_repr.maxlong = 40


def safe_repr(obj: object, limit: int = 60) -> str:
    """``repr(obj)``, shortened, and never an exception (for error messages)."""
    try:
        text = _short_repr.repr(obj)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a broken __repr__ must not hide the real problem
        text = f"<{type(obj).__name__} object>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def sum_tolerance(dtype: np.dtype) -> float:
    """How far from 1 a distribution of this dtype may sum (see the ``SUM_TOL_*`` constants)."""
    if dtype == np.float16:
        return SUM_TOL_FLOAT16
    if dtype == np.float32:
        return SUM_TOL_FLOAT32
    return SUM_TOL_FLOAT64


def _is_torch_tensor_with_grad(x: object) -> bool:
    return type(x).__module__.startswith("torch") and bool(getattr(x, "requires_grad", False))


def read_real_array(x: object, name: str) -> np.ndarray:
    """``x`` as a numpy array of real numbers in its own dtype (bool, int or float), or raise.

    This is the gate every input of ``lib`` passes: it refuses everything
    listed in the module docstring with a message naming ``name``.
    """
    if x is None:
        raise TypeError(f"{name} is None: give a number or an array of numbers")
    if isinstance(x, (str, bytes, bytearray, memoryview)):
        what = "string" if isinstance(x, str) else f"{type(x).__name__} (raw bytes)"
        raise TypeError(f"{name} must be a number or an array of numbers, not the {what} {safe_repr(x)} "
                        "(text is not a number)")
    if _is_torch_tensor_with_grad(x):
        raise TypeError(f"{name} is a torch tensor that requires grad; lib works on plain numbers "
                        f"and tracks no gradients: pass {name}.detach()")
    if isinstance(x, np.ma.MaskedArray):
        n_masked = int(np.ma.getmaskarray(x).sum())
        if n_masked:
            raise TypeError(
                f"{name} is a masked array with {n_masked} masked entr{'y' if n_masked == 1 else 'ies'}; "
                f"lib never skips entries silently: pass {name}.compressed() to use only the unmasked "
                f"values, or {name}.filled(value) to fill them in"
            )
        x = x.data
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists, too many dimensions
        raise ValueError(f"{name} could not be read as an array: {err}") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as err:  # a broken __array__/__len__/__getitem__, a huge fake sequence
        raise TypeError(f"{name} could not be read as an array of numbers "
                        f"({type(err).__name__}: {safe_str(err)})") from None
    kind = arr.dtype.kind
    if kind in _REAL_KINDS:
        return arr
    if kind == "O":
        return _object_array_to_float(arr, name)
    what = _KIND_NAMES.get(kind, f"values of dtype {arr.dtype}")
    raise TypeError(f"{name} must contain real numbers, but it contains {what} (dtype {arr.dtype})")


def _object_array_to_float(arr: np.ndarray, name: str) -> np.ndarray:
    """Convert an object array item by item, refusing anything that is not a real number."""
    out = np.empty(arr.shape, dtype=np.float64)
    flat = out.reshape(-1)
    for i, item in enumerate(arr.reshape(-1)):
        where = "" if arr.ndim == 0 else f" at position {_fmt_index(np.unravel_index(i, arr.shape))}"
        if item is None:
            raise TypeError(f"{name} must contain only numbers, but it contains None{where}")
        if isinstance(item, (str, bytes, np.str_, np.bytes_)):
            raise TypeError(f"{name} must contain numbers, but it contains the text {safe_repr(item)}{where} "
                            "(text is not a number: remove the quotes)")
        if isinstance(item, (complex, np.complexfloating)):
            raise TypeError(f"{name} must contain real numbers, but it contains the complex number "
                            f"{safe_repr(item)}{where}")
        if _is_torch_tensor_with_grad(item):
            raise TypeError(f"{name} contains a torch tensor that requires grad{where}: pass .detach() values")
        if not isinstance(item, (Real, decimal.Decimal, np.bool_)):  # bool is a Real
            raise TypeError(f"{name} must contain only numbers, but it contains "
                            f"{safe_repr(item)} (a {type(item).__name__}){where}")
        try:
            flat[i] = float(item)
        except OverflowError:
            raise ValueError(f"{name} contains a number too large for a float{where}: "
                             f"{safe_repr(item, 30)} (the largest float is about 1.8e308)") from None
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as err:
            raise TypeError(f"{name} contains {safe_repr(item)}{where}, which could not be read as a number "
                            f"({type(err).__name__})") from None
    return out


def as_float_array(x: object, name: str, *, allow_inf: bool = False, allow_neg_inf: bool = False) -> np.ndarray:
    """Return ``x`` as a float array, or raise an error naming ``name``.

    Refuses what :func:`read_real_array` refuses, NaN, and infinities
    (unless ``allow_inf``, or ``allow_neg_inf`` for -inf only). float32
    input stays float32; every other real dtype becomes float64.
    """
    arr = read_real_array(x, name)
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
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.add.reduce(arr, axis=None)))


def as_probabilities(x: object, name: str) -> np.ndarray:
    """Return ``x`` as a float array of numbers in [0, 1], or raise."""
    arr = as_float_array(x, name)
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        where = _first_index(bad)
        hint = ""
        if (arr >= 0).all() and np.all(arr == np.round(arr)):
            hint = " (these look like counts: divide them by their total to get probabilities)"
        raise ValueError(
            f"{name} must be probabilities in [0, 1], but {name}{_fmt_index(where)} = {arr[where].item()!r}{hint}"
        )
    return arr


def as_distribution(x: object, name: str) -> np.ndarray:
    """Return ``x`` as probabilities whose last axis sums to 1, or raise.

    The sum may miss 1 by at most ``SUM_TOL_FLOAT64`` (1e-6) for float64 or
    integer input, ``SUM_TOL_FLOAT32`` (1e-3) for float32 input and
    ``SUM_TOL_FLOAT16`` (1e-2) for float16 input.
    """
    raw = read_real_array(x, name)
    tol = sum_tolerance(raw.dtype)
    arr = as_probabilities(raw, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be a distribution (a 1-D array of probabilities), not a single number")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} is empty: a distribution needs at least one outcome")
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
    base = _as_single_number(base, "base", example=" such as math.e or 2")
    if not math.isfinite(base) or base <= 0 or base == 1:
        raise ValueError(f"base must be a positive number other than 1, but got {base}")
    return base


def check_positive_number(x: object, name: str) -> float:
    """Return ``x`` as a float if it is a finite number greater than 0, or raise.

    Python and numpy numbers and 0-d arrays are accepted; bools, text and
    arrays of more than one number are not.
    """
    x = _as_single_number(x, name)
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, but got {x}")
    return x


def check_axis(axis: object, ndim: int, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative int valid for ``ndim`` dimensions, or raise."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name} must be an integer such as -1 or 0, not {safe_repr(axis)} "
                        f"(a {type(axis).__name__})")
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name} = {axis} is out of range for an array with {ndim} "
                         f"dimension{'s' if ndim != 1 else ''} (use -1 for the last axis)")
    return axis % ndim


def _as_single_number(x: object, name: str, example: str = "") -> float:
    if isinstance(x, (bool, np.bool_)) or x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a number{example}, not {safe_repr(x)} (a {type(x).__name__})")
    if isinstance(x, (Real, decimal.Decimal)):
        try:
            return float(x)
        except OverflowError:
            raise ValueError(f"{name} is too large for a float: {safe_repr(x, 30)}") from None
    arr = read_real_array(x, name)
    if arr.ndim != 0:
        raise TypeError(f"{name} must be a single number{example}, not an array of shape {arr.shape}")
    if arr.dtype.kind == "b":
        raise TypeError(f"{name} must be a number{example}, not a bool")
    return float(arr)


def to_output(arr: np.ndarray) -> float | np.ndarray:
    """Return a Python float for a 0-d result and the array otherwise."""
    return float(arr) if np.ndim(arr) == 0 else arr


def mean(values: np.ndarray) -> float:
    """The mean of ``values`` as a float, even where their sum would overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        result = float(np.mean(values, dtype=np.float64))
        if math.isinf(result) and np.isfinite(values).all():  # every value finite: only the sum overflowed
            result = float(np.sum(np.asarray(values, dtype=np.float64) / values.size))
    return result


def safe_str(obj: object) -> str:
    """``str(obj)``, shortened to 200 characters, and never an exception (a learner's
    exception or warning may carry a ``__str__`` that raises)."""
    try:
        text = str(obj)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        return "(its message could not be shown)"
    return text if len(text) <= 200 else text[:197] + "..."


def _first_index(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _fmt_index(index: tuple[int, ...]) -> str:
    if not index:
        return ""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def as_table_and_counts(logits: object, counts: object) -> tuple[np.ndarray, np.ndarray]:
    """A logit (or probability) table and its count table, as float arrays of one shape, or a ValueError."""
    w = np.asarray(logits, dtype=np.float64)
    c = np.asarray(counts, dtype=np.float64)
    if w.ndim != 2 or w.shape != c.shape:
        raise ValueError(f"logits and counts must be tables of the same shape, got {w.shape} and {c.shape}")
    if c.sum() <= 0:
        raise ValueError("counts are all zero: there is nothing to score")
    return w, c
