#!/bin/sh
# The brain on a population of boards it was not built from: POP_N (240)
# scenarios of 'thermpace sim --population' (network plant, classes nano,
# pi5 and orin, twelve kinds in turn: 40 room steps and cooling changes, 20
# of every other fault kind), POP_SEED (1), scored by 'thermpace eval
# --json'. Printed against the targets of issue 9: per fault kind the
# count, detection rate, accuracy, delays and what the faults were called;
# then forecast MAE (beside it, the reading held and the forecasts over
# whose horizon the load held), sustainable-rate error, ambient MAE, false alarms and
# throttle scores, each beside the population of the earlier loads
# (test/bench/population-calls-loads.json, commit 156fa2f: calls, steady
# rates and steps, no chat sessions, batch runs or idle periods), beside
# it scored before the room estimation (test/bench/population-before.json,
# commit 2b1648a) and beside the stages plant's library (the estimator's
# own model class).
# Usage: test/bench_population.sh [BUILD_DIR]   (from the source tree root)
set -eu
build=${1:-build/rel}
bin="$build/thermpace"
[ -x "$bin" ] || { echo "bench_population: $bin not built" >&2; exit 1; }
n=${POP_N:-240}
seed=${POP_SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

t0=$(date +%s.%N)
"$bin" sim --population "$n" --seed "$seed" -o "$work/pop" >/dev/null
t1=$(date +%s.%N)
"$bin" eval "$work/pop" --json >"$work/pop.json"
t2=$(date +%s.%N)
mkdir -p "$work/stages"
for f in fixtures/scenarios/*.ini; do
  "$bin" sim --scenario "$f" --no-audio -o "$work/stages/$(basename "$f" .ini)" >/dev/null
done
"$bin" eval "$work/stages" --json >"$work/stages.json"
awk -v n="$n" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
  printf "== population of %d scenarios (sim --population %d --seed '"$seed"')\n", n, n
  printf "   simulated in %.1f s, replayed and scored in %.1f s\n", b - a, c - b }'
python3 - "$work/pop.json" test/bench/population-before.json "$work/stages.json" \
  test/bench/population-calls-loads.json <<'PY'
import json, sys
new, old, stages, calls = (json.load(open(f)) for f in sys.argv[1:5])
fmt = lambda v, p="%.3g": "n/a" if v is None else p % v
def mark(v, test):
    return "" if v is None or test is None else (" met" if test(v) else " not met")

# per fault kind: delay targets (issue 9), classification >= 0.95 for each
delay_tgt = {"sensor_offset": 600, "sensor_drift": 1800, "sensor_stuck": 120}
print("\n  per fault kind (network plant)      count  detect  accuracy            "
      "delay median / p90 (s)        earlier loads: detect, accuracy; before: accuracy, p90")
for k, v in new["faults"].items():
    o = old["faults"].get(k, {})
    c = calls["faults"].get(k, {})
    acc = v.get("accuracy")
    p90 = v.get("delay_p90_s")
    tgt = delay_tgt.get(k)
    dl = "%s / %s" % (fmt(v.get("delay_median_s"), "%.0f"), fmt(p90, "%.0f"))
    if tgt is not None:
        dl += " (<= %d)%s" % (tgt, mark(p90, lambda x: x <= tgt))
    print("  %-34s %5d  %6.2f  %-18s  %-28s  %s, %s; %s, %s" % (
        k, v["faults"], v["detection_rate"], fmt(acc) + mark(acc, lambda x: x >= 0.95),
        dl, fmt(c.get("detection_rate"), "%.2f"), fmt(c.get("accuracy")),
        fmt(o.get("accuracy")), fmt(o.get("delay_p90_s"), "%.0f")))
    called = ", ".join("%s %d" % c for c in sorted(v["called"].items(), key=lambda c: -c[1]))
    print("  %-34s called: %s" % ("", called))

def fa100(d):
    v = d.get("false_alarms_per_hour")
    return None if v is None else 100 * v
rows = [
    ("forecast MAE 30 s (K)", lambda d: d.get("forecast_mae_30s"), "<= 0.5", lambda v: v <= 0.5),
    ("forecast MAE 120 s (K)", lambda d: d.get("forecast_mae_120s"), "<= 1.0", lambda v: v <= 1.0),
    ("forecast MAE 600 s (K)", lambda d: d.get("forecast_mae_600s"), "<= 2.0", lambda v: v <= 2.0),
    ("  the reading held, 600 s (K)", lambda d: d.get("persistence_mae_600s"), "(beside)", None),
    ("  where the load held, 600 s (K)", lambda d: d.get("forecast_mae_held_600s"), "(beside)",
     None),
    ("sustainable rate, median rel", lambda d: d.get("sustainable_rate_median_rel_error"),
     "<= 0.10", lambda v: v <= 0.10),
    ("sustainable rate, p90 rel", lambda d: d.get("sustainable_rate_p90_rel_error"),
     "<= 0.20", lambda v: v <= 0.20),
    ("ambient MAE after 30 min (K)", lambda d: d.get("ambient_mae_after_30min"), "<= 1.5",
     lambda v: v <= 1.5),
    ("classification accuracy", lambda d: d.get("classification_accuracy"), ">= 0.95",
     lambda v: v >= 0.95),
    ("detection rate", lambda d: d.get("detection_rate"), "(none)", None),
    ("false alarms / 100 sensor-h", fa100, "0", lambda v: v == 0),
    ("throttle precision", lambda d: d.get("throttle_precision"), ">= 0.99", lambda v: v >= 0.99),
    ("throttle recall", lambda d: d.get("throttle_recall"), ">= 0.99", lambda v: v >= 0.99),
    ("throttle verdict (genuine: thermal)", lambda d: d.get("throttle_genuine_thermal"),
     ">= 0.95", lambda v: v >= 0.95),
    ("throttle verdict (every trip)", lambda d: d.get("throttle_verdict_accuracy"),
     ">= 0.95", lambda v: v >= 0.95),
]
print("\n  %-36s %-8s %20s %14s %12s %22s" % ("score", "target", "network plant",
                                               "earlier loads", "before", "stages plant (mirror)"))
for label, get, tgt, test in rows:
    v = get(new)
    print("  %-36s %-8s %20s %14s %12s %22s" % (label, tgt, fmt(v) + mark(v, test),
                                               fmt(get(calls)), fmt(get(old)), fmt(get(stages))))
print("\n  sessions %d (%.0f h, %.0f sensor-h), truth samples %d; stages library %d sessions" % (
    new["sessions"], new["hours"], new["sensor_hours"], new.get("truth_samples", 0),
    stages["sessions"]))
print("  closed loop (throughput against the true sustainable rate, time over the ceiling,"
      " overshoot): test/bench_population_closed.sh")
PY
