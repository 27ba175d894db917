#!/bin/sh
# thermpace fit over the real traces: per trace the fitted parameters, the
# validation MAE (fit on the first 60 %, the rest simulated open loop from
# its recorded load), the constant baseline (the last reading before the
# split, repeated) and persistence at 120 s, against the targets:
# Raspberry Pi 3B validation MAE <= 1.0 K; Jetson AGX Orin no worse than
# persistence at 120 s (the model 120 s ahead, and open loop).
# Usage: sh test/bench_fit.sh [BUILD_DIR]
set -eu
build=${1:-${TP_BUILD:-build/rel}}
bin=${TP_BIN:-$build/thermpace}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

row() { # NAME JSON-FILE TARGET-KIND
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
name, path, kind = sys.argv[1:]
d = json.load(open(path)); m = d["model"]; v = d["validation"]
if kind == "pi":
    met = v["model_mae_c"] <= 1.0
    target = "MAE <= 1.0 K"
else:
    met = v["ahead_120s_mae_c"] <= v["persistence_120s_mae_c"]
    target = "120 s ahead <= persistence"
warm = (", warm-up %.1f K over %.0f s" % (m["warmup_c"], m["tau_warmup_s"])
        if m.get("tau_warmup_s") is not None else "")
print("%-22s r_die %6.3f K/W tau_die %6.1f s r_sink %6.3f K/W tau_sink %6.0f s ambient %6.2f C (%s%s)"
      % (name, m["r_die"], m["tau_die_s"], m["r_sink"], m["tau_sink_s"], m["ambient_c"], d["input"], warm))
print("%-22s validation MAE %.3f K (120 s ahead %.3f K), constant %.3f K, persistence 120 s %.3f K: "
      "target %s: %s" % ("", v["model_mae_c"], v["ahead_120s_mae_c"], v["constant_mae_c"],
                         v["persistence_120s_mae_c"], target, "met" if met else "not met"))
PY
}

echo "bench_fit: thermpace fit SESSION --json (split 0.6) over the real traces"
for d in fixtures/sessions/pi3b-*/; do
  n=$(basename "$d")
  "$bin" fit "$d" --json >"$tmp/$n.json"
  row "$n" "$tmp/$n.json" pi
done
"$bin" fit fixtures/sessions/orin-janus --json >"$tmp/orin.json"
row orin-janus "$tmp/orin.json" orin
for d in fixtures/sessions/sbcbench-*/; do
  n=$(basename "$d")
  if "$bin" fit "$d" --json >"$tmp/$n.json" 2>"$tmp/$n.err"; then
    python3 - "$n" "$tmp/$n.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[2])); m = d["model"]; v = d["validation"]
print("%-22s r_die %.3f tau_die %.1f r_sink %.3f tau_sink %.0f ambient %.2f (%s); validation MAE %.3f K, "
      "constant %.3f K, persistence 120 s %.3f K (no target: %d readings)"
      % (sys.argv[1], m["r_die"], m["tau_die_s"], m["r_sink"], m["tau_sink_s"], m["ambient_c"],
         d["input"], v["model_mae_c"], v["constant_mae_c"], v["persistence_120s_mae_c"], d["readings"]))
PY
  else
    echo "$n: not fitted: $(cat "$tmp/$n.err")"
  fi
done
