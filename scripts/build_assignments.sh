#!/usr/bin/env bash
# Generate, for every problem set in assignments/, the student notebook (no solutions, no
# hidden tests) and the autograder bundle, into _build/assignments/<set>/ (never committed),
# or into $ASSIGNMENTS_OUT if set. Every student notebook then gets a note under each
# `grader.check` cell: only the public tests ran there, hidden tests decide the grade.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${ASSIGNMENTS_OUT:-_build/assignments}"
python="$(command -v python || command -v python3)"  # the venv's, as for otter: make puts .venv/bin first on PATH
rm -rf "$out"
for master in assignments/ps*.ipynb; do
  name=$(basename "$master" .ipynb)
  otter assign --no-run-tests "$master" "$out/$name" >/dev/null
  "$python" scripts/student_notes.py "$out/$name/student/$name.ipynb"
  echo "$name: student notebook in $out/$name/student/, autograder bundle in $out/$name/autograder/"
done
