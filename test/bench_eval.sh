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

# replay speed with and without the audio analysis: 10 minutes of a board
# under bursty calls, 1 Hz telemetry, audio at 48 kHz throughout
printf '%s\n' '[scenario]' 'name = bench-audio' 'description = calls, audio throughout' \
  'duration_s = 600' 'interval_s = 1' 'seed = 9' '[plant]' 'ambient_c = 25' 'initial = steady' \
  '[load]' 'profile = calls' 'call_tokens = 200' 'gap_s = 5' \
  '[audio]' 'rate = 48000' 'duration_s = 600' 'max_mb = 100' >"$work/audio.ini"
"$bin" sim --scenario "$work/audio.ini" -o "$work/audio" >/dev/null
frames=$(grep -vc '^#\|^t,' "$work/audio/telemetry.csv")
for mode in audio no-audio; do
  flag=""
  [ "$mode" = no-audio ] && flag="--no-audio"
  start=$(date +%s.%N)
  for i in 1 2 3; do "$bin" replay $flag "$work/audio" >/dev/null; done
  end=$(date +%s.%N)
  awk -v f="$frames" -v a="$start" -v b="$end" -v m="$mode" 'BEGIN {
    printf "replay %-8s: %d frames (600 s, 48 kHz audio) in %.3f s (%.0f frames/s, %.0fx real time)\n",
      m, f, (b - a) / 3, 3 * f / (b - a), 3 * 600 / (b - a) }'
done
