#!/bin/sh
# Pacing benchmark (make bench): the closed loop on the simulated board with
# a real child process, the horizon governor beside the step-wise baseline,
# cooperative pacing accuracy, energy accounting. Prints the figures and each
# target met or missed; exits 1 when a target is missed.
# Usage: test/bench_pacing.sh [BUILD_DIR]   (from the source tree root)
# BENCH_SPEED (default 150) sets how many board seconds pass per wall second.
build=${1:-build/rel}
TP=$build/thermpace
LG=$build/thermpace-loadgen
speed=${BENCH_SPEED:-150}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
missed=0

echo "== pacing: closed loop, simulated Nano-like board, real thermpace-loadgen child"
for sc in steady-28c default; do
  if [ "$sc" = default ]; then
    scen=""; what="cold start at 28 C, 90 min"
  else
    scen="--scenario fixtures/pacing/$sc.ini"; what="at equilibrium near the limit, 28 C, 2 h"
  fi
  for c in horizon stepwise; do
    # shellcheck disable=SC2086
    if ! "$TP" sim $scen --controller $c --speed "$speed" --json >"$tmp/$sc-$c.json"; then
      echo "   $sc $c: the simulation failed"; missed=1
    fi
  done
  echo "-- scenario $sc ($what), speed $speed"
  python3 - "$tmp/$sc-horizon.json" "$tmp/$sc-stepwise.json" "$sc" <<'PY' || missed=1
import json, sys
h = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
rows = [("tokens generated", "tokens", "%.0f"),
        ("throughput / sustainable (steady)", "throughput_vs_sustainable", "%.4f"),
        ("seconds above the ceiling", "seconds_above_ceiling", "%.1f"),
        ("overshoot over the set point, K", "overshoot_k", "%.3f"),
        ("peak die temperature, C", "peak_die_c", "%.2f"),
        ("simulated kernel throttles", "kernel_throttles", "%d"),
        ("pace_change events", "pace_changes", "%d"),
        ("ticks decided by the horizon MPC", "horizon_share", "%.3f"),
        ("energy accounted, J", "energy_j", "%.1f"),
        ("energy error vs the plant's truth", "energy_error_rel", "%.5f"),
        ("joules per token (true)", "joules_per_token", "%.4f"),
        ("wall time, s", "wall_s", "%.1f")]
print("   %-36s %12s %12s" % ("", "horizon", "stepwise"))
for name, key, fmt in rows:
    print("   %-36s %12s %12s" % (name, fmt % h[key], fmt % s[key]))
ok = True
def target(name, cond):
    global ok
    print("   target: %-58s %s" % (name, "met" if cond else "MISSED"))
    ok = ok and cond
if sys.argv[3] == "steady-28c":
    target("horizon >= 97 % of the sustainable rate in steady state",
           h["throughput_vs_sustainable"] >= 0.97)
target("horizon: 0 s above the ceiling", h["seconds_above_ceiling"] == 0)
target("horizon: overshoot <= 0.5 K", h["overshoot_k"] <= 0.5)
target("horizon: no kernel throttle at the design ambient", h["kernel_throttles"] == 0)
target("energy accounting within 1 % of the plant's true energy",
       h["energy_error_rel"] <= 0.01 and s["energy_error_rel"] <= 0.01)
sys.exit(0 if ok else 1)
PY
done

echo "-- cooperative pacing: thermpace run --fixed-rate R -- thermpace-loadgen --cooperative"
cp -r fixtures/sysfs/jetson-nano "$tmp/root"
for r in 5 20 100; do
  n=$((r * 4))
  "$TP" run --root "$tmp/root" --runtime-dir "$tmp/rt" --fixed-rate "$r" -- \
    "$LG" --cooperative --quiet --dim 512 --tokens "$n" 2>"$tmp/coop.err" >/dev/null
  got=$(sed -n 's/.*, \([0-9.]*\) tokens\/s paced$/\1/p' "$tmp/coop.err")
  python3 - "$r" "${got:-0}" <<'PY' || missed=1
import sys
r, got = float(sys.argv[1]), float(sys.argv[2])
err = abs(got - r) / r
ok = err <= 0.02
print("   granted %6.1f tokens/s, achieved %8.3f (%+.2f %%)   target within 2 %%: %s"
      % (r, got, 100 * (got - r) / r, "met" if ok else "MISSED"))
sys.exit(0 if ok else 1)
PY
done
[ "$missed" = 0 ] && echo "pacing: every target met" || echo "pacing: a target was missed"
exit "$missed"
