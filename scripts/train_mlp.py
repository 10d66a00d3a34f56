"""Train chapter 8's MLP language model and save its checkpoint (seeded: the same file every run).

    python scripts/train_mlp.py            # writes lib/data/mlp_char_context4.npz
    python scripts/train_mlp.py --check    # trains again and compares with the saved file

The model (lib.mlp, after Bengio et al. 2003) reads the previous CONTEXT
characters of the course's corpus (lib.corpus.load_split(), characters as in
chapters 5 and 7, alphabet = the training text's characters) and is trained
on the training text only, with Adam on minibatches (the step size decaying
geometrically from LEARNING_RATE to FINAL_LEARNING_RATE), evaluated on the
validation text every EVAL_EVERY steps. The number of steps is chosen on
validation: training stops after PATIENCE evaluations without a new best, and
the parameters of the best evaluation are kept (early stopping). The test text
is scored once, at the end, for the chapter's tables.

The checkpoint holds the parameters, the configuration, the training log
(minibatch loss at every step, training and validation loss at every
evaluation) and the step-0 losses of the default and of a careless
initialisation. ``tests/test_train_mlp.py`` reruns :func:`train` and checks it
reproduces the file.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

# One BLAS thread, set before numpy loads: the run is then the same whatever the machine's core
# count, and it takes one core of a shared machine.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402

from lib.corpus import load_split  # noqa: E402
from lib.mlp import PARAMETER_NAMES, init_mlp, make_context_windows, mlp_nll, train_mlp  # noqa: E402
from lib.ngram import encode  # noqa: E402

CONTEXT = 4
EMBED_DIM = 24
HIDDEN_DIM = 256
BATCH_SIZE = 256
LEARNING_RATE = 1e-2
FINAL_LEARNING_RATE = 3e-4
MAX_STEPS = 4000
EVAL_EVERY = 400
PATIENCE = 3
SEED = 0
CHECKPOINT = Path(__file__).resolve().parent.parent / "lib" / "data" / f"mlp_char_context{CONTEXT}.npz"

CONFIG = dict(context=CONTEXT, embed_dim=EMBED_DIM, hidden_dim=HIDDEN_DIM, batch_size=BATCH_SIZE,
              learning_rate=LEARNING_RATE, final_learning_rate=FINAL_LEARNING_RATE, max_steps=MAX_STEPS,
              eval_every=EVAL_EVERY, patience=PATIENCE, seed=SEED)
#: What a rerun must reproduce: the parameters and every logged loss.
REPRODUCED = (*PARAMETER_NAMES, "batch_loss", "eval_steps", "train_loss", "validation_loss", "best_step",
              "steps_run", "step0_validation_loss", "careless_step0_validation_loss", "validation_nll",
              "test_nll", "train_nll")


def train() -> dict[str, np.ndarray]:
    """Train the model; everything the checkpoint holds, as a dict of arrays."""
    split = load_split()
    alphabet = "".join(sorted(set(split.train)))
    v = len(alphabet)
    X, y = make_context_windows(encode(split.train, alphabet), CONTEXT)
    X_val, y_val = make_context_windows(encode(split.validation, alphabet), CONTEXT)
    X_test, y_test = make_context_windows(encode(split.test, alphabet), CONTEXT)

    params = init_mlp(v, CONTEXT, EMBED_DIM, HIDDEN_DIM, seed=SEED)
    careless = init_mlp(v, CONTEXT, EMBED_DIM, HIDDEN_DIM, seed=SEED, init_scale="careless")
    start, cpu_start = time.perf_counter(), time.process_time()
    trained, log = train_mlp(params, X, y, steps=MAX_STEPS, batch_size=BATCH_SIZE,
                             learning_rate=LEARNING_RATE, seed=SEED, X_val=X_val, y_val=y_val,
                             eval_every=EVAL_EVERY, patience=PATIENCE,
                             final_learning_rate=FINAL_LEARNING_RATE, decay_steps=MAX_STEPS)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    result = {name: trained[name] for name in PARAMETER_NAMES}
    result.update(
        alphabet=np.array(alphabet),
        config_names=np.array(list(CONFIG)), config_values=np.array(list(CONFIG.values()), dtype=np.float64),
        batch_loss=log.batch_loss, eval_steps=log.eval_steps,
        train_loss=log.train_loss, validation_loss=log.validation_loss,
        best_step=np.array(log.best_step), steps_run=np.array(log.steps_run),
        ln_V=np.array(math.log(v)),
        step0_validation_loss=np.array(log.validation_loss[0]),
        careless_step0_validation_loss=np.array(mlp_nll(careless, X_val, y_val)),
        validation_nll=np.array(mlp_nll(trained, X_val, y_val)),
        test_nll=np.array(mlp_nll(trained, X_test, y_test)),
        train_nll=np.array(mlp_nll(trained, X, y)),
        training_seconds=np.array(seconds), training_cpu_seconds=np.array(cpu_seconds),
    )
    return result


def compare(result: dict[str, np.ndarray], saved: dict[str, np.ndarray], rtol: float = 1e-9) -> list[str]:
    """What differs between a rerun and the saved checkpoint (relative tolerance ``rtol``), as messages."""
    differences = []
    if str(result["alphabet"]) != str(saved["alphabet"]):
        differences.append("alphabet")
    if not np.array_equal(result["config_values"], saved["config_values"]):
        differences.append("configuration")
    for name in REPRODUCED:
        a, b = np.asarray(result[name]), np.asarray(saved[name])
        if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=0):
            differences.append(f"{name} (largest difference {np.max(np.abs(a - b)) if a.shape == b.shape else 'shape'})")
    return differences


def summary(result: dict[str, np.ndarray]) -> str:
    return "\n".join([
        f"V = {len(str(result['alphabet']))}, ln V = {float(result['ln_V']):.4f} nats",
        f"step-0 loss (validation): {float(result['step0_validation_loss']):.4f}; first minibatch "
        f"{float(result['batch_loss'][0]):.4f}; careless init {float(result['careless_step0_validation_loss']):.4f}",
        f"best step {int(result['best_step'])} of {int(result['steps_run'])} run",
        f"train {float(result['train_nll']):.4f}, validation {float(result['validation_nll']):.4f}, "
        f"test {float(result['test_nll']):.4f} nats per character",
        f"training took {float(result['training_seconds']):.1f} s "
        f"({float(result['training_cpu_seconds']):.1f} s of CPU time)",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="train and compare with the saved checkpoint")
    args = parser.parse_args(argv)
    result = train()
    print(summary(result))
    if args.check:
        differences = compare(result, dict(np.load(CHECKPOINT)))
        print("checkpoint reproduced" if not differences else "checkpoint DIFFERS: " + "; ".join(differences))
        return 1 if differences else 0
    np.savez_compressed(CHECKPOINT, **result)
    print(f"wrote {CHECKPOINT} ({CHECKPOINT.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
