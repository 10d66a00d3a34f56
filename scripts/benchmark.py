"""Measure what readers and contributors wait for, and print one table.

    make bench                               # everything
    python scripts/benchmark.py --skip-tests # without the test-suite run

Measured:
* cold build: the whole book from an empty output folder (every notebook executed);
* cached rebuild: the same build again, with nothing changed;
* test run: ``python -m pytest -q`` (the README's test command, minus installing);
* each chapter notebook executed in a fresh kernel, kernel start included: what a
  Binder user waits for after "Run all". Median of ``--repeat`` runs;
* ``lib.cross_entropy_from_logits`` on a GPT-2-sized batch, logits of shape
  (4096, 50257) in float32 and float64, against ``torch.nn.functional.cross_entropy``
  on the CPU on the same arrays (best of ``--repeat``), with lib's peak extra memory.

Targets (2-core machine): cold build < 60 s, each notebook < 5 s, the loss within
1.5x of torch's time using at most one (N, V) temporary of extra memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLD_BUILD_TARGET_S = 60.0
NOTEBOOK_TARGET_S = 5.0
LOSS_SHAPE = (4096, 50257)  # a batch of 4096 positions over GPT-2's vocabulary
LOSS_RATIO_TARGET = 1.5


def timed(command: list[str]) -> float:
    """Run a command from the repository root; return its wall time, failing loudly."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def build_times() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as out:
        command = [str(BIN / "jupyter-book"), "build", ".", "--path-output", out, "-W", "-n", "--keep-going"]
        return timed(command), timed(command)


def notebook_time(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def best_time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def loss_rows(repeat: int) -> list[tuple[str, float, str]]:
    """lib.cross_entropy_from_logits against torch on the same (N, V) arrays."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    import lib

    rows = []
    rng = np.random.default_rng(0)
    n, v = LOSS_SHAPE
    targets = rng.integers(0, v, size=n)
    for dtype in (np.float32, np.float64):
        logits = (rng.standard_normal(LOSS_SHAPE, dtype=dtype) * 3).astype(dtype)
        ours = lib.cross_entropy_from_logits(logits, targets)
        theirs = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)).item()
        if not np.isclose(ours, theirs, rtol=1e-5):
            sys.exit(f"lib and torch disagree on the {dtype.__name__} batch: {ours} vs {theirs}")
        lib_s = best_time(lambda: lib.cross_entropy_from_logits(logits, targets), repeat)
        torch_s = best_time(
            lambda: F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)), repeat)
        tracemalloc.start()
        lib.cross_entropy_from_logits(logits, targets)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        name = f"loss {n}x{v} {dtype.__name__}"
        ratio = lib_s / torch_s
        rows.append((f"{name}: torch (CPU, {torch.get_num_threads()} threads)", torch_s, ""))
        rows.append((f"{name}: lib ({ratio:.2f}x torch)", lib_s, verdict(ratio, LOSS_RATIO_TARGET, "x")))
        one_temp = logits.nbytes
        rows.append((f"{name}: lib peak extra memory, MB (one (N,V) = {one_temp / 1e6:.0f})",
                     peak / 1e6, "ok" if peak <= one_temp else "OVER"))
    return rows


def verdict(seconds: float, target: float, unit: str = " s") -> str:
    return "ok" if seconds < target else f"OVER {target:g}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    parser.add_argument("--skip-loss", action="store_true", help="do not time the loss against torch")
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook (median) and per loss (best)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args()

    rows: list[tuple[str, float, str]] = []
    cold, cached = build_times()
    rows.append(("cold build (whole book)", cold, verdict(cold, COLD_BUILD_TARGET_S)))
    rows.append(("cached rebuild (nothing changed)", cached, ""))
    if not args.skip_tests:
        rows.append(("test run (python -m pytest -q)", timed([sys.executable, "-m", "pytest", "-q"]), ""))
    for path in sorted((REPO_ROOT / "chapters").glob("*.ipynb")):
        seconds = statistics.median(notebook_time(path) for _ in range(args.repeat))
        rows.append((f"notebook {path.name}", seconds, verdict(seconds, NOTEBOOK_TARGET_S)))
    if not args.skip_loss:
        rows.extend(loss_rows(args.repeat))

    width = max(len(name) for name, _, _ in rows)
    print(f"\nBenchmark on {platform.node()} ({platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()})\n")
    print(f"| {'what':<{width}} |   value | target |")
    print(f"|{'-' * (width + 2)}|--------:|--------|")
    for name, seconds, note in rows:
        print(f"| {name:<{width}} | {seconds:7.2f} | {note:<6} |")
    print("\nValues are seconds, except where the row says MB.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([{"what": n, "seconds": s, "verdict": v} for n, s, v in rows], indent=2))


if __name__ == "__main__":
    main()
