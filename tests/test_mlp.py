"""lib.mlp: the hand-written backward pass against finite differences and torch autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lib.mlp import (
    PARAMETER_NAMES,
    init_mlp,
    make_context_windows,
    mlp_backward,
    mlp_forward,
    mlp_log_probs,
    mlp_loss_and_grads,
    mlp_nll,
    train_mlp,
)


def small_problem(seed=0, v=7, c=3, d=4, hidden=6, n=13, init_scale=0.5):
    rng = np.random.default_rng(seed)
    params = init_mlp(v, c, d, hidden, seed=seed, init_scale=init_scale)
    params["b1"] = rng.normal(size=hidden) * 0.3  # non-zero biases exercise their gradients too
    params["b2"] = rng.normal(size=v) * 0.3
    x = rng.integers(0, v, size=(n, c))
    x[0] = 1  # one symbol several times in one context: np.add.at must add all three
    y = rng.integers(0, v, size=n)
    return params, x, y


def test_gradients_match_central_finite_differences():
    params, x, y = small_problem()
    _, grads = mlp_loss_and_grads(params, x, y)
    h = 1e-6
    for name in PARAMETER_NAMES:
        numeric = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            plus = {k: a.copy() for k, a in params.items()}
            minus = {k: a.copy() for k, a in params.items()}
            plus[name][index] += h
            minus[name][index] -= h
            numeric[index] = (mlp_loss_and_grads(plus, x, y)[0] - mlp_loss_and_grads(minus, x, y)[0]) / (2 * h)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradients_match_torch_autograd(seed):
    params, x, y = small_problem(seed=seed, v=11, c=4, d=5, hidden=9, n=40, init_scale=1.0)
    loss, grads = mlp_loss_and_grads(params, x, y)
    t = {k: torch.tensor(a, dtype=torch.float64, requires_grad=True) for k, a in params.items()}
    e = t["E"][torch.tensor(x)].reshape(len(x), -1)
    z = torch.tanh(e @ t["W1"] + t["b1"]) @ t["W2"] + t["b2"]
    torch_loss = torch.nn.functional.cross_entropy(z, torch.tensor(y))
    torch_loss.backward()
    assert loss == pytest.approx(torch_loss.item(), rel=1e-13)
    for name in PARAMETER_NAMES:
        np.testing.assert_allclose(grads[name], t[name].grad.numpy(), rtol=1e-10, atol=1e-14, err_msg=name)


def test_forward_is_the_formula():
    params, x, y = small_problem()
    logits, cache = mlp_forward(params, x)
    e = np.concatenate([params["E"][x[:, j]] for j in range(x.shape[1])], axis=1)
    h = np.tanh(e @ params["W1"] + params["b1"])
    np.testing.assert_allclose(cache.h, h, rtol=1e-14)
    np.testing.assert_allclose(logits, h @ params["W2"] + params["b2"], rtol=1e-13)
    log_p = mlp_log_probs(params, x)
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0, rtol=1e-13)
    assert mlp_nll(params, x, y, batch_size=4) == pytest.approx(-log_p[np.arange(len(y)), y].mean(), rel=1e-13)
    grads = mlp_backward(params, cache, y)
    assert set(grads) == set(PARAMETER_NAMES)
    assert all(grads[k].shape == params[k].shape for k in PARAMETER_NAMES)


def test_step_zero_loss_small_versus_careless_init():
    v = 90
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, v, size=(2000, 4)), rng.integers(0, v, size=2000)
    small = mlp_nll(init_mlp(v, 4, 16, 128, seed=0), x, y)
    careless = mlp_nll(init_mlp(v, 4, 16, 128, seed=0, init_scale="careless"), x, y)
    assert abs(small - math.log(v)) < 0.01
    assert careless > math.log(v) + 3  # confidently wrong: far above ln V


def test_init_is_seeded():
    a = init_mlp(10, 3, 4, 5, seed=42)
    b = init_mlp(10, 3, 4, 5, seed=np.random.default_rng(42))
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(a[name], b[name])
    assert a["W2"].std() == pytest.approx(0.01, rel=0.5)
    assert init_mlp(10, 3, 4, 5, seed=0, init_scale=0.0)["W2"].max() == 0.0


def test_context_windows():
    ids = np.arange(10, 17)
    X, y = make_context_windows(ids, 3)
    assert X.shape == (4, 3) and y.tolist() == [13, 14, 15, 16]
    np.testing.assert_array_equal(X[0], [10, 11, 12])
    Xp, yp = make_context_windows(ids, 3, pad_id=0)
    assert Xp.shape == (7, 3) and yp.tolist() == ids.tolist()
    np.testing.assert_array_equal(Xp[1], [0, 0, 10])
    np.testing.assert_array_equal(Xp[3:], X)


def test_training_lowers_the_loss_and_is_deterministic():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 5, size=3000)
    noise = rng.random(3000) < 0.1
    for t in range(2, 3000):  # 90% of symbols are the sum of the two before, modulo 5
        if not noise[t]:
            ids[t] = (ids[t - 2] + ids[t - 1]) % 5
    X, y = make_context_windows(ids, 2)
    Xv, yv = X[-500:], y[-500:]
    params = init_mlp(5, 2, 4, 32, seed=1)
    kwargs = dict(steps=300, batch_size=64, learning_rate=0.01, seed=3, X_val=Xv, y_val=yv, eval_every=50)
    a, log_a = train_mlp(params, X[:-500], y[:-500], **kwargs)
    b, log_b = train_mlp(params, X[:-500], y[:-500], **kwargs)
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(a[name], b[name])
    assert log_a.eval_steps.tolist() == [0, 50, 100, 150, 200, 250, 300]
    assert log_a.batch_loss.shape == (300,)
    assert log_a.validation_loss[-1] < log_a.validation_loss[0] - 0.8
    assert mlp_nll(a, Xv, yv) == pytest.approx(log_a.validation_loss.min(), rel=1e-12)  # kept the best
    sgd, log_sgd = train_mlp(params, X[:-500], y[:-500], steps=300, batch_size=64, learning_rate=0.5,
                             optimizer="sgd")
    assert log_sgd.train_loss[-1] < log_sgd.train_loss[0]
    assert params["W2"].std() < 0.02  # the starting parameters were not modified


def test_early_stopping_stops():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 4, size=400)  # pure noise: validation loss cannot keep improving
    X, y = make_context_windows(ids, 3)
    params = init_mlp(4, 3, 8, 64, seed=0)
    _, log = train_mlp(params, X[:300], y[:300], steps=5000, batch_size=64, learning_rate=0.01,
                       X_val=X[300:], y_val=y[300:], eval_every=20, patience=3)
    assert log.steps_run < 5000
    assert log.eval_steps[-1] == log.steps_run


@pytest.mark.parametrize("call, error, words", [
    (lambda: init_mlp(1, 3, 4, 5), ValueError, ["vocab_size", "at least 2"]),
    (lambda: init_mlp(10, 0, 4, 5), ValueError, ["context"]),
    (lambda: init_mlp(10, 3, 4.0, 5), TypeError, ["embed_dim"]),
    (lambda: init_mlp(10, 3, 4, 5, init_scale="big"), ValueError, ["init_scale", "careless"]),
    (lambda: init_mlp(10, 3, 4, 5, init_scale=-1.0), ValueError, ["init_scale"]),
    (lambda: init_mlp(10, 3, 4, 5, seed="x"), TypeError, ["seed"]),
    (lambda: mlp_forward(init_mlp(10, 3, 4, 5), [[1, 2]]), ValueError, ["contexts", "(N, 3)"]),
    (lambda: mlp_forward(init_mlp(10, 3, 4, 5), [[1, 2, 10]]), ValueError, ["contexts", "[0, 9]", "10"]),
    (lambda: mlp_forward(init_mlp(10, 3, 4, 5), [[1.0, 2.0, 3.0]]), TypeError, ["contexts", "integer"]),
    (lambda: mlp_forward({"E": np.zeros((3, 2))}, [[1]]), ValueError, ["params", "missing"]),
    (lambda: mlp_forward("params", [[1]]), TypeError, ["params"]),
    (lambda: mlp_loss_and_grads(init_mlp(10, 3, 4, 5), [[1, 2, 3]], [1, 2]), ValueError, ["targets", "(1,)"]),
    (lambda: mlp_loss_and_grads(init_mlp(10, 3, 4, 5), [[1, 2, 3]], [-1]), ValueError, ["targets", "-1"]),
    (lambda: make_context_windows([1, 2], 2), ValueError, ["ids", "longer than context"]),
    (lambda: make_context_windows([[1, 2, 3]], 1), ValueError, ["ids", "1-D"]),
    (lambda: make_context_windows([1, 2, 3], 1, pad_id=-1), TypeError, ["pad_id"]),
    (lambda: make_context_windows("abc", 1), TypeError, ["ids"]),
    (lambda: train_mlp(init_mlp(4, 1, 2, 3), [[1]], [2], steps=1, learning_rate=0), ValueError, ["learning_rate"]),
    (lambda: train_mlp(init_mlp(4, 1, 2, 3), [[1]], [2], steps=1, optimizer="rmsprop"), ValueError, ["optimizer"]),
    (lambda: train_mlp(init_mlp(4, 1, 2, 3), [[1]], [2], steps=1, X_val=[[1]]), ValueError, ["X_val", "y_val"]),
    (lambda: train_mlp(init_mlp(4, 1, 2, 3), [[1]], [2], steps=1, patience=2), ValueError, ["patience"]),
    (lambda: train_mlp(init_mlp(4, 1, 2, 3), [[1]], [2], steps=-1), ValueError, ["steps"]),
])
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    for word in words:
        assert word in str(info.value)
