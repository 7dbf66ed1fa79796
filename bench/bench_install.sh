#!/usr/bin/env bash
# Issue 18: time a fresh install of the core lock vs the [all] lock (+ the wheel, --no-deps) and the
# resulting venv size. Warm pip cache (run it once first); alternates core/all so load hits both.
#   bench/bench_install.sh dist/mfaguard-*.whl [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
wheel=$1 runs=${2:-3}
one() {
  local lock=$1 dir start end
  dir=$(mktemp -d)
  start=$(date +%s.%N)
  python3 -m venv "$dir/v"
  "$dir/v/bin/pip" install -q --require-hashes -r "$lock" 2>/dev/null
  "$dir/v/bin/pip" install -q --no-deps "$wheel" 2>/dev/null
  end=$(date +%s.%N)
  printf '%s %.1f s %s MiB\n' "$(basename "$lock")" "$(echo "$end - $start" | bc)" "$(du -sm "$dir/v" | cut -f1)"
  rm -rf "$dir"
}
for _ in $(seq "$runs"); do one requirements/core.txt; one requirements/all.txt; done
