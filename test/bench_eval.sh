#!/bin/sh
# Scores of the brain over the simulated scenario library: every scenario of
# fixtures/scenarios/*.ini simulated with 'thermpace sim' into a temporary
# directory, then 'thermpace eval' over all of them, each score printed
# beside its target; then the replay speed.
# Usage: test/bench_eval.sh [BUILD_DIR]   (from the source tree root)
set -eu
build=${1:-build/rel}
bin="$build/thermpace"
[ -x "$bin" ] || { echo "bench_eval: $bin not built" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
n=0
for f in fixtures/scenarios/*.ini; do
  name=$(basename "$f" .ini)
  "$bin" sim --scenario "$f" --no-audio -o "$work/$name" >/dev/null
  n=$((n + 1))
done
echo "== brain scores over $n simulated scenarios (fixtures/scenarios, thermpace sim)"
start=$(date +%s.%N)
"$bin" eval "$work"
end=$(date +%s.%N)
frames=$(cat "$work"/*/telemetry.csv | grep -vc '^#\|^t,')
awk -v f="$frames" -v a="$start" -v b="$end" 'BEGIN {
  printf "\nreplay + scoring: %d frames in %.2f s (%.0f frames/s)\n", f, b - a, f / (b - a) }'
