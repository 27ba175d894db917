#!/bin/sh
# Scores of the brain on the network plant (src/sim/netplant.c,
# docs/netplant.md) beside the two-stage plant it mirrors: every scenario of
# fixtures/scenarios/net/ (classes nano, pi5, orin) simulated with three
# seeds (each seed draws another board around its class), then
# 'thermpace eval --json' per class and over all of them; the library of
# fixtures/scenarios/*.ini (the stages plant, as bench_eval.sh) scored the
# same way. Each score is printed against its target. The brain is not tuned
# here: these are measurements.
# Usage: test/bench_netplant.sh [BUILD_DIR]   (from the source tree root)
set -eu
build=${1:-build/rel}
bin="$build/thermpace"
[ -x "$bin" ] || { echo "bench_netplant: $bin not built" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
seeds="1 2 3"

mkdir -p "$work/stages"
for f in fixtures/scenarios/*.ini; do
  "$bin" sim --scenario "$f" --no-audio -o "$work/stages/$(basename "$f" .ini)" >/dev/null
done
"$bin" eval "$work/stages" --json >"$work/stages.json"
n=0
for c in nano pi5 orin; do
  mkdir -p "$work/net/$c"
  for f in fixtures/scenarios/net/"$c"-*.ini; do
    for s in $seeds; do
      "$bin" sim --scenario "$f" --seed "$s" --no-audio \
        -o "$work/net/$c/$(basename "$f" .ini)-s$s" >/dev/null
      n=$((n + 1))
    done
  done
  "$bin" eval "$work/net/$c" --json >"$work/$c.json"
  "$bin" eval "$work/net/$c" >"$work/$c.txt"
done
mkdir -p "$work/all"
for c in nano pi5 orin; do for d in "$work/net/$c"/*; do ln -s "$d" "$work/all/"; done; done
"$bin" eval "$work/all" --json >"$work/net.json"

echo "== brain scores, stages plant (fixtures/scenarios/*.ini) against the network plant"
echo "   ($n sessions: fixtures/scenarios/net/*.ini x seeds $seeds; parameters drawn per seed)"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
cols = [("stages", "stages.json"), ("nano", "nano.json"), ("pi5", "pi5.json"),
        ("orin", "orin.json"), ("net all", "net.json")]
data = [(name, json.load(open(f"{w}/{f}"))) for name, f in cols]
# key, label, target text, test
rows = [
    ("forecast_mae_30s", "forecast MAE 30 s (K)", "<= 0.5", lambda v: v <= 0.5),
    ("forecast_mae_120s", "forecast MAE 120 s (K)", "<= 1.0", lambda v: v <= 1.0),
    ("forecast_mae_600s", "forecast MAE 600 s (K)", "<= 2.0", lambda v: v <= 2.0),
    ("ttc_median_rel_error", "time to ceiling, median rel", "<= 0.15", lambda v: v <= 0.15),
    ("classification_accuracy", "classification accuracy", ">= 0.95", lambda v: v >= 0.95),
    ("detection_rate", "detection rate", "(none)", None),
    ("false_alarms_per_hour", "false alarms per sensor-hour", "0", lambda v: v == 0),
    ("sustainable_rate_median_rel_error", "sustainable rate, median rel", "<= 0.10",
     lambda v: v <= 0.10),
    ("sustainable_rate_p90_rel_error", "sustainable rate, p90 rel", "<= 0.20",
     lambda v: v <= 0.20),
    ("ambient_mae_after_30min", "ambient MAE after 30 min (K)", "<= 1.5", lambda v: v <= 1.5),
]
hdr = "  %-30s %-8s" % ("score", "target") + "".join("%18s" % n for n, _ in data)
print(hdr)
for key, label, tgt, test in rows:
    line = "  %-30s %-8s" % (label, tgt)
    for _, d in data:
        v = d.get(key)
        if v is None:
            cell = "n/a"
        else:
            mark = "" if test is None else (" met" if test(v) else " not met")
            cell = "%.3g%s" % (v, mark)
        line += "%18s" % cell
    print(line)
print("\n  sessions: " + ", ".join("%s %d" % (n, d["sessions"]) for n, d in data))
print("  forecasts scored: " + ", ".join("%s %d" % (n, d["forecasts_scored"]) for n, d in data))
print("  truth samples (rate scored): " + ", ".join(
    "%s %d (%d)" % (n, d.get("truth_samples", 0), d.get("sustainable_rate_scored", 0))
    for n, d in data))
kinds = {}
for n, d in data[1:4]:
    for k, v in d["faults"].items():
        kinds.setdefault(k, []).append("%s %d/%d" % (n, v["correct"], v["faults"]))
for k, v in kinds.items():
    print("  %-20s right/faults: %s" % (k, ", ".join(v)))
PY
