#!/bin/sh
# The closed loop on boards the brain was not built from (make bench): a
# sample of the population of 'thermpace sim --population' (network plant),
# every class (nano, pi5, orin), every kind of the population's rounds of
# twelve (healthy, the room and cooling changes, and the sensor faults,
# the control zone's included: a sensor that fails under the loop is what
# the governor paces on), three rounds: 36 boards (POPC_ROUNDS, and
# POPC_KINDS the kinds by their place in a round, 0-11), each paced by the horizon governor and by the
# step-wise baseline ('thermpace sim --scenario S --controller C
# --virtual-load', src/sim/sim_closed.c: the load takes every token the
# pacer grants, board time as fast as it computes, so that no process
# timing of a loaded machine enters the figures; the real child is
# bench_pacing's). Each board runs twice: from its steady state at idle
# (initial_rate = 0, a board that rested before the load came) and from the
# scenario's own start (steady at its open-loop load, which can lie over the
# ceiling before any controller acts: the orin boards' first minutes).
# Scored against
# the network plant's own truth: seconds over the ceiling, overshoot over the
# set point, tokens over the plant's true sustainable rate at the set point
# in the steady-state window (the last third, after every change), kernel
# throttles. Targets (issue 9's closed loop, and bench_pacing's stricter
# rate): 0 s over the ceiling, overshoot <= 0.5 K, >= 0.95 (and 0.97) of
# the sustainable rate, each on at least 95 % of the boards. A board that starts over its set point is over
# it at first whatever paces it: the first two are printed from the start
# (issue 9's text) and again from the die's first time under the set point
# (what the controller holds), with each such board's descent beside the
# baseline's. Prints met / not met; exits 1 only when a run failed.
# Usage: test/bench_population_closed.sh [BUILD_DIR]   (from the source tree root)
# POPC_JOBS (2): runs at once; POP_SEED (1).
set -eu
build=${1:-build/rel}
bin="$build/thermpace"
[ -x "$bin" ] || { echo "bench_population_closed: $bin not built" >&2; exit 1; }
jobs=${POPC_JOBS:-2}
seed=${POP_SEED:-1}
rounds=${POPC_ROUNDS:-3}
kinds=${POPC_KINDS:-0 1 2 3 4 5 6 7 8 9 10 11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

"$bin" sim --population $((rounds * 12)) --seed "$seed" -o "$work/pop" >/dev/null
: >"$work/list"
for round in $(seq 0 $((rounds - 1))); do
  for k in $kinds; do
    i=$((round * 12 + k))
    for d in "$work"/pop/pop-"$(printf %04d "$i")"-*; do
      for c in horizon stepwise; do
        echo "$d $c idle" >>"$work/list"
        echo "$d $c drawn" >>"$work/list"
      done
    done
  done
done
echo "== closed loop on the population (seed $seed): $(($(wc -l <"$work/list") / 4)) boards," \
  "horizon and stepwise, virtual load, $jobs at once"
t0=$(date +%s)
export POPC_BIN="$bin" POPC_W="$work"
# shellcheck disable=SC2016
xargs -P "$jobs" -L 1 sh -c '
  name=$(basename "$0")
  run="$POPC_W/$name.$2.$1"
  if [ "$2" = idle ]; then
    sed "s/^initial = steady\$/initial = steady\ninitial_rate = 0/" "$0/scenario.ini" >"$run.ini"
  else
    cp "$0/scenario.ini" "$run.ini"
  fi
  "$POPC_BIN" sim --scenario "$run.ini" --controller "$1" --virtual-load --json \
    >"$run.json" 2>"$run.err" || echo "failed: $name $2 $1" >>"$POPC_W/failed"
' <"$work/list"
echo "   ran in $(($(date +%s) - t0)) s"
if [ -s "$work/failed" ]; then
  cat "$work/failed"
  for f in "$work"/*.err; do [ -s "$f" ] && { echo "-- $f"; cat "$f"; }; done
  exit 1
fi
python3 - "$work" <<'PY'
import glob, json, os, statistics, sys
every = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name, start, ctl = os.path.basename(f)[:-5].rsplit(".", 2)
    r = json.load(open(f))
    _, _, cls, kind = name.split("-", 3)
    every.setdefault(start, {}).setdefault(ctl, []).append((cls, kind, name, r))

def med(xs):
    return statistics.median(xs) if xs else float("nan")

for start, what in (("idle", "from the steady state at idle"),
                    ("drawn", "from the scenario's own start (steady at its open-loop load)")):
    runs = every.get(start, {})
    print("\n== %s" % what)
    print("\n  per class: median (worst) of the boards, horizon | stepwise")
    print("  %-6s %3s  %-23s %-25s %-29s %-13s" % ("class", "n", "seconds over ceiling",
                                                  "overshoot K", "tokens / sustainable",
                                                  "kernel throttles"))
    for cls in ("nano", "pi5", "orin", "all"):
        cells = []
        for key, worst, f in (("seconds_above_ceiling", max, "%.0f"), ("overshoot_k", max, "%.2f"),
                              ("throughput_vs_sustainable", min, "%.3f"),
                              ("kernel_throttles", max, "%d")):
            pair = []
            for ctl in ("horizon", "stepwise"):
                xs = [r[key] for c, _, _, r in runs.get(ctl, []) if cls in ("all", c)]
                pair.append((f + " (" + f + ")") % (med(xs), worst(xs)) if xs else "n/a")
            cells.append(" | ".join(pair))
        n = sum(1 for c, _, _, _ in runs.get("horizon", []) if cls in ("all", c))
        print("  %-6s %3d  %-23s %-25s %-29s %-13s" % (cls, n, *cells))

    print("\n  per board (horizon | stepwise)    s over     overshoot K    tok/sus        "
          "throttles  horizon share")
    step = {name: r for _, _, name, r in runs.get("stepwise", [])}
    for cls, kind, name, r in runs.get("horizon", []):
        s = step.get(name, r)
        print("  %-33s %4.0f|%-4.0f  %5.2f|%-5.2f    %5.3f|%-5.3f    %3d|%-3d   %13.2f" % (
            name, r["seconds_above_ceiling"], s["seconds_above_ceiling"], r["overshoot_k"],
            s["overshoot_k"], r["throughput_vs_sustainable"], s["throughput_vs_sustainable"],
            r["kernel_throttles"], s["kernel_throttles"], r["horizon_share"]))

    h = [r for _, _, _, r in runs.get("horizon", [])]
    n = len(h)
    def share(test):
        return sum(1 for r in h if test(r)) / n if n else 0.0
    print()
    # a board that starts over its set point (steady at an open-loop load the
    # room cannot carry) is over it at first whatever paces it: its descent is
    # printed against the baseline's, and the two targets are printed twice,
    # from the start (issue 9's text) and from its first time under the set
    # point (what the controller holds)
    for _, _, name, r in runs.get("horizon", []):
        if r.get("start_over_s", 0) != 0:
            s = step.get(name, r)
            fmt_s = lambda v: "never" if v is None else "%.0f s" % v
            print("  started over the set point: %s, under it after %s (stepwise %s); "
                  "from then %.0f s over the ceiling, overshoot %.2f K" % (
                      name, fmt_s(r["start_over_s"]), fmt_s(s.get("start_over_s")),
                      r["seconds_above_ceiling_in"], r["overshoot_in_k"]))
    for label, test in (
            ("0 s over the ceiling", lambda r: r["seconds_above_ceiling"] == 0),
            ("overshoot <= 0.5 K", lambda r: r["overshoot_k"] <= 0.5),
            ("0 s over the ceiling, from first under the set point",
             lambda r: r["start_over_s"] is not None and r["seconds_above_ceiling_in"] == 0),
            ("overshoot <= 0.5 K, from first under the set point",
             lambda r: r["start_over_s"] is not None and r["overshoot_in_k"] <= 0.5),
            (">= 0.95 of the sustainable rate (steady state)",
             lambda r: r["throughput_vs_sustainable"] >= 0.95),
            (">= 0.97 of the sustainable rate (steady state)",
             lambda r: r["throughput_vs_sustainable"] >= 0.97),
            ("no kernel throttle", lambda r: r["kernel_throttles"] == 0)):
        s = share(test)
        print("  target: horizon, %-52s on %5.1f %% of boards (>= 95 %%): %s" % (
            label, 100 * s, "met" if s >= 0.95 else "not met"))
PY
