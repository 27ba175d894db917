#!/bin/sh
# Soak benchmark (make bench): resident memory and open descriptors stay
# flat over a long run.
#  1. The pacing loop (the daemon's, in the closed-loop simulator) on the
#     simulated board with a real thermpace-loadgen child, for SOAK_S wall
#     seconds (default 120; the issue asks for 10 minutes: SOAK_S=600) at
#     SOAK_SPEED board seconds per wall second (default 60).
#  2. A 24-hour session simulated once (SOAK_HOURS, default 24), then
#     replayed.
# RSS (VmRSS) and descriptors of the process are sampled every 0.1 s (the
# loop: every second); the first sample after warm-up (a tenth of the run,
# at least a second for the loop) is compared with the last one. Flat:
# RSS grew by at most 512 KiB and 2 %, and no descriptor was added.
# Usage: test/bench_soak.sh [BUILD_DIR]   (from the source tree root)
build=${1:-build/rel}
TP=$build/thermpace
soak_s=${SOAK_S:-120}
speed=${SOAK_SPEED:-60}
hours=${SOAK_HOURS:-24}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
missed=0

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# watch PID STEP: samples "elapsed rss_kb fds" into $tmp/samples until PID ends
watch_pid() {
  : >"$tmp/samples"
  t0=$(date +%s.%N)
  while kill -0 "$1" 2>/dev/null; do
    r=$(rss_kb "$1"); f=$(fds "$1")
    [ -n "$r" ] && [ "$f" -gt 0 ] &&
      echo "$(echo "$(date +%s.%N) - $t0" | bc) $r $f" >>"$tmp/samples"
    sleep "$2"
  done
}

# judge WHAT WARMUP_S: compares the first sample at or after WARMUP_S with the last
judge() {
  awk -v what="$1" -v warm="$2" '
    $1 >= warm && !have { t0 = $1; r0 = $2; f0 = $3; have = 1 }
    have { n++; t[n] = $1; r[n] = $2 }
    { t1 = $1; r1 = $2; f1 = $3; if ($2 > peak) peak = $2 }
    END {
      if (!have) { printf "   %s: no sample after warm-up: not met\n", what; exit 1 }
      m = int((n + 1) / 2)
      d = r1 - r0
      ok = d <= 512 && d <= 0.02 * r0 && f1 <= f0
      printf "   %s: %.1f s to %.1f s: RSS %d KiB -> %d KiB at %.1f s -> %d KiB (%+d KiB, peak %d), fds %d -> %d: flat %s\n",
        what, t0, t1, r0, r[m], t[m], r1, d, peak, f0, f1, ok ? "met" : "not met"
      exit !ok
    }' "$tmp/samples"
}

echo "== soak: the pacing loop, simulated board, real thermpace-loadgen child"
echo "-- $soak_s s wall at speed $speed ($((soak_s * speed)) board seconds; SOAK_S=600 for the issue's 10 minutes)"
"$TP" sim --controller horizon --speed "$speed" --duration "$((soak_s * speed))" --json \
  >"$tmp/loop.json" 2>"$tmp/loop.err" &
pid=$!
watch_pid "$pid" 1
wait "$pid" || { echo "   the closed loop failed:"; sed 's/^/   /' "$tmp/loop.err"; missed=1; }
warm=$((soak_s / 10)); [ "$warm" -lt 1 ] && warm=1
judge "loop (thermpace sim --controller horizon)" "$warm" || missed=1
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("   tokens %.0f, seconds above the ceiling %.1f" % (j.get("tokens", 0), j.get("seconds_above_ceiling", 0)))' \
  "$tmp/loop.json" 2>/dev/null

echo "== soak: a $hours-hour session, simulated once and replayed"
start=$(date +%s.%N)
if "$TP" sim --no-audio --duration "$((hours * 3600))" -o "$tmp/day" >/dev/null 2>"$tmp/sim.err"; then
  echo "   simulated in $(printf "%.2f" "$(echo "$(date +%s.%N) - $start" | bc)") s: $(grep -vc '^#' "$tmp/day/telemetry.csv") rows"
  start=$(date +%s.%N)
  "$TP" replay "$tmp/day" >"$tmp/day.events" 2>"$tmp/replay.err" &
  pid=$!
  watch_pid "$pid" 0.1
  wait "$pid" || { echo "   replay failed:"; sed 's/^/   /' "$tmp/replay.err"; missed=1; }
  el=$(echo "$(date +%s.%N) - $start" | bc)
  echo "   replayed in $(printf "%.2f" "$el") s: $(wc -l <"$tmp/day.events") events"
  judge "replay of $hours h" "$(echo "$el / 10" | bc -l)" || missed=1
else
  echo "   the simulation failed:"; sed 's/^/   /' "$tmp/sim.err"; missed=1
fi
[ "$missed" = 0 ] && echo "soak: flat (met)" || echo "soak: not flat (not met)"
exit "$missed"
