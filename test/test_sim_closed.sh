#!/bin/sh
# thermpace sim in closed loop: a real thermpace-loadgen child on the pacing
# socket drives the simulated board (short runs at a high speed; the
# benchmark, test/bench_pacing.sh, runs the long ones and scores them).
. test/lib.sh
LG="$PWD/$TP_BUILD/thermpace-loadgen"

expect_exit 2 "an unknown controller" "$TP_BIN" sim --controller magic
check "says which ones exist" grep -q 'horizon, pi, stepwise or none' "$TMPD/err"
expect_exit 2 "a bad speed" "$TP_BIN" sim --controller pi --speed 0
expect_exit 0 "sim --help tells the closed loop" "$TP_BIN" sim --help
check "--load is documented" grep -q -- '--load CMD' "$TMPD/out"

expect_exit 0 "closed loop, JSON score" "$TP_BIN" sim --controller horizon --speed 300 -d 600 --json
cp "$TMPD/out" "$TMPD/score.json"
check "one JSON object on stdout" test "$(wc -l <"$TMPD/score.json")" = 1
for k in tokens seconds_above_ceiling overshoot_k kernel_throttles throughput_vs_sustainable \
  energy_j energy_error_rel; do
  check "score has $k" grep -q "\"$k\":" "$TMPD/score.json"
done
python3 - "$TMPD/score.json" <<'PY' >"$TMPD/py.out" 2>&1
import json, sys
s = json.load(open(sys.argv[1]))
assert s["tokens"] > 1000, s["tokens"]                 # 600 s near 12 tokens/s
assert s["seconds_above_ceiling"] == 0
assert s["kernel_throttles"] == 0
assert s["energy_error_rel"] < 0.02, s["energy_error_rel"]  # loose; the benchmark says 1 %
assert abs(s["tokens"] - s["child_tokens"] * 300) < 0.2 * s["tokens"]
PY
check "the score is plausible ($(tr '\n' ' ' <"$TMPD/py.out"))" test ! -s "$TMPD/py.out"

out="$TMPD/sess"
expect_exit 0 "closed loop writes a session with -o" "$TP_BIN" sim --controller stepwise --speed 300 \
  -d 300 -o "$out" --load "$LG --cooperative --quiet --tokens 3 --calls 2 --gap 0.1"
check "the table names the controller" grep -q '^controller  *stepwise$' "$TMPD/out"
check "telemetry.csv" test -s "$out/telemetry.csv"
check "manifest with the true energy" grep -q '^true_energy_j = ' "$out/manifest.ini"
check "events.jsonl with a pace_change" grep -q '"event":"pace_change","controller":"stepwise"' "$out/events.jsonl"
check "an energy_summary per call" \
  test "$(grep -c '"event":"energy_summary","scope":"call"' "$out/events.jsonl")" = 2
check "and the session's" grep -q '"event":"energy_summary","duration_s"' "$out/events.jsonl"
check "truth.jsonl" test -e "$out/truth.jsonl"

expect_exit 1 "a load that fails" "$TP_BIN" sim --controller pi --speed 300 -d 60 --load 'exit 3'
check "says so" grep -q 'the load failed before making a token (exit status 3)' "$TMPD/err"

# the virtual load: no child, no wall clock; the same score on every run
expect_exit 0 "closed loop on a virtual load" "$TP_BIN" sim --controller horizon --virtual-load \
  -d 1800 --json
cp "$TMPD/out" "$TMPD/virt1.json"
expect_exit 0 "the same again" "$TP_BIN" sim --controller horizon --virtual-load -d 1800 --json
python3 - "$TMPD/virt1.json" "$TMPD/out" <<'PY' >"$TMPD/py.out" 2>&1
import json, sys
a, b = (json.loads(open(f).read()) for f in sys.argv[1:3])
for k in ("wall_s",):
    a.pop(k); b.pop(k)
assert a == b, (a, b)                           # deterministic
assert a["speed"] == 1.0
assert a["tokens"] > 1800 * 5, a["tokens"]      # the load took what was granted
assert abs(a["tokens"] - a["child_tokens"]) < 0.02 * a["tokens"]
assert a["seconds_above_ceiling"] == 0 and a["kernel_throttles"] == 0
assert a["late_s"] == 0
PY
check "virtual load: deterministic, paced, plausible ($(tr '\n' ' ' <"$TMPD/py.out"))" \
  test ! -s "$TMPD/py.out"
