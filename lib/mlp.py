"""A small neural language model, after Bengio et al. (2003), written out in numpy (chapter 8).

The model predicts the next symbol from the ``context`` symbols before it:

1. **Embed.** Each previous symbol ``x_{t-j}`` is looked up in the embedding
   table ``W_emb`` (the book's notation; stored as ``params["E"]``), one row of
   ``embed_dim`` numbers per symbol, and the ``context`` = n - 1 rows are laid
   side by side: ``u = [W_emb[x_{t-n+1}], ..., W_emb[x_{t-1}]]``.
2. **Hidden layer.** ``h = tanh(u W1 + b1)``, the hidden vector (``h`` in
   the book's notation), of size ``hidden_dim``.
3. **Logits.** ``z = h W2 + b2``, one logit per symbol of the vocabulary (V),
   and ``p_theta(. | x_{<t}) = softmax(z)``.

The loss is the mean ``-log p_theta(y | x)`` over examples, computed from the
logits with log-sum-exp (:func:`lib.logits.log_softmax`,
:func:`lib.logits.cross_entropy_from_logits`), never as ``log(softmax(z))``.

The backward pass is the chain rule, layer by layer, from chapter 4's
gradient at the logits, ``dl/dz = p - q`` (``q`` one-hot on the observed
symbol), divided by the number of examples ``N`` because the loss is a mean:

==========================  ==================================================
``dz = (p - q) / N``         the gradient at the logits
``dW2 = h^T dz``             ``db2 = sum of dz over examples``
``dh = dz W2^T``             back through the output layer
``da = dh * (1 - h**2)``     through tanh (``tanh' = 1 - tanh**2``)
``dW1 = u^T da``             ``db1 = sum of da over examples``
``du = da W1^T``             back to the embeddings, then added into the rows
                             of ``W_emb`` they came from (``np.add.at``: a symbol
                             used twice in a batch gets both contributions)
==========================  ==================================================

Initialisation decides the loss at step 0. With every logit near 0 the model
starts uniform, ``p = 1/V`` for every symbol, so the first loss is ``ln V``:
the loss of knowing nothing. :func:`init_mlp` does that by default
(``init_scale="small"``: output weights with standard deviation 0.01). A
*careless* initialisation (``init_scale="careless"``, standard deviation 1 for
the output weights, as a plain ``randn`` gives) makes the logits large and
random: the model starts confidently wrong, and the step-0 loss lies far above
``ln V`` (for chapter 8's model, tens of nats: its checkpoint records the number),
which the first steps of training spend undoing.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lib._validate import as_float_array, read_real_array, safe_repr
from lib.logits import cross_entropy_from_logits, log_softmax, softmax

__all__ = [
    "PARAMETER_NAMES",
    "TrainingLog",
    "init_mlp",
    "load_mlp_checkpoint",
    "make_context_windows",
    "mlp_backward",
    "mlp_forward",
    "mlp_log_probs",
    "mlp_loss_and_grads",
    "mlp_nll",
    "train_mlp",
]

#: The arrays of a model, in a fixed order: embeddings, hidden layer, output layer.
PARAMETER_NAMES = ("E", "W1", "b1", "W2", "b2")
#: Standard deviation of the output weights W2 for the named initialisations.
INIT_SCALES = {"small": 0.01, "careless": 1.0}
#: tanh's gain, as PyTorch's ``torch.nn.init.calculate_gain("tanh")`` gives it: W1's
#: standard deviation is ``TANH_GAIN / sqrt(fan_in)``, so with standard-normal embeddings
#: each hidden unit's input has a standard deviation of about 5/3 at the start.
TANH_GAIN = 5.0 / 3.0


def init_mlp(vocab_size: int, context: int, embed_dim: int, hidden_dim: int,
             seed: int | np.random.Generator = 0, init_scale: str | float = "small") -> dict[str, np.ndarray]:
    """New parameters for the MLP language model, seeded.

    Parameters
    ----------
    vocab_size : int
        V, the number of symbols (rows of ``W_emb``, stored as ``E``; columns of ``W2``).
    context : int
        How many previous symbols the model sees (n - 1 for an order-n model).
    embed_dim, hidden_dim : int
        Size of each symbol's embedding and of the hidden vector h.
    seed : int or numpy.random.Generator
        Seed (or generator) for the random starting values.
    init_scale : {"small", "careless"} or float
        Standard deviation of the output weights ``W2``: ``"small"`` (0.01)
        starts near the uniform distribution (step-0 loss ≈ ln V);
        ``"careless"`` (1.0) starts with large random logits (step-0 loss far
        above ln V). ``E`` (``W_emb``) is standard normal, ``W1`` has standard deviation
        ``(5/3) / sqrt(context * embed_dim)``, and the biases are 0.

    Returns
    -------
    dict of numpy.ndarray
        ``E`` (V, embed_dim), ``W1`` (context * embed_dim, hidden_dim),
        ``b1`` (hidden_dim,), ``W2`` (hidden_dim, V), ``b2`` (V,), float64.

    Examples
    --------
    >>> params = init_mlp(vocab_size=27, context=3, embed_dim=10, hidden_dim=64, seed=0)
    >>> {name: a.shape for name, a in params.items()}
    {'E': (27, 10), 'W1': (30, 64), 'b1': (64,), 'W2': (64, 27), 'b2': (27,)}
    """
    v = _check_size(vocab_size, "vocab_size", minimum=2)
    c = _check_size(context, "context")
    d = _check_size(embed_dim, "embed_dim")
    hidden = _check_size(hidden_dim, "hidden_dim")
    rng = _rng(seed)
    if isinstance(init_scale, str):
        if init_scale not in INIT_SCALES:
            raise ValueError(f"init_scale must be one of {tuple(INIT_SCALES)} or a number, "
                             f"but got {init_scale!r}")
        scale = INIT_SCALES[init_scale]
    else:
        arr = as_float_array(init_scale, "init_scale")
        if arr.ndim != 0 or isinstance(init_scale, (bool, np.bool_)) or arr < 0:
            raise ValueError(f"init_scale must be 'small', 'careless' or a single number >= 0, "
                             f"but got {safe_repr(init_scale)}")
        scale = float(arr)
    return {
        "E": rng.standard_normal((v, d)),
        "W1": rng.standard_normal((c * d, hidden)) * (TANH_GAIN / math.sqrt(c * d)),
        "b1": np.zeros(hidden),
        "W2": rng.standard_normal((hidden, v)) * scale,
        "b2": np.zeros(v),
    }


class _Cache(NamedTuple):
    """What the backward pass needs from the forward pass."""

    contexts: np.ndarray  # (N, n - 1) symbol ids
    e: np.ndarray  # (N, (n - 1) * embed_dim): u, the concatenated embeddings
    h: np.ndarray  # (N, hidden_dim) hidden vectors
    z: np.ndarray  # (N, V) logits


def mlp_forward(params: dict[str, np.ndarray], contexts: object) -> tuple[np.ndarray, _Cache]:
    """Logits for every row of ``contexts``, and the cache the backward pass needs.

    Parameters
    ----------
    params : dict
        As made by :func:`init_mlp`.
    contexts : array_like of int, shape (N, n - 1)
        Each row the ids of the n - 1 previous symbols, oldest first.

    Returns
    -------
    logits : numpy.ndarray, shape (N, V)
    cache : tuple
        ``(contexts, e, h, z)``: input ids, concatenated embeddings (``u``), hidden
        vectors and logits.

    Examples
    --------
    >>> params = init_mlp(5, context=2, embed_dim=3, hidden_dim=4, seed=0)
    >>> logits, cache = mlp_forward(params, [[0, 1], [4, 4]])
    >>> logits.shape, cache.h.shape
    ((2, 5), (2, 4))
    """
    v, c = _check_params(params)
    x = _check_contexts(contexts, v, c)
    e = params["E"][x].reshape(len(x), -1)
    h = np.tanh(e @ params["W1"] + params["b1"])
    z = h @ params["W2"] + params["b2"]
    return z, _Cache(x, e, h, z)


def mlp_backward(params: dict[str, np.ndarray], cache: _Cache, targets: object) -> dict[str, np.ndarray]:
    """Gradients of the mean ``-log p_theta(target | context)`` with respect to every parameter.

    Starts from chapter 4's ``(p - q) / N`` at the logits and applies the
    chain rule through the output layer, tanh, the hidden layer and the
    embedding lookup (see the module's table).

    Returns
    -------
    dict of numpy.ndarray
        One gradient per parameter, same names and shapes as ``params``.

    Examples
    --------
    >>> params = init_mlp(5, context=2, embed_dim=3, hidden_dim=4, seed=0)
    >>> _, cache = mlp_forward(params, [[0, 1], [4, 4]])
    >>> grads = mlp_backward(params, cache, [2, 3])
    >>> float(np.abs(grads["E"][[2, 3]]).sum())  # symbols 2 and 3 were no one's context
    0.0
    """
    n, v = cache.z.shape
    return _backward_from_probs(params, cache, softmax(cache.z), _check_targets(targets, n, v))


def _backward_from_probs(params: dict[str, np.ndarray], cache: _Cache, p: np.ndarray,
                         y: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`mlp_backward` given the model's probabilities ``p`` (overwritten) and checked targets."""
    contexts, e, h, z = cache
    n = len(z)
    dz = p
    dz[np.arange(n), y] -= 1.0  # p - q, q one-hot on the target
    dz /= n  # the loss is a mean over N examples
    dh = dz @ params["W2"].T
    da = dh * (1.0 - h * h)  # tanh'(a) = 1 - tanh(a)^2 = 1 - h^2
    de = (da @ params["W1"].T).reshape(contexts.shape + (params["E"].shape[1],))
    d_embed = np.zeros_like(params["E"])
    np.add.at(d_embed, contexts, de)  # a symbol used k times collects k contributions
    return {"E": d_embed, "W1": e.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dz, "b2": dz.sum(axis=0)}


def mlp_loss_and_grads(params: dict[str, np.ndarray], contexts: object,
                       targets: object) -> tuple[float, dict[str, np.ndarray]]:
    """The mean ``-log p_theta(target | context)`` in nats, and its gradients.

    Examples
    --------
    >>> params = init_mlp(27, context=3, embed_dim=10, hidden_dim=64, seed=0)
    >>> x = np.random.default_rng(1).integers(0, 27, size=(500, 3))
    >>> y = np.random.default_rng(2).integers(0, 27, size=500)
    >>> loss, grads = mlp_loss_and_grads(params, x, y)
    >>> round(loss, 2), round(math.log(27), 2)  # a small init starts at ln V
    (3.3, 3.3)
    """
    logits, cache = mlp_forward(params, contexts)
    y = _check_targets(targets, len(logits), logits.shape[1])
    log_p = log_softmax(logits)  # z - logsumexp(z), stable for any logits
    loss = -float(np.mean(log_p[np.arange(len(y)), y]))
    return loss, _backward_from_probs(params, cache, np.exp(log_p), y)


def mlp_log_probs(params: dict[str, np.ndarray], contexts: object) -> np.ndarray:
    """``log p_theta(. | context)`` for every row of ``contexts``, shape (N, V), in nats."""
    logits, _ = mlp_forward(params, contexts)
    return log_softmax(logits)


def mlp_nll(params: dict[str, np.ndarray], contexts: object, targets: object, batch_size: int = 8192) -> float:
    """Mean ``-log p_theta(target | context)`` over all examples, in nats (held-out evaluation).

    Computed in batches of ``batch_size`` rows so a long text needs little memory.

    Examples
    --------
    >>> params = init_mlp(4, context=2, embed_dim=2, hidden_dim=3, seed=0)
    >>> x, y = make_context_windows([0, 1, 2, 3, 0, 1, 2, 3], context=2)
    >>> round(mlp_nll(params, x, y), 2), round(math.log(4), 2)  # untrained: about ln V
    (1.39, 1.39)
    """
    v, c = _check_params(params)
    x = _check_contexts(contexts, v, c)
    y = _check_targets(targets, len(x), v)
    batch_size = _check_size(batch_size, "batch_size")
    total = 0.0
    for start in range(0, len(x), batch_size):
        logits, _ = mlp_forward(params, x[start:start + batch_size])
        part = y[start:start + batch_size]
        total += cross_entropy_from_logits(logits, part) * len(part)
    return total / len(x)


def make_context_windows(ids: object, context: int, pad_id: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Examples ``(X, y)`` for a model that sees ``context`` previous symbols.

    Parameters
    ----------
    ids : array_like of int, shape (|x|,)
        A text x as symbol ids.
    context : int
        n - 1, the number of previous symbols in each example.
    pad_id : int, optional
        If given, the text is taken as preceded by n - 1 copies of ``pad_id``, so
        every position ``0 .. |x| - 1`` is an example (|x| examples). If ``None``
        (default), only positions with n - 1 real symbols before them are
        (``|x| - (n - 1)`` examples, positions ``n - 1 .. |x| - 1``): the same
        positions an n-gram model of order n scores.

    Returns
    -------
    X : numpy.ndarray of int64, shape (examples, n - 1)
        Each row the n - 1 previous ids, oldest first.
    y : numpy.ndarray of int64, shape (examples,)
        The id that followed.

    Examples
    --------
    >>> X, y = make_context_windows([5, 6, 7, 8], context=2)
    >>> X, y
    (array([[5, 6],
           [6, 7]]), array([7, 8]))
    >>> make_context_windows([5, 6], context=2, pad_id=0)[0]
    array([[0, 0],
           [0, 5]])
    """
    arr = _as_id_array(ids, "ids")
    if arr.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence of symbol ids, but got shape {arr.shape}")
    c = _check_size(context, "context")
    if pad_id is not None:
        if isinstance(pad_id, (bool, np.bool_)) or not isinstance(pad_id, (int, np.integer)) or pad_id < 0:
            raise TypeError(f"pad_id must be a symbol id (an integer >= 0) or None, not {safe_repr(pad_id)}")
        arr = np.concatenate([np.full(c, pad_id, dtype=np.int64), arr])
    if len(arr) <= c:
        raise ValueError(f"ids must be longer than context = {c} to give an example, but has "
                         f"{len(arr) - (c if pad_id is not None else 0)} symbols")
    windows = np.lib.stride_tricks.sliding_window_view(arr, c + 1)
    return windows[:, :-1].copy(), windows[:, -1].copy()


class TrainingLog(NamedTuple):
    """What :func:`train_mlp` records.

    ``batch_loss[s]`` is the minibatch loss at step ``s`` (before that step's
    update; ``batch_loss[0]`` is the loss at step 0). ``eval_steps`` are the
    steps at which the loss on the evaluation sets was measured (0 included),
    ``train_loss`` on the fixed training subset and ``validation_loss`` on the
    validation examples (empty without them). ``best_step`` is the evaluated
    step with the lowest validation loss (the returned parameters are from
    it when ``keep_best``; without validation examples, the last step),
    ``steps_run`` the number of updates made.
    """

    batch_loss: np.ndarray
    eval_steps: np.ndarray
    train_loss: np.ndarray
    validation_loss: np.ndarray
    best_step: int
    steps_run: int


def train_mlp(params: dict[str, np.ndarray], X: object, y: object, steps: int, batch_size: int = 256,
              learning_rate: float = 3e-3, seed: int = 0, *, optimizer: str = "adam",
              X_val: object = None, y_val: object = None, eval_every: int = 0,
              train_eval_size: int = 20_000, patience: int | None = None,
              keep_best: bool = True, final_learning_rate: float | None = None,
              decay_steps: int | None = None) -> tuple[dict[str, np.ndarray], TrainingLog]:
    """Train by minibatch gradient descent on the mean ``-log p``; returns new parameters and a log.

    Each step draws ``batch_size`` examples at random (a seeded generator, so
    two runs with the same arguments give identical parameters), computes the
    loss and gradients (:func:`mlp_loss_and_grads`) and updates every
    parameter:

    * ``optimizer="sgd"``: ``theta -= learning_rate * g``.
    * ``optimizer="adam"`` (Kingma and Ba 2015, their Algorithm 1, with
      beta1 = 0.9, beta2 = 0.999, eps = 1e-8): running means of ``g`` and
      ``g**2``, bias-corrected, and ``theta -= learning_rate * m_hat /
      (sqrt(v_hat) + eps)``. It reaches a given loss in far fewer steps here.

    Parameters
    ----------
    params : dict
        Starting parameters (:func:`init_mlp`); they are not modified.
    X, y : array_like of int
        Training examples (:func:`make_context_windows`).
    steps : int
        Most updates to make.
    batch_size, learning_rate, seed
        Minibatch size, step size, and the seed of the minibatch draws.
    optimizer : {"adam", "sgd"}
    X_val, y_val : array_like of int, optional
        Validation examples, evaluated every ``eval_every`` steps (and at
        step 0 and at the end) with :func:`mlp_nll`.
    eval_every : int
        0 (default) evaluates only at step 0 and at the end.
    train_eval_size : int
        The training loss at evaluation steps is measured on the first
        ``train_eval_size`` examples of a fixed seeded shuffle of ``X``
        (cheaper than all of them; all of them if ``X`` has fewer).
    patience : int, optional
        Early stopping: stop after this many evaluations in a row without a
        new best validation loss.
    keep_best : bool
        Return the parameters of the evaluation step with the lowest
        validation loss (needs validation examples), not the last ones.
    final_learning_rate : float, optional
        If given, the step size decays geometrically from ``learning_rate``
        at step 1 to ``final_learning_rate`` at step ``decay_steps``:
        ``learning_rate * (final_learning_rate / learning_rate) ** ((step - 1) / (decay_steps - 1))``.
    decay_steps : int, optional
        The length of that decay; by default ``steps``. Give a longer run's
        ``decay_steps`` to replay its first steps exactly with a small ``steps``.

    Returns
    -------
    params : dict of numpy.ndarray
    log : TrainingLog

    Examples
    --------
    >>> ids = np.tile([0, 1, 2, 3, 2, 1], 50)  # a pattern a context of 2 predicts exactly
    >>> X, y = make_context_windows(ids, context=2)
    >>> params = init_mlp(4, context=2, embed_dim=4, hidden_dim=16, seed=0)
    >>> trained, log = train_mlp(params, X, y, steps=200, batch_size=32, learning_rate=0.02)
    >>> bool(log.batch_loss[0] > 1.3 and mlp_nll(trained, X, y) < 0.01)
    True
    """
    v, c = _check_params(params)
    X = _check_contexts(X, v, c, "X")
    y = _check_targets(y, len(X), v, "y")
    steps = _check_size(steps, "steps", minimum=0)
    batch_size = _check_size(batch_size, "batch_size")
    learning_rate = _check_positive(learning_rate, "learning_rate")
    final_lr = learning_rate if final_learning_rate is None else _check_positive(final_learning_rate,
                                                                                 "final_learning_rate")
    decay_steps = steps if decay_steps is None else _check_size(decay_steps, "decay_steps")
    eval_every = _check_size(eval_every, "eval_every", minimum=0)
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', but got {safe_repr(optimizer)}")
    has_val = X_val is not None or y_val is not None
    if has_val:
        if X_val is None or y_val is None:
            raise ValueError("give both X_val and y_val, or neither")
        X_val = _check_contexts(X_val, v, c, "X_val")
        y_val = _check_targets(y_val, len(X_val), v, "y_val")
    if patience is not None:
        patience = _check_size(patience, "patience")
        if not has_val:
            raise ValueError("patience (early stopping) needs validation examples X_val, y_val")
    keep_best = bool(keep_best) and has_val
    rng = np.random.default_rng(seed)
    subset = np.random.default_rng(seed).permutation(len(X))[:_check_size(train_eval_size, "train_eval_size")]
    X_sub, y_sub = X[np.sort(subset)], y[np.sort(subset)]

    theta = {name: np.array(params[name], dtype=np.float64) for name in PARAMETER_NAMES}
    m = {name: np.zeros_like(a) for name, a in theta.items()}
    s = {name: np.zeros_like(a) for name, a in theta.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    batch_loss, eval_steps, train_loss, val_loss = [], [], [], []
    best = (math.inf, 0, theta)
    evals_since_best = 0

    def evaluate(step: int) -> bool:
        """Record the losses at ``step``; True if training should stop early."""
        nonlocal best, evals_since_best
        eval_steps.append(step)
        train_loss.append(mlp_nll(theta, X_sub, y_sub))
        if not has_val:
            return False
        val_loss.append(mlp_nll(theta, X_val, y_val))
        if val_loss[-1] < best[0]:
            best = (val_loss[-1], step, {k: a.copy() for k, a in theta.items()})
            evals_since_best = 0
        else:
            evals_since_best += 1
        return patience is not None and evals_since_best >= patience

    evaluate(0)
    step = 0
    for step in range(1, steps + 1):
        batch = rng.integers(0, len(X), size=batch_size)
        loss, grads = mlp_loss_and_grads(theta, X[batch], y[batch])
        batch_loss.append(loss)
        lr = learning_rate * (final_lr / learning_rate) ** (min(step - 1, decay_steps - 1) / max(decay_steps - 1, 1))
        for name in PARAMETER_NAMES:
            g = grads[name]
            if optimizer == "sgd":
                theta[name] -= lr * g
                continue
            m[name] = beta1 * m[name] + (1 - beta1) * g
            s[name] = beta2 * s[name] + (1 - beta2) * g * g
            m_hat = m[name] / (1 - beta1 ** step)
            s_hat = s[name] / (1 - beta2 ** step)
            theta[name] -= lr * m_hat / (np.sqrt(s_hat) + eps)
        if (eval_every and step % eval_every == 0) or step == steps:
            if evaluate(step):
                break
    result = best[2] if keep_best else theta
    log = TrainingLog(np.array(batch_loss), np.array(eval_steps), np.array(train_loss),
                      np.array(val_loss), int(best[1]) if has_val else step, step)
    return result, log


#: The checkpoint chapter 8 loads, written by ``scripts/train_mlp.py``.
CHECKPOINT = Path(__file__).resolve().parent / "data" / "mlp_char_context4.npz"


def load_mlp_checkpoint(path: str | Path | None = None) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """The trained parameters and the training record saved by ``scripts/train_mlp.py``.

    Parameters
    ----------
    path : str or Path, optional
        An ``.npz`` file; by default chapter 8's checkpoint, :data:`CHECKPOINT`.

    Returns
    -------
    params : dict of numpy.ndarray
        As :func:`init_mlp` makes them, ready for :func:`mlp_forward`.
    record : dict
        ``alphabet`` (str), ``config`` (dict: context, embed_dim, ...), the
        training log (``batch_loss``, ``eval_steps``, ``train_loss``,
        ``validation_loss`` as arrays) and single numbers as floats or ints:
        ``best_step``, ``steps_run``, ``ln_V``, ``step0_validation_loss``,
        ``careless_step0_validation_loss``, ``train_nll``, ``validation_nll``,
        ``test_nll``, ``training_seconds``, ``training_cpu_seconds``.

    Examples
    --------
    >>> params, record = load_mlp_checkpoint()
    >>> record["config"]["context"], params["E"].shape[0] == len(record["alphabet"])
    (4, True)
    >>> bool(record["validation_nll"] < record["ln_V"])
    True
    """
    with np.load(CHECKPOINT if path is None else path) as data:
        saved = {name: data[name] for name in data.files}
    params = {name: saved.pop(name) for name in PARAMETER_NAMES}
    record: dict[str, object] = {"alphabet": str(saved.pop("alphabet"))}
    names, values = saved.pop("config_names"), saved.pop("config_values")
    record["config"] = {str(n): (int(v) if float(v).is_integer() else float(v)) for n, v in zip(names, values)}
    for name, value in saved.items():
        if value.ndim:
            record[name] = value
        else:
            record[name] = int(value) if value.dtype.kind in "iu" else float(value)
    return params, record


# --------------------------------------------------------------------------- input checks


def _rng(seed: object) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"seed must be an integer >= 0 or a numpy Generator, not {safe_repr(seed)}")
    return np.random.default_rng(int(seed))


def _check_size(x: object, name: str, minimum: int = 1) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number, not {safe_repr(x)} (a {type(x).__name__})")
    if x < minimum:
        raise ValueError(f"{name} must be at least {minimum}, but got {int(x)}")
    return int(x)


def _check_positive(x: object, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, not {safe_repr(x)} (a {type(x).__name__})")
    if not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, but got {x}")
    return float(x)


def _check_params(params: object) -> tuple[int, int]:
    """(V, n - 1) of a parameter dict, after checking its names and shapes agree."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be the dict made by init_mlp, not {safe_repr(params)}")
    missing = [name for name in PARAMETER_NAMES if name not in params]
    if missing:
        raise ValueError(f"params is missing {missing} (expected the arrays {PARAMETER_NAMES})")
    shapes = {name: np.shape(params[name]) for name in PARAMETER_NAMES}
    (v, d), (cd, hidden) = shapes["E"], shapes["W1"]
    if cd % d or shapes["b1"] != (hidden,) or shapes["W2"] != (hidden, v) or shapes["b2"] != (v,):
        raise ValueError(f"params has inconsistent shapes: {shapes}")
    return v, cd // d


def _as_id_array(x: object, name: str) -> np.ndarray:
    arr = read_real_array(x, name)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "f" and arr.size == 0:
            return arr.astype(np.int64)
        raise TypeError(f"{name} must hold integer symbol ids, but got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _check_contexts(contexts: object, v: int, c: int, name: str = "contexts") -> np.ndarray:
    x = _as_id_array(contexts, name)
    if x.ndim != 2 or x.shape[1] != c:
        raise ValueError(f"{name} must have shape (N, {c}) (the model's context is {c}), but got shape {x.shape}")
    if len(x) == 0:
        raise ValueError(f"{name} is empty: there is no example")
    if x.min() < 0 or x.max() >= v:
        bad = x[(x < 0) | (x >= v)][0]
        raise ValueError(f"{name} must hold ids in [0, {v - 1}], but one is {int(bad)}")
    return x


def _check_targets(targets: object, n: int, v: int, name: str = "targets") -> np.ndarray:
    y = _as_id_array(targets, name)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), one id per example, but got shape {y.shape}")
    if y.min() < 0 or y.max() >= v:
        bad = y[(y < 0) | (y >= v)][0]
        raise ValueError(f"{name} must hold ids in [0, {v - 1}], but one is {int(bad)}")
    return y
