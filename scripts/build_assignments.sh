#!/usr/bin/env bash
# Generate, for every problem set in assignments/, the student notebook (no solutions, no
# hidden tests) and the autograder bundle, into _build/assignments/<set>/ (never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf _build/assignments
for master in assignments/ps*.ipynb; do
  name=$(basename "$master" .ipynb)
  otter assign --no-run-tests "$master" "_build/assignments/$name" >/dev/null
  echo "$name: student notebook in _build/assignments/$name/student/, autograder bundle in _build/assignments/$name/autograder/"
done