check "--virtual-load is documented" sh -c "'$TP_BIN' sim --help | grep -q -- --virtual-load"

# a board that starts over its set point (steady at full load in a 36 C room):
# over it at first whatever paces it, scored again from its first time under
sed 's/^ambient_c = 28$/ambient_c = 36/; s/^\[plant\]$/[plant]\ninitial = steady/' \
  fixtures/scenarios/default.ini >"$TMPD/hot.ini"
expect_exit 0 "closed loop from over the set point" "$TP_BIN" sim --scenario "$TMPD/hot.ini" \
  --controller horizon --virtual-load -d 1800 --json
python3 - "$TMPD/out" <<'PY' >"$TMPD/py.out" 2>&1
import json, sys
a = json.loads(open(sys.argv[1]).read())
assert a["overshoot_k"] > 5 and a["seconds_above_ceiling"] > 0, a   # its start
assert 0 < a["start_over_s"] < 1800, a["start_over_s"]              # then it came under
assert a["seconds_above_ceiling_in"] == 0, a["seconds_above_ceiling_in"]
assert a["overshoot_in_k"] < 0.5, a["overshoot_in_k"]
PY
check "from over the set point: its start and its control scored apart ($(tr '\n' ' ' <"$TMPD/py.out"))" \
  test ! -s "$TMPD/py.out"

# a sensor on the control zone that fails under the closed loop (network
# plant, population 1: pop-0017 a nano whose zone comes to read 2.1 K low,
# pop-0008 an orin whose zone sticks): once the brain holds the sensor
# faulty the governor paces on the hotter of the reading and the model's
# estimate, and the die stays within 0.5 K of the set point (paced on the
# reading alone they overshot by 1.65 and 1.55 K); pop-0029, a pi5 whose
# zone comes to read 1.1 K low while its model still learns: the governor
# moves the power to hold the reading and the model learnt the step as its
# resistance at the new power unless held (never alarmed, 0.79 K over)
"$TP_BIN" sim --population 30 --seed 1 -o "$TMPD/pop" >/dev/null
# from_idle NAME: the population's board NAME in closed loop from its
# steady state at idle; the JSON result in $TMPD/out, the session in
# $TMPD/run-NAME
from_idle() {
  sed 's/^initial = steady$/initial = steady\ninitial_rate = 0/' \
    "$TMPD/pop/$1/scenario.ini" >"$TMPD/$1.ini"
  expect_exit 0 "closed loop, $1" "$TP_BIN" sim --scenario "$TMPD/$1.ini" \
    --controller horizon --virtual-load --json -o "$TMPD/run-$1"
}
for name in pop-0017-nano-sensor_offset pop-0008-orin-sensor_stuck pop-0029-pi5-sensor_offset; do
  from_idle "$name"
  python3 - "$TMPD/out" <<'PY' >"$TMPD/py.out" 2>&1
import json, sys
a = json.loads(open(sys.argv[1]).read())
assert a["seconds_above_ceiling"] == 0, a["seconds_above_ceiling"]
assert a["overshoot_k"] <= 0.5, a["overshoot_k"]
PY
  check "$name: the die held under a failing sensor ($(tr '\n' ' ' <"$TMPD/py.out"))" \
    test ! -s "$TMPD/py.out"
done
check "pop-0029: the control zone's offset alarmed" \
  grep -q '"event":"sensor_[a-z]*","channel":"temp.cpu",.*"state":"start"' \
  "$TMPD/run-pop-0029-pi5-sensor_offset/events.jsonl"

# spikes of 7.7 K, three a minute for 19 minutes, on a pi5's control zone
# (pop-0021): a reading the spike gate holds back is not paced on, so the
# spikes do not cut the budget (0.946 of the sustainable rate when they did)
from_idle pop-0021-pi5-sensor_spike
python3 - "$TMPD/out" <<'PY' >"$TMPD/py.out" 2>&1
import json, sys
a = json.loads(open(sys.argv[1]).read())
assert a["throughput_vs_sustainable"] >= 0.96, a["throughput_vs_sustainable"]
assert a["overshoot_k"] <= 0.5, a["overshoot_k"]
PY
check "spikes on the control zone: not paced on ($(tr '\n' ' ' <"$TMPD/py.out"))" \
  test ! -s "$TMPD/py.out"

done_testing
