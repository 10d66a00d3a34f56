"""Measure what readers and contributors wait for, and print one table.

    make bench                               # everything
    python scripts/benchmark.py --skip-tests # without the test-suite run

Measured:
* cold build: the whole book from an empty output folder (every notebook executed);
* cached rebuild: the same build again, with nothing changed;
* test run: ``python -m pytest -q`` (the README's test command, minus installing);
* each chapter notebook executed in a fresh kernel, kernel start included: what a
  Binder user waits for after "Run all". Median of ``--repeat`` runs.

Targets (2-core machine): cold build < 60 s, each notebook < 5 s.
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
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COLD_BUILD_TARGET_S = 60.0
NOTEBOOK_TARGET_S = 5.0


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


def verdict(seconds: float, target: float) -> str:
    return "ok" if seconds < target else f"OVER {target:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    parser.add_argument("--repeat", type=int, default=3, help="runs per notebook (median reported)")
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

    width = max(len(name) for name, _, _ in rows)
    print(f"\nBenchmark on {platform.node()} ({platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()})\n")
    print(f"| {'what':<{width}} | seconds | target |")
    print(f"|{'-' * (width + 2)}|--------:|--------|")
    for name, seconds, note in rows:
        print(f"| {name:<{width}} | {seconds:7.2f} | {note:<6} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([{"what": n, "seconds": s, "verdict": v} for n, s, v in rows], indent=2))


if __name__ == "__main__":
    main()
