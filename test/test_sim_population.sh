#!/bin/sh
# CLI tests of 'thermpace sim --population': every fault kind on every board
# class, sessions reproducible from the scenario each carries, and eval's
# per-kind aggregates (detection rate, delays, confusion row) over them.
. test/lib.sh

expect_exit 2 "sim --population 0" "$TP_BIN" sim --population 0 -o "$TMPD/x"
check "--population 0 says what it wants" \
  grep -q "^thermpace: sim: --population wants 1 to 100000 scenarios, not '0'$" "$TMPD/err"
expect_exit 2 "sim --population with --scenario" \
  "$TP_BIN" sim --population 3 --scenario fixtures/scenarios/default.ini -o "$TMPD/x"
expect_exit 2 "sim --population with --controller" \
  "$TP_BIN" sim --population 3 --controller pi -o "$TMPD/x"

# 36 = 3 rounds of the 12 kinds: every kind on every class
expect_exit 0 "sim --population 36" "$TP_BIN" sim --population 36 --seed 4 -o "$TMPD/pop"
check "36 sessions" sh -c "[ \$(ls '$TMPD/pop' | wc -l) = 36 ]"
for k in clean ambient_step ambient_ramp cooling_sink cooling_die sensor_offset sensor_drift \
  sensor_gain sensor_stuck sensor_spike sensor_lost room_and_cooling; do
  check "kind $k on all three classes" sh -c \
    "ls '$TMPD/pop' | grep -- '-$k\$' | sed 's/^pop-[0-9]*-//; s/-.*//' | sort -u | tr '\n' ' ' |
     grep -qx 'nano orin pi5 '"
done
check "every session has its scenario, telemetry and truth" sh -c \
  "for d in '$TMPD'/pop/*; do [ -s \$d/scenario.ini ] && [ -s \$d/telemetry.csv ] &&
   [ -s \$d/truth.jsonl ] && [ -s \$d/manifest.ini ] || exit 1; done"
check "the network plant's truth samples are written" \
  grep -q '"kind":"truth_sample"' "$TMPD/pop/pop-0001-pi5-ambient_step/truth.jsonl"
check "sensor faults are in truth" \
  grep -q '"kind":"sensor_gain"' "$TMPD/pop/pop-0007-pi5-sensor_gain/truth.jsonl"

# a session is its scenario: rerun from the scenario.ini it carries
d="$TMPD/pop/pop-0009-nano-sensor_spike"
expect_exit 0 "sim from a population's scenario.ini" \
  "$TP_BIN" sim --scenario "$d/scenario.ini" -o "$TMPD/again"
check "the rerun's telemetry is the same" cmp -s "$d/telemetry.csv" "$TMPD/again/telemetry.csv"
check "the rerun's truth is the same" cmp -s "$d/truth.jsonl" "$TMPD/again/truth.jsonl"

expect_exit 0 "sim --population 36 again" "$TP_BIN" sim --population 36 --seed 4 -o "$TMPD/pop2"
check "a population is its seed" diff -r "$TMPD/pop" "$TMPD/pop2"
expect_exit 0 "sim --population 12 --seed 5" "$TP_BIN" sim --population 12 --seed 5 -o "$TMPD/pop5"
check "another seed, other sessions" sh -c \
  "! cmp -s '$TMPD/pop5/pop-0000-nano-clean/telemetry.csv' '$TMPD/pop/pop-0000-nano-clean/telemetry.csv'"

expect_exit 0 "eval of the population" "$TP_BIN" eval "$TMPD/pop" --json
python3 - "$TMPD/out" >"$TMPD/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sessions"] == 36, d["sessions"]
f = d["faults"]
# 3 room steps + 3 rooms stepped with the cooling; 6 cooling changes + 3 with the room
want = {"ambient_step": 6, "ambient_ramp": 3, "cooling_degraded": 9, "sensor_offset": 3,
        "sensor_drift": 3, "sensor_gain": 3, "sensor_stuck": 3, "sensor_spike": 3}
for k, n in want.items():
    assert f[k]["faults"] == n, (k, f[k]["faults"], n)
for k, v in f.items():
    assert sum(v["called"].values()) == v["faults"], (k, v)
    assert abs(v["detection_rate"] - v["detected"] / v["faults"]) < 1e-6, (k, v)
    assert v["called"].get("missed", 0) == v["faults"] - v["detected"], (k, v)
    assert v["called"].get("unknown", 0) == v["undecided"], (k, v)
    if v["delay_median_s"] is not None:
        assert 0 <= v["delay_median_s"] <= v["delay_p90_s"] + 1e-9, (k, v)
assert d["truth_samples"] > 0 and d["ambient_mae_after_30min"] is not None
print("ok")
PY
check "eval aggregates per fault kind (count, detection, confusion row, delays)" \
  grep -qx ok "$TMPD/py" || cat "$TMPD/py" >&2

done_testing
