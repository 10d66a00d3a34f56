"""Chapter 8's MLP checkpoint: small, consistent with lib.mlp, and reproduced by its script."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest

from lib.corpus import load_split
from lib.mlp import PARAMETER_NAMES, init_mlp, load_mlp_checkpoint, make_context_windows, mlp_nll, train_mlp
from lib.ngram import encode
from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "train_mlp.py"
CHECKPOINT = REPO_ROOT / "lib" / "data" / "mlp_char_context4.npz"


@pytest.fixture(scope="module")
def saved():
    return dict(np.load(CHECKPOINT))


def test_checkpoint_is_small():
    assert CHECKPOINT.stat().st_size < 1_000_000


def test_checkpoint_agrees_with_lib(saved):
    split = load_split()
    alphabet = str(saved["alphabet"])
    assert alphabet == "".join(sorted(set(split.train)))
    params = {name: saved[name] for name in PARAMETER_NAMES}
    context = saved["W1"].shape[0] // saved["E"].shape[1]
    X_val, y_val = make_context_windows(encode(split.validation, alphabet), context)
    assert mlp_nll(params, X_val, y_val) == pytest.approx(float(saved["validation_nll"]), rel=1e-12)
    assert float(saved["ln_V"]) == pytest.approx(math.log(len(alphabet)))
    # the default initialisation starts at about ln V; the careless one far above it
    assert abs(float(saved["step0_validation_loss"]) - float(saved["ln_V"])) < 0.02
    assert float(saved["careless_step0_validation_loss"]) > float(saved["ln_V"]) + 5
    # early stopping kept the best validation evaluation
    assert float(saved["validation_nll"]) == pytest.approx(saved["validation_loss"].min(), rel=1e-12)
    assert saved["eval_steps"][np.argmin(saved["validation_loss"])] == saved["best_step"]
    assert float(saved["validation_nll"]) < float(saved["ln_V"]) - 3


def test_script_reproduces_the_checkpoint():
    """Train again from scratch (about 20 s of CPU time) and compare every saved number to 1e-9."""
    result = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True,
                            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checkpoint reproduced" in result.stdout


def test_first_steps_replay_the_log():
    """What the chapter does live: the first steps from the same seed give the logged minibatch losses."""
    split = load_split()
    params, record = load_mlp_checkpoint()
    for name in PARAMETER_NAMES:
        np.testing.assert_array_equal(params[name], np.load(CHECKPOINT)[name])
    config, alphabet = record["config"], record["alphabet"]
    X, y = make_context_windows(encode(split.train, alphabet), config["context"])
    start = init_mlp(len(alphabet), config["context"], config["embed_dim"], config["hidden_dim"], seed=config["seed"])
    _, log = train_mlp(start, X, y, steps=20, batch_size=config["batch_size"],
                       learning_rate=config["learning_rate"], seed=config["seed"],
                       final_learning_rate=config["final_learning_rate"], decay_steps=config["max_steps"])
    np.testing.assert_allclose(log.batch_loss, record["batch_loss"][:20], rtol=1e-10)
