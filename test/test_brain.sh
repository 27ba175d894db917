#!/bin/sh
# replay and eval from the command line: determinism, the events each
# simulated scenario produces (and no other fault kind), malformed input,
# and the real sbc-bench sessions.
. test/lib.sh
S=fixtures/sessions

# --- usage ---
expect_exit 0 "replay --help" "$TP_BIN" replay --help
expect_exit 2 "replay without a session" "$TP_BIN" replay
expect_exit 2 "replay with a bad ceiling" "$TP_BIN" replay --ceiling hot $S/sim-lost
expect_exit 0 "eval --help" "$TP_BIN" eval --help
expect_exit 2 "eval without a session" "$TP_BIN" eval
expect_exit 1 "replay of a missing session" "$TP_BIN" replay "$TMPD/none"

# --- determinism: byte-identical twice ---
"$TP_BIN" replay $S/sim-drift-throttle >"$TMPD/a.jsonl" 2>/dev/null
"$TP_BIN" replay $S/sim-drift-throttle >"$TMPD/b.jsonl" 2>/dev/null
check "replay is byte-identical run after run" cmp -s "$TMPD/a.jsonl" "$TMPD/b.jsonl"
check "replay writes events" test -s "$TMPD/a.jsonl"

# kinds SESSION : fault event kinds (start) in the replay of a session
# ("replay failed" when it fails or writes no event)
kinds() {
  if ! "$TP_BIN" replay "$1" >"$TMPD/kinds.jsonl" 2>/dev/null || ! test -s "$TMPD/kinds.jsonl"; then
    echo "replay failed"
    return
  fi
  grep -v '"state":"end"' "$TMPD/kinds.jsonl" |
    grep -oE '"event":"(sensor_[a-z]+|ambient_shift|cooling_degraded)","channel":"[a-z.]+"|"event":"(ambient_shift|cooling_degraded)"' |
    sed -E 's/"event":"([a-z_]+)"(,"channel":"([a-z.]+)")?/\1 \3/; s/ $//' | sort -u | tr '\n' ';'
}
# expect_kinds NAME SESSION "kind channel;..." : exactly these fault kinds
expect_kinds() {
  got=$(kinds "$2")
  if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$got', wanted '$3')"; fi
}
expect_kinds "ambient step: ambient_shift only" $S/sim-ambient-step "ambient_shift;"
expect_kinds "cooling: cooling_degraded only" $S/sim-cooling "cooling_degraded;"
# a step under a flat load: a sensor fault on temp.gpu, offset or gain unknown
expect_kinds "offset, flat load: sensor_calibration (unknown) on temp.gpu only" $S/sim-offset-step \
  "sensor_calibration temp.gpu;"
expect_kinds "stuck: sensor_stuck on temp.gpu only" $S/sim-stuck "sensor_stuck temp.gpu;"
expect_kinds "spikes: sensor_spike on temp.gpu only" $S/sim-spikes "sensor_spike temp.gpu;"
expect_kinds "lost: sensor_lost on temp.board only" $S/sim-lost "sensor_lost temp.board;"
expect_kinds "hot board: no fault at all" $S/sim-hot-throttle ""
expect_kinds "drifting cpu, constant load: sensor_calibration (unknown) on temp.cpu" \
  $S/sim-drift-throttle "sensor_calibration temp.cpu;"
expect_kinds "real Pi 5 trace: no fault" $S/sbcbench-rpi5 ""
expect_kinds "real Nano trace: no fault" $S/sbcbench-nano ""

# kernel throttling: genuine, and for nothing
"$TP_BIN" replay $S/sim-hot-throttle >"$TMPD/hot.jsonl" 2>/dev/null
check "hot board: kernel_throttle start with the cooling_state clause" \
  grep -q '"event":"kernel_throttle","state":"start","clause":"cooling_state"' "$TMPD/hot.jsonl"
check "hot board: the throttle is thermal" grep -q '"verdict":"thermal"' "$TMPD/hot.jsonl"
first_warn=$(grep -m1 '"event":"ceiling_forecast"' "$TMPD/hot.jsonl" | sed -E 's/^\{"t":([0-9.]+).*/\1/')
first_thr=$(grep -m1 '"event":"kernel_throttle"' "$TMPD/hot.jsonl" | sed -E 's/^\{"t":([0-9.]+).*/\1/')
check "hot board: ceiling_forecast at least 60 s before the trip" \
  awk -v w="$first_warn" -v k="$first_thr" 'BEGIN { exit !(w != "" && k - w >= 60) }'
# a kernel trip on a glitch the telemetry never saw: temp.cpu spikes +12 K
# now and then at 80 C (trip 85 C); the kernel's poll catches some, the
# telemetry's readings hold 80 C: never thermal. Before the telemetry has
# seen temp.cpu spike, unknown with the reason, and named by a
# throttle_verdict once a spike is seen within 120 s of it; after, the
# spikes that reach the trip are what the kernel saw: sensor_drift naming
# temp.cpu
printf '%s\n' '[scenario]' 'description = temp.cpu glitches at 80 C, trip 85 C' 'duration_s = 2400' \
  'seed = 41' '[plant]' 'ambient_c = 28' 'initial = steady' '[load]' 'profile = constant' 'rate = max' \
  '[audio]' 'rate = 0' '[event.cpu_glitch]' 'kind = sensor_spike' 'channel = temp.cpu' 't_start = 900' \
  't_end = 2400' 'amplitude_c = 12' 'per_min = 1' >"$TMPD/glitch.ini"
for seed in 1 2 3; do
  "$TP_BIN" sim --scenario "$TMPD/glitch.ini" --seed $seed --no-audio -o "$TMPD/glitch$seed" >/dev/null 2>&1
  "$TP_BIN" replay "$TMPD/glitch$seed" >"$TMPD/gl.jsonl" 2>/dev/null
  check "glitch seed $seed: trips the telemetry did not see, unknown until temp.cpu spiked, then temp.cpu's" \
    python3 - "$TMPD/gl.jsonl" <<'PY'
import json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
trips = [e for e in ev if e["event"] == "kernel_throttle" and e["state"] == "start"]
named = 0
for e in trips:
    if e["verdict"] == "unknown":
        assert re.match(r"temp\.cpu reads [78][0-9][.0-9]* C and the model says", e["reason"]), e
        assert not named, ("unknown after a spike-named trip", e)
    else:
        assert e["verdict"] == "sensor_drift" and e["faulty_sensor"] == "temp.cpu", e
        assert e["spike_count"] >= 1 and abs(e["spike_max_c"]) > 10 and e["value"] < 84, e
        named += 1
assert trips and named >= len(trips) // 2, (len(trips), named)
told = {e["resolves_t"]: e for e in ev if e["event"] == "throttle_verdict"}
unknown = {e["t"] for e in trips if e["verdict"] == "unknown"}
assert set(told) <= unknown, (sorted(told), sorted(unknown))
for t in unknown:
    seen = [e for e in ev if e["event"] == "sensor_spike" and t <= e["t"] < t + 110]
    if seen:
        v = told[t]
        assert v["verdict"] == "sensor_drift" and v["faulty_sensor"] == "temp.cpu", v
        assert t < v["t"] <= seen[0]["t"] + 5 and abs(v["spike_max_c"]) > 10, (v, seen[0])
    else:
        assert t not in told, told[t]
PY
  "$TP_BIN" eval "$TMPD/glitch$seed" --json >"$TMPD/gl.json" 2>/dev/null
  check "glitch seed $seed: eval counts every trip's verdict, the later one too" \
    python3 - "$TMPD/gl.jsonl" "$TMPD/gl.json" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
k = json.load(open(sys.argv[2]))
trips = [e for e in ev if e["event"] == "kernel_throttle" and e["state"] == "start"]
told = {e["resolves_t"] for e in ev if e["event"] == "throttle_verdict"}
left = [e for e in trips if e["verdict"] == "unknown" and e["t"] not in told]
assert abs(k["throttle_for_nothing_named"] - 1 + len(left) / len(trips)) < 1e-6, (k, len(left))
PY
done
# a pi5 board thermistor spiking 12.8 K either way under a chat session's
# calls: the power is off its minute's mean most of the time, and the spike
# gate stood aside for it; 8 of 9 spikes went unseen, the first reported 14
# minutes in (thermpace sim --population 240 --seed 1, scenario 93). At a
# power held still, a reading that leaves and comes back is no answer of
# the load
printf '%s\n' '[scenario]' 'description = pi5 board thermistor spiking under calls' \
  'board = sim-pi5' 'duration_s = 3525' 'interval_s = 1' 'seed = 223589517210314' '[plant]' \
  'model = network' 'class = pi5' 'ambient_c = 20.9' 'initial = steady' 'max_rate = 5' \
  '[throttle]' 'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' \
  'call_tokens = 100' 'gap_s = 71.7' 'gap_jitter = 0.8' 'session_s = 738' 'idle_s = 415' \
  'start_s = 320' '[event.sensor]' 'kind = sensor_spike' 'channel = temp.board' \
  't_start = 1999' 't_end = 2925' 'amplitude_c = 12.8' 'per_min = 0.80' >"$TMPD/callspk.ini"
"$TP_BIN" sim --scenario "$TMPD/callspk.ini" --no-audio -o "$TMPD/callspk" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/callspk" >"$TMPD/callspk.jsonl" 2>/dev/null
check "board thermistor spiking under chat calls: each spike seen, from the first" \
  python3 - "$TMPD/callspk.jsonl" "$TMPD/callspk/truth.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
spikes = [json.loads(l) for l in open(sys.argv[2]) if '"sensor_spike"' in l][0]["spikes"]
seen = [e for e in ev if e["event"] == "sensor_spike"]
assert seen and all(e["channel"] == "temp.board" for e in seen), seen
assert seen[0]["t"] <= spikes[0] + 5, (seen[0]["t"], spikes[0])
# one event per 30 s at most: every spike counted in one
assert sum(e["count"] for e in seen) >= len(spikes) - 1, ([e["t"] for e in seen], spikes)
print("ok")
PY

# a pi5 CPU thermistor glitching 6.9 K either way, twice a minute, under
# chat calls: the telemetry sees it jump both ways (the jumps up under the
# calls' moving power too, since the spike gate no longer stands aside for
# a power held still since the frame before), and the kernel, which reads
# between the telemetry's readings, trips on the jumps up. With no heat at
# the trip (the readings 5-6 K under it, the model 4-7 K), those trips are
# temp.cpu's; a trip where the dies are at the trip stays thermal, spikes up
# seen or not (thermpace sim --population 240 --seed 4, scenario 57, its
# first 2700 s: three trips unknown, "the telemetry did not see what the
# kernel reacted to"; with the spikes up seen, the GPU's trip at 83.5 C was
# named the CPU's before the heat was asked first)
printf '%s\n' '[scenario]' 'description = pi5 cpu thermistor glitching both ways' \
  'board = sim-pi5' 'duration_s = 2700' 'interval_s = 1' 'seed = 66700960838788' '[plant]' \
  'model = network' 'class = pi5' 'ambient_c = 26.8' 'initial = steady' 'max_rate = 5' \
  '[throttle]' 'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' \
  'call_tokens = 400' 'gap_s = 89.4' 'gap_jitter = 0.8' 'session_s = 1058' 'idle_s = 337' \
  'start_s = 369' '[event.sensor]' 'kind = sensor_spike' 'channel = temp.cpu' \
  't_start = 1842' 't_end = 3015' 'amplitude_c = 6.9' 'per_min = 2.07' >"$TMPD/pi5spk.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5spk.ini" --no-audio -o "$TMPD/pi5spk" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/pi5spk" >"$TMPD/spk.jsonl" 2>/dev/null
check "pi5 cpu thermistor glitching either way: the trips no heat explains are temp.cpu's, the hot one thermal" \
  python3 - "$TMPD/spk.jsonl" "$TMPD/pi5spk/truth.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
truth = [json.loads(l) for l in open(sys.argv[2])]
trips = [e for e in ev if e["event"] == "kernel_throttle" and e["state"] == "start"]
named = hot = 0
for e in trips:
    r = [r for r in truth if r["kind"] == "kernel_throttle" and abs(r["t_start"] - e["t"]) <= 2]
    assert len(r) == 1, e
    if r[0]["spurious"]:
        assert e["verdict"] == "sensor_drift" and e["faulty_sensor"] == "temp.cpu", e
        assert abs(e["spike_max_c"]) > 5 and e["value"] < 84, e
        named += 1
    else:
        assert e["verdict"] == "thermal", e
        hot += e["t"] > 1842
assert named >= 3 and hot >= 1, (named, hot)
PY
# an Orin-like board held near its trip by calls every 9 s, its GPU
# thermistor glitching 6.2 K either way: the telemetry sees it jump down
# at 2601 s, and the kernel trips on the jumps up between readings, with
# the readings and the models 2-3 K under the trip. Within 600 s of a
# glitch seen, each such trip is temp.gpu's (thermpace sim --population
# 240 --seed 4, scenario 105, its first 3300 s: five of them thermal when
# a glitch seen down counted only where no heat was near the trip)
printf '%s\n' '[scenario]' 'description = orin gpu thermistor glitching near the trip' \
  'board = sim-orin' 'duration_s = 3300' 'interval_s = 1' 'seed = 140646489272995' '[plant]' \
  'model = network' 'class = orin' 'ambient_c = 18.5' 'initial = steady' 'max_rate = 20' \
  '[throttle]' 'zone = temp.gpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' \
  'call_tokens = 400' 'gap_s = 8.8' 'gap_jitter = 0.8' '[event.sensor]' 'kind = sensor_spike' \
  'channel = temp.gpu' 't_start = 2256' 't_end = 3243' 'amplitude_c = 6.2' \
  'per_min = 1.30' >"$TMPD/orinspk.ini"
"$TP_BIN" sim --scenario "$TMPD/orinspk.ini" --no-audio -o "$TMPD/orinspk" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/orinspk" >"$TMPD/ospk.jsonl" 2>/dev/null
check "orin gpu thermistor glitching near the trip: the trips after a glitch seen are temp.gpu's" \
  python3 - "$TMPD/ospk.jsonl" "$TMPD/orinspk/truth.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
truth = [json.loads(l) for l in open(sys.argv[2])]
seen = [e["t"] for e in ev if e["event"] == "sensor_spike" and e["channel"] == "temp.gpu"]
named = 0
for e in ev:
    if e["event"] != "kernel_throttle" or e["state"] != "start":
        continue
    r = [r for r in truth if r["kind"] == "kernel_throttle" and abs(r["t_start"] - e["t"]) <= 2]
    assert len(r) == 1 and r[0]["spurious"], e
    if any(0 <= e["t"] - t <= 600 for t in seen):
        assert e["verdict"] == "sensor_drift" and e["faulty_sensor"] == "temp.gpu", e
        assert e["value"] < 84 and abs(e["spike_max_c"]) > 5, e
        named += 1
assert named >= 8, named
PY
# an Orin-like board idle for half an hour after a short run, its board
# thermistor reading 2.4 K high from 2447 s: the zone's model takes such a
# step into its intercept before its residual's CUSUM has counted it, and
# nothing was reported (thermpace sim --population 240 --seed 3, scenario
# 185). The reading stepped 2.5 K in one second while the power and the
# other zones held: the sensor's, raised at once, reported within minutes
# with the step; the same board with no fault steps nowhere
printf '%s\n' '[scenario]' 'description = orin board thermistor steps while idle' \
  'board = sim-orin' 'duration_s = 2950' 'interval_s = 1' 'seed = 22513815939846' '[plant]' \
  'model = network' 'class = orin' 'ambient_c = 23.7' 'initial = steady' 'max_rate = 20' \
  '[throttle]' 'zone = temp.gpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' \
  'rate = 6.60' 'step = 738 0.00' >"$TMPD/orinidle.ini"
printf '%s\n' '[event.sensor]' 'kind = sensor_offset' 'channel = temp.board' 't_start = 2447' \
  'offset_c = 2.41' | cat "$TMPD/orinidle.ini" - >"$TMPD/orinstep.ini"
for v in orinidle orinstep; do
  "$TP_BIN" sim --scenario "$TMPD/$v.ini" --no-audio -o "$TMPD/$v" >/dev/null 2>&1
done
"$TP_BIN" replay "$TMPD/orinstep" >"$TMPD/orinstep.jsonl" 2>/dev/null
check "a board thermistor's step while the models learn: the reading's step, the sensor's" \
  python3 - "$TMPD/orinstep.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
f = [e for e in ev if e["event"].startswith("sensor_") and e.get("state") == "start"]
assert len(f) == 1 and f[0]["channel"] == "temp.board", f
e = f[0]
assert e["event"] in ("sensor_calibration", "sensor_offset") and e["t"] <= 2447 + 600, e
assert e["onset_t"] == 2447 and e["reading_step"]["t"] == 2447, e
assert 2.0 <= e["reading_step"]["step_c"] <= 3.0 and e["reading_step"]["others_c"] < 0.75, e
assert 2.0 <= e["offset_c"] <= 3.0, e
PY
expect_kinds "... the same board, no fault: no step found, no fault" "$TMPD/orinidle" ""

# a pi5 held at its trip by chat calls, its GPU thermistor's gain growing
# to 1.073: the GPU reads 87-90 C, held faulty, while the CPU, which the
# kernel watches, reads and is modelled at the trip. Every trip is the
# heat's, the faulty zone over it named (thermpace sim --population 240
# --seed 4, scenario 187, its first 3500 s: two trips sensor_drift on
# temp.gpu)
printf '%s\n' '[scenario]' 'description = pi5 at the trip, gpu thermistor gain growing' \
  'board = sim-pi5' 'duration_s = 3500' 'interval_s = 1' 'seed = 157584642337558' '[plant]' \
  'model = network' 'class = pi5' 'ambient_c = 23.4' 'initial = steady' 'max_rate = 5' \
  '[throttle]' 'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' \
  'call_tokens = 400' 'gap_s = 13.8' 'gap_jitter = 0.8' '[event.sensor]' 'kind = sensor_gain' \
  'channel = temp.gpu' 't_start = 2101' 'gain = 1.073' 'ramp_s = 1527' >"$TMPD/pi5hotgain.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5hotgain.ini" --no-audio -o "$TMPD/pi5hotgain" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/pi5hotgain" >"$TMPD/hg.jsonl" 2>/dev/null
check "pi5 at the trip, a faulty gpu thermistor reading over it: every trip thermal, the gpu named over it" \
  python3 - "$TMPD/hg.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
trips = [e for e in ev if e["event"] == "kernel_throttle" and e["state"] == "start"]
assert trips and all(e["verdict"] == "thermal" for e in trips), [(e["t"], e["verdict"]) for e in trips]
over = [e for e in trips if e.get("faulty_hotter") == "temp.gpu"]
assert len(over) >= 2 and all(e["zone"] == "temp.cpu" and e["value"] >= 84 for e in over), over
PY
# a healthy slow, coarse zone: the pi5 board thermistor (0.5 K steps behind
# a 20 s lag) holds one value for 30-40 s between 400-token calls while the
# model expects 1 K of motion; no stuck-at claim before the run outlasts
# its usual ones (thermpace sim --population 240 --seed 1, scenario 118,
# its sensor_lost event left out: a sensor_stuck on temp.board at 3815 s)
printf '%s\n' '[scenario]' 'description = pi5 chat calls, 31 C room' 'board = sim-pi5' \
  'duration_s = 4237' 'seed = 197782907010478' '[plant]' 'model = network' 'class = pi5' \
  'ambient_c = 31.3' 'initial = steady' 'max_rate = 5' '[throttle]' 'zone = temp.cpu' \
  '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 400' 'gap_s = 13.7' \
  'gap_jitter = 0.8' >"$TMPD/pi5runs.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5runs.ini" --no-audio -o "$TMPD/pi5runs" >/dev/null 2>&1
expect_kinds "pi5 board thermistor's long runs: no sensor_stuck, no fault" "$TMPD/pi5runs" ""
# a session of 400-token calls ends; the board thermistor's model misses
# the heat leaving by 2 K, a lean that follows the level as it falls. The
# level fell 3 K and more before the alarm's onset, which every block of
# the session shows but few of them settled (a call's jump every minute):
# the model's to learn, no sensor fault (thermpace sim --population 240
# --seed 1, scenario 228: a sensor_calibration on temp.board at 3130 s)
printf '%s\n' '[scenario]' 'description = pi5 chat calls, a session ends' 'board = sim-pi5' \
  'duration_s = 3400' 'interval_s = 1' 'seed = 45148184922154' '[plant]' 'model = network' \
  'class = pi5' 'ambient_c = 26.8' 'initial = steady' 'max_rate = 5' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 400' \
  'gap_s = 60.4' 'gap_jitter = 0.8' 'session_s = 603' 'idle_s = 862' 'start_s = 8' \
  >"$TMPD/pi5end.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5end.ini" --no-audio -o "$TMPD/pi5end" >/dev/null 2>&1
expect_kinds "pi5 board thermistor as a session of calls ends: no fault" "$TMPD/pi5end" ""
# the same board thermistor held by the kernel's throttle in the first
# minutes (82.5 C for 65 s at 281-346 s, its longest run till then 20 s):
# a few minutes of runs are no measure of how long it holds a value, no
# stuck-at claim (thermpace sim --population 240 --seed 1, scenario 10,
# cut before its sensor_lost event: a sensor_stuck on temp.board at 346 s)
printf '%s\n' '[scenario]' 'description = pi5 held at the trip from the start' 'board = sim-pi5' \
  'duration_s = 700' 'interval_s = 1' 'seed = 110704687404080' '[plant]' 'model = network' \
  'class = pi5' 'ambient_c = 28.7' 'initial = steady' 'max_rate = 5' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' 'rate = 3.40' \
  'step = 774 1.59' >"$TMPD/pi5trip.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5trip.ini" --no-audio -o "$TMPD/pi5trip" >/dev/null 2>&1
expect_kinds "pi5 board thermistor held at the trip in the first minutes: no sensor_stuck" \
  "$TMPD/pi5trip" ""
# an Orin-like board's thermistor stuck for 22 min under chat calls: its
# return is no die-stage cooling change (the die zones moved 0.34 K against
# it, 4.8 times their noise; no die-stage step under 0.5 K was right on the
# 480 boards of population seeds 1 and 2) (thermpace sim --population 240
# --seed 1, scenario 224: a cooling_degraded at 4330 s)
printf '%s\n' '[scenario]' 'description = orin board thermistor stuck' 'board = sim-orin' \
  'duration_s = 4379' 'interval_s = 1' 'seed = 39254125358738' '[plant]' 'model = network' \
  'class = orin' 'ambient_c = 25.8' 'initial = steady' 'max_rate = 20' '[throttle]' \
  'zone = temp.gpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 50' \
  'gap_s = 46.2' 'gap_jitter = 0.8' 'session_s = 544' 'idle_s = 731' 'start_s = 723' \
  '[event.sensor]' 'kind = sensor_stuck' 'channel = temp.board' 't_start = 2458' \
  't_end = 3779' >"$TMPD/orinstuck.ini"
"$TP_BIN" sim --scenario "$TMPD/orinstuck.ini" --no-audio -o "$TMPD/orinstuck" >/dev/null 2>&1
expect_kinds "orin board thermistor back from stuck: no die-stage cooling change" \
  "$TMPD/orinstuck" "sensor_stuck temp.board;"
# a nano's CPU thermistor stuck for 28 min through a load stop: what its
# residual did while it held (the CUSUM was already leaning when the stuck
# was told, 91 s in) and the model it comes back to are the stuck's, no
# calibration fault once it reads again (thermpace sim --population 240
# --seed 2, scenario 92: a sensor_calibration on temp.cpu at 4040 s, its
# onset at 2120 s inside the stuck episode)
printf '%s\n' '[scenario]' 'description = nano cpu thermistor stuck' 'board = sim' \
  'duration_s = 4318' 'interval_s = 1' 'seed = 236947584672913' '[plant]' 'model = network' \
  'class = nano' 'ambient_c = 20.8' 'initial = steady' 'max_rate = 12.2' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' 'rate = 6.85' \
  'step = 1013 6.85' 'step = 2544 0.00' 'step = 4222 10.27' '[event.sensor]' \
  'kind = sensor_stuck' 'channel = temp.cpu' 't_start = 2027' 't_end = 3718' >"$TMPD/nanostuck.ini"
"$TP_BIN" sim --scenario "$TMPD/nanostuck.ini" --no-audio -o "$TMPD/nanostuck" >/dev/null 2>&1
expect_kinds "nano cpu thermistor back from stuck: no calibration fault after" \
  "$TMPD/nanostuck" "sensor_stuck temp.cpu;"
# a healthy pi5 between chat sessions: the board thermistor's model misses
# the end of a session by 2 K, an error that halves within ten minutes
# while the load holds still; a sensor's offset would hold, no calibration
# fault (thermpace sim --population 240 --seed 2, scenario 192, its first
# 2700 s: a sensor_calibration on temp.board at 2410 s)
printf '%s\n' '[scenario]' 'description = pi5 chat sessions, healthy' 'board = sim-pi5' \
  'duration_s = 2700' 'interval_s = 1' 'seed = 18902145762330' '[plant]' 'model = network' \
  'class = pi5' 'ambient_c = 25.5' 'initial = steady' 'max_rate = 5' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 200' \
  'gap_s = 48.6' 'gap_jitter = 0.8' 'session_s = 492' 'idle_s = 717' 'start_s = 473' \
  >"$TMPD/pi5fade.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5fade.ini" --no-audio -o "$TMPD/pi5fade" >/dev/null 2>&1
expect_kinds "pi5 board thermistor's model error fading after a session: no fault" \
  "$TMPD/pi5fade" ""
# a pi5's CPU thermistor reading 1.09 K low under chat calls: the board
# thermistor, missing each call by a kelvin, turns suspect beside it; the
# two would keep each other unjudged for 30 min, the offset taken into the
# baseline meanwhile, were the board's not healthy again once its residual
# is back within the slack (thermpace sim --population 240 --seed 1,
# scenario 29, its first 3000 s: no event at all)
printf '%s\n' '[scenario]' 'description = pi5 chat calls, cpu thermistor 1.09 K low' \
  'board = sim-pi5' 'duration_s = 3000' 'interval_s = 1' 'seed = 94368965923695' '[plant]' \
  'model = network' 'class = pi5' 'ambient_c = 26.7' 'initial = steady' 'max_rate = 5' \
  '[throttle]' 'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' \
  'call_tokens = 200' 'gap_s = 41.2' 'gap_jitter = 0.8' 'session_s = 846' 'idle_s = 953' \
  'start_s = 343' '[event.sensor]' 'kind = sensor_offset' 'channel = temp.cpu' \
  't_start = 2314' 'offset_c = -1.09' >"$TMPD/pi5off.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5off.ini" --no-audio -o "$TMPD/pi5off" >/dev/null 2>&1
expect_kinds "pi5 cpu thermistor 1.09 K low beside a suspect board thermistor: told" \
  "$TMPD/pi5off" "sensor_calibration temp.cpu;"
# a healthy pi5 stepping its load: the board thermistor's residual swung
# by 0.24 K (sd) in the ten minutes before an alarm that stood 0.70 K from
# there, under three of its own swings: no calibration fault (thermpace sim
# --population 240 --seed 2, scenario 156: a sensor_calibration on
# temp.board at 3450 s)
printf '%s\n' '[scenario]' 'description = pi5 load steps, healthy' 'board = sim-pi5' \
  'duration_s = 3831' 'interval_s = 1' 'seed = 53510323255249' '[plant]' 'model = network' \
  'class = pi5' 'ambient_c = 20.0' 'initial = steady' 'max_rate = 5' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' 'rate = 3.00' \
  'step = 24 3.00' 'step = 781 0.00' 'step = 1348 2.94' 'step = 2284 0.00' \
  'step = 3791 4.76' >"$TMPD/pi5steps.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5steps.ini" --no-audio -o "$TMPD/pi5steps" >/dev/null 2>&1
expect_kinds "pi5 board thermistor's error stepping within its own swing: no fault" \
  "$TMPD/pi5steps" ""
# a swing is measured about the residual's straight line: a pi5 board
# thermistor its model led by a kelvin through a call session (its
# residual leaning, not swinging) reads 2.2 K high from 1967 s: told (thermpace
# sim --population 240 --seed 7, scenario 209: missed while the lean
# counted as a swing); the same board without the fault: nothing
printf '%s\n' '[scenario]' 'description = pi5 chat calls' 'board = sim-pi5' \
  'duration_s = 3767' 'interval_s = 1' 'seed = 180847053563425' '[plant]' 'model = network' \
  'class = pi5' 'ambient_c = 25.8' 'initial = steady' 'max_rate = 5' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 400' \
  'gap_s = 43.0' 'gap_jitter = 0.8' 'session_s = 466' 'idle_s = 724' 'start_s = 47' \
  >"$TMPD/pi5calls.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5calls.ini" --no-audio -o "$TMPD/pi5calls" >/dev/null 2>&1
expect_kinds "pi5 board thermistor under calls, healthy: no fault" "$TMPD/pi5calls" ""
printf '%s\n' '[event.sensor]' 'kind = sensor_offset' 'channel = temp.board' \
  't_start = 1967' 'offset_c = 2.20' >>"$TMPD/pi5calls.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5calls.ini" --no-audio -o "$TMPD/pi5callsoff" >/dev/null 2>&1
expect_kinds "pi5 board thermistor 2.2 K high under calls, its model leaning before: told" \
  "$TMPD/pi5callsoff" "sensor_calibration temp.board;"
# each zone told from its neighbours (drift_cross.c). A healthy pi5 under
# load steps: the board thermistor's model misses the PCB's heat by 1.5 K
# after each step, and its neighbours' readings explain it (thermpace sim
# --population 240 --seed 4, scenario 48, its first 2800 s: two
# sensor_calibration alarms on temp.board before)
printf '%s\n' '[scenario]' 'description = pi5 load steps, healthy' 'board = sim-pi5' \
  'duration_s = 2800' 'interval_s = 1' 'seed = 222387799033587' '[plant]' 'model = network' \
  'class = pi5' 'ambient_c = 31.4' 'initial = steady' 'max_rate = 5' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' 'rate = 0.00' \
  'step = 798 4.07' 'step = 2403 0.00' >"$TMPD/pi5model.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5model.ini" --no-audio -o "$TMPD/pi5model" >/dev/null 2>&1
expect_kinds "pi5 board thermistor's model error that its neighbours explain: no fault" \
  "$TMPD/pi5model" ""
# ... and a Nano CPU sensor reading 2.3 K low from 2493 s, 335 s after a
# load step: its neighbours confirm it, where it was taken for the zone
# model still settling and learnt (seed 3, scenario 17: missed before)
printf '%s\n' '[scenario]' 'description = nano CPU sensor offset' 'board = sim' \
  'duration_s = 4293' 'interval_s = 1' 'seed = 142327443634175' '[plant]' 'model = network' \
  'class = nano' 'ambient_c = 25.5' 'initial = steady' 'max_rate = 12.2' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' 'rate = 7.69' \
  'step = 602 0.00' 'step = 1208 10.15' 'step = 2158 4.40' 'step = 2934 11.37' \
  'step = 3435 0.00' '[event.sensor]' 'kind = sensor_offset' 'channel = temp.cpu' \
  't_start = 2493' 'offset_c = -2.32' >"$TMPD/nanooff.ini"
"$TP_BIN" sim --scenario "$TMPD/nanooff.ini" --no-audio -o "$TMPD/nanooff" >/dev/null 2>&1
expect_kinds "nano CPU offset its neighbours confirm: found, and told an offset" \
  "$TMPD/nanooff" "sensor_calibration temp.cpu;sensor_offset temp.cpu;"
# no power reading: the model only echoes the reading; a second sensor on
# the die at the trip is the evidence for heat, a lone one is no evidence
mkdir -p "$TMPD/nopower" "$TMPD/nopower1"
cp $S/sim-hot-throttle/manifest.ini "$TMPD/nopower/"
cp $S/sim-hot-throttle/manifest.ini "$TMPD/nopower1/"
awk -F, 'BEGIN { OFS = "," } /^#/ { print; next } { print $1, $2, $3, $4, $11 }' \
  $S/sim-hot-throttle/telemetry.csv >"$TMPD/nopower/telemetry.csv"
awk -F, 'BEGIN { OFS = "," } /^#/ { print; next } { print $1, $2, $4, $11 }' \
  $S/sim-hot-throttle/telemetry.csv >"$TMPD/nopower1/telemetry.csv"
check "hot board, no power reading, both die sensors at the trip: thermal, temp.gpu the witness" \
  sh -c "'$TP_BIN' replay '$TMPD/nopower' 2>/dev/null | grep '\"event\":\"kernel_throttle\",\"state\":\"start\"' | grep -q '\"witness\":\"temp.gpu\",\"verdict\":\"thermal\"'"
check "hot board, no power reading, one die sensor: the throttle is unknown, for want of a model" \
  sh -c "'$TP_BIN' replay '$TMPD/nopower1' 2>/dev/null | grep '\"event\":\"kernel_throttle\",\"state\":\"start\"' | grep -q '\"verdict\":\"unknown\",\"reason\":\"no thermal model (no power reading)'"
# the die's heatsink contact worsening (x2.27) under chat calls: both die
# sensors leave the model together; that is heat the model has not learned,
# not two sensors failing at once, so every trip is thermal (thermpace sim
# --population 240 --seed 2, scenario 220: 5 of its 82 trips were
# sensor_drift on temp.cpu, 3 unknown)
printf '%s\n' '[scenario]' 'description = pi5 chat calls, die contact degrading' 'board = sim-pi5' \
  'duration_s = 5535' 'seed = 7466601043473' '[plant]' 'model = network' 'class = pi5' \
  'ambient_c = 31.6' 'initial = steady' 'max_rate = 5' '[throttle]' 'zone = temp.cpu' \
  '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 100' 'gap_s = 17.6' \
  'gap_jitter = 0.8' '[event.cooling]' 'kind = cooling_degraded' 't_start = 1935' \
  'r_factor = 2.27' 'stage = die' >"$TMPD/diecool.ini"
"$TP_BIN" sim --scenario "$TMPD/diecool.ini" --no-audio -o "$TMPD/diecool" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/diecool" 2>/dev/null | grep '"event":"kernel_throttle","state":"start"' >"$TMPD/dc.jsonl"
n=$(wc -l <"$TMPD/dc.jsonl")
th=$(grep -c '"verdict":"thermal"' "$TMPD/dc.jsonl")
check "die contact degrading: $n trips, every one thermal ($th)" sh -c "[ $n -gt 0 ] && [ $th = $n ]"
check "drifting cpu: the kernel throttled for nothing, temp.cpu named" \
  grep -q '"event":"kernel_throttle","state":"start".*"verdict":"sensor_drift".*"faulty_sensor":"temp.cpu"' "$TMPD/a.jsonl"
# a gpu thermistor drifting up on an orin the kernel holds at its trip
# (fixtures/scenarios/net/orin-gpu-drift-at-trip.ini): the reading stays at
# the trip while every other zone cools away from it; named within 15
# minutes of the drift's start, and every trip after that is the sensor's
"$TP_BIN" sim --scenario fixtures/scenarios/net/orin-gpu-drift-at-trip.ini --no-audio \
  -o "$TMPD/pin" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/pin" >"$TMPD/pin.jsonl" 2>/dev/null
check "gpu thermistor drifting at the trip: named within 15 minutes, the trips after it its own" \
  python3 - "$TMPD/pin.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
f = [e for e in ev if e["event"].startswith("sensor_") and e.get("state") == "start"]
assert f and f[0]["channel"] == "temp.gpu" and 2118 < f[0]["t"] < 2118 + 900, f[:1]
assert all(e["channel"] == "temp.gpu" for e in f), f
trips = [e for e in ev if e["event"] == "kernel_throttle" and e["state"] == "start" and e["t"] > f[0]["t"]]
assert len(trips) >= 10, len(trips)
assert all(e["verdict"] == "sensor_drift" and e["faulty_sensor"] == "temp.gpu" for e in trips), \
    [(e["t"], e["verdict"]) for e in trips]
PY

# a coarse zone that holds its value from a hot, steady start while the
# zone models still settle (fixtures/scenarios/net/pi5-hot-start-steady.ini):
# their start-up predictions are no motion the reading missed
"$TP_BIN" sim --scenario fixtures/scenarios/net/pi5-hot-start-steady.ini --no-audio \
  -o "$TMPD/hotstart" >/dev/null 2>&1
expect_kinds "hot steady start: a zone holding its value is no stuck sensor" "$TMPD/hotstart" ""

# a board thermistor's model missing its slow cooling after the load stops
# (fixtures/scenarios/net/pi5-board-after-load-stop.ini): its neighbours'
# fit, ready a few minutes before, explains the reading at the load's stop
"$TP_BIN" sim --scenario fixtures/scenarios/net/pi5-board-after-load-stop.ini --no-audio \
  -o "$TMPD/loadstop" >/dev/null 2>&1
expect_kinds "board cooling after the load stops: no sensor blamed" "$TMPD/loadstop" ""

# a CPU thermistor drifting from an alarm onset that follows a step of the
# load while the level still moves (fixtures/scenarios/net/orin-cpu-drift-
# under-steps.ini): its neighbours' fit saw the reading move too, so no lag
# of its zone model is relearnt in place of the drift
"$TP_BIN" sim --scenario fixtures/scenarios/net/orin-cpu-drift-under-steps.ini --no-audio \
  -o "$TMPD/driftsteps" >/dev/null 2>&1
expect_kinds "drift under steps of the load: a sensor fault on temp.cpu" "$TMPD/driftsteps" \
  "sensor_calibration temp.cpu;"

# trips_after_alarm NAME SCENARIO CHANNEL [ZONE]: the network-plant scenario
# simulated and replayed; CHANNEL's sensor alarm is the first, it is ended
# and raised again, and every trip from its first alarm on is, without ZONE,
# CHANNEL's own (sensor_drift naming it, the truth's trips all for nothing),
# with ZONE thermal at ZONE, CHANNEL the faulty hotter one (the truth's
# trips all genuine)
trips_after_alarm() {
  "$TP_BIN" sim --scenario "$2" --no-audio -o "$TMPD/$1" >/dev/null 2>&1
  "$TP_BIN" replay "$TMPD/$1" >"$TMPD/$1.jsonl" 2>/dev/null
  python3 - "$TMPD/$1.jsonl" "$TMPD/$1/truth.jsonl" "$3" "${4:-}" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
tr = [json.loads(l) for l in open(sys.argv[2])]
ch, zone = sys.argv[3], sys.argv[4]
assert all(r["spurious"] != bool(zone) for r in tr if r["kind"] == "kernel_throttle")
f = [e for e in ev if e["event"] == "sensor_calibration" and e.get("state") == "start"]
assert f and f[0]["channel"] == ch, f[:1]
assert any(e["event"] == "sensor_calibration" and e.get("state") == "end" for e in ev)
trips = [e for e in ev if e["event"] == "kernel_throttle" and e["state"] == "start" and e["t"] >= f[0]["t"]]
assert len(trips) >= 6, len(trips)
if zone:
    ok = [e["verdict"] == "thermal" and e["zone"] == zone and e.get("faulty_hotter") == ch for e in trips]
else:
    ok = [e["verdict"] == "sensor_drift" and e.get("faulty_sensor") == ch for e in trips]
assert all(ok), [(e["t"], e["verdict"], e["zone"]) for e in trips]
PY
}
# a CPU thermistor drifting over the trip, its alarm ended as a cooling
# change never found (fixtures/scenarios/net/pi5-cpu-drift-retracted.ini)
check "cpu thermistor drifting over the trip, its alarm ended as the cooling: the trips after it its own" \
  trips_after_alarm retract fixtures/scenarios/net/pi5-cpu-drift-retracted.ini temp.cpu
# a GPU thermistor drifting over a CPU the kernel holds at its trip, its
# alarm ended as the cooling (fixtures/scenarios/net/pi5-gpu-drift-hot-trips.ini)
check "gpu thermistor drifting over a cpu at its trip: the trips after its alarm the cpu's, thermal" \
  trips_after_alarm hottrips fixtures/scenarios/net/pi5-gpu-drift-hot-trips.ini temp.gpu temp.cpu

for f in $S/sim-lost $S/sim-stuck $S/sbcbench-rpi5 $S/sbcbench-nano; do
  if "$TP_BIN" replay "$f" 2>/dev/null | grep -q '"event":"kernel_throttle"\|"event":"ceiling_forecast"'; then
    not_ok "no throttle or ceiling warning on a cool board ($f)"
  else ok "no throttle or ceiling warning on a cool board ($f)"; fi
done
check "every session has start, energy summary and stop" \
  sh -c "for e in session_start energy_summary session_stop; do grep -q \"\\\"event\\\":\\\"\$e\\\"\" '$TMPD/hot.jsonl' || exit 1; done"
check "no sensor_gain from any scenario that has none" \
  sh -c "! cat '$TMPD/a.jsonl' '$TMPD/hot.jsonl' | grep -q '\"event\":\"sensor_gain\"'"

# corrupt NAME COLUMN VALUE LINES: sim-lost's frames 301-320 with COLUMN set
# to VALUE, its first LINES lines, replayed into $TMPD/NAME.jsonl
corrupt() {
  awk -F, -v c="$2" -v x="$3" 'BEGIN { OFS = "," } /^#/ || /^t,/ { print; next }
    { n++; if (n > 300 && n <= 320) $c = x; print }' $S/sim-lost/telemetry.csv | head -"$4" >"$TMPD/$1.csv"
  "$TP_BIN" replay --board sim "$TMPD/$1.csv" >"$TMPD/$1.jsonl" 2>/dev/null
}

# sensor_invalid: a sentinel reading (-256 C, a power-gated Orin engine)
corrupt inv 4 -256 900
check "a -256 C reading is sensor_invalid (below_min), once" \
  sh -c "[ \$(grep -c '\"event\":\"sensor_invalid\",\"channel\":\"temp.board\".*\"state\":\"start\".*below_min' '$TMPD/inv.jsonl') = 1 ]"
check "... and nothing else is blamed" \
  sh -c "! grep -q '\"event\":\"sensor_\\(offset\\|gain\\|spike\\|stuck\\)' '$TMPD/inv.jsonl'"

# a reading no temperature takes (INT_MAX millidegrees read as degrees) is
# kept from the models, but the sensor gave it: out of range, not silent
# (before the lost episode of sim-lost's own, at 605 s)
corrupt garbage 4 2147483.647 550
check "a 2147483.647 C reading is sensor_invalid (above_max) with its value, once" \
  sh -c "[ \$(grep -c '\"event\":\"sensor_invalid\",\"channel\":\"temp.board\".*\"state\":\"start\",\"value\":2147483.647,\"reason\":\"above_max\"' '$TMPD/garbage.jsonl') = 1 ]"
check "... not sensor_lost, and nothing else blamed" \
  sh -c "! grep -q '\"event\":\"sensor_\\(lost\\|offset\\|gain\\|spike\\|stuck\\)' '$TMPD/garbage.jsonl'"
# ... and so for a power rail reading 1e9 W
corrupt pgarbage 5 1e9 550
check "a 1e9 W power reading is sensor_invalid (above_max), started and ended once" \
  sh -c "[ \$(grep -c '\"event\":\"sensor_invalid\",\"channel\":\"power.board\".*\"state\":\"start\",\"value\":1000000000.0,\"reason\":\"above_max\"' '$TMPD/pgarbage.jsonl') = 1 ] && [ \$(grep -c '\"event\":\"sensor_invalid\",\"channel\":\"power.board\".*\"state\":\"end\"' '$TMPD/pgarbage.jsonl') = 1 ]"
check "... not sensor_lost" \
  sh -c "! grep -q '\"event\":\"sensor_lost\"' '$TMPD/pgarbage.jsonl'"

check "offset: the event says neither the load nor anything else moved with it" \
  sh -c "'$TP_BIN' replay $S/sim-offset-step 2>/dev/null | grep '\"event\":\"sensor_calibration\"' | grep -q '\"witnesses\":{\"load_changed\":false}'"

# --- ambient_shift: from, to and shift signed as the room moved ---
# amb_check NAME SESSION SIGN: the shift has the truth's sign, to - from is the
# shift, and the shift is what the zones say (their mean shift within 0.15 K)
amb_check() {
  line=$("$TP_BIN" replay "$2" 2>/dev/null | grep -m1 '"event":"ambient_shift"')
  f=$(printf '%s' "$line" | sed -nE 's/.*"from_c":(-?[0-9.e+-]+).*/\1/p')
  to=$(printf '%s' "$line" | sed -nE 's/.*"to_c":(-?[0-9.e+-]+).*/\1/p')
  sh=$(printf '%s' "$line" | sed -nE 's/.*"shift_c":(-?[0-9.e+-]+).*/\1/p')
  zs=$(printf '%s' "$line" | sed -nE 's/.*"zone_shifts":\{([^}]*)\}.*/\1/p' | tr ',' '\n' | cut -d: -f2 | tr '\n' ' ')
  if awk -v f="$f" -v to="$to" -v s="$sh" -v z="$zs" -v sg="$3" 'BEGIN {
    n = split(z, a, " "); m = 0; for (i = 1; i <= n; i++) m += a[i]; m /= (n ? n : 1)
    exit !(f != "" && n > 0 && s * sg > 0.5 && (to - f - s) ^ 2 < 1e-6 && (s - m) ^ 2 < 0.0225) }'; then
    ok "$1 (from $f to $to, shift $sh)"
  else not_ok "$1 (from '$f' to '$to', shift '$sh', zones '$zs')"; fi
}
amb_check "ambient up 5 K: ambient_shift positive, to - from = shift = the zones' shift" $S/sim-ambient-step 1
printf '%s\n' '[scenario]' 'description = ambient step 27 -> 22 C at 600 s' 'duration_s = 2400' \
  'seed = 102' '[plant]' 'ambient_c = 27' 'initial = steady' '[audio]' 'rate = 0' '[load]' \
  'profile = calls' 'call_tokens = 200' 'gap_s = 5' '[event.cool]' 'kind = ambient_step' \
  't_start = 600' 'to_c = 22' >"$TMPD/amb-down.ini"
"$TP_BIN" sim --scenario "$TMPD/amb-down.ini" --no-audio -o "$TMPD/amb-down" >/dev/null 2>&1
amb_check "ambient down 5 K: ambient_shift negative, to - from = shift = the zones' shift" "$TMPD/amb-down" -1

# --- a sensor gain: growing while the load is flat, then the load moves ---
"$TP_BIN" sim --scenario fixtures/scenarios/gain-drift.ini --no-audio -o "$TMPD/gain" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/gain" >"$TMPD/gain.jsonl" 2>/dev/null
first=$(grep -v '"state":"end"' "$TMPD/gain.jsonl" | grep -v '"verdict":"unknown"' |
  grep -m1 -oE '"event":"sensor_[a-z]+","channel":"[a-z.]+"')
if [ "$first" = '"event":"sensor_gain","channel":"temp.gpu"' ]; then
  ok "gain creeping on temp.gpu: the first sensor verdict is sensor_gain on temp.gpu"
else not_ok "gain creeping on temp.gpu: first sensor verdict '$first'"; fi
check "... never called an offset" sh -c "! grep -q '\"event\":\"sensor_offset\"' '$TMPD/gain.jsonl'"

# --- a sensor gain under ordinary 50-token calls: the load never moves
# enough to tell gain from offset, so the verdict is unknown, with the reason,
# on every seed (it used to be a confident sensor_offset) ---
printf '%s\n' '[scenario]' 'description = temp.gpu gain 1 -> 1.06 over 10 min from 30 min, 50-token calls' \
  'duration_s = 5400' 'seed = 31' '[plant]' 'ambient_c = 24' 'initial = steady' '[load]' \
  'profile = calls' 'call_tokens = 50' 'gap_s = 5' '[audio]' 'rate = 0' '[event.gpu_gain]' \
  'kind = sensor_gain' 'channel = temp.gpu' 't_start = 1800' 'gain = 1.06' 'ramp_s = 600' >"$TMPD/gain-calls.ini"
for seed in 1 2 3; do
  "$TP_BIN" sim --scenario "$TMPD/gain-calls.ini" --seed $seed --no-audio -o "$TMPD/gc$seed" >/dev/null 2>&1
  "$TP_BIN" replay "$TMPD/gc$seed" 2>/dev/null | grep '"event":"sensor_' >"$TMPD/gc.jsonl"
  first=$(grep -m1 -oE '"event":"sensor_[a-z]+","channel":"[a-z.]+","verdict":"[a-z_]+"' "$TMPD/gc.jsonl")
  check "gain under 50-token calls, seed $seed: unknown on temp.gpu first ($first)" \
    test "$first" = '"event":"sensor_calibration","channel":"temp.gpu","verdict":"unknown"'
  check "... saying why (power range and the range needed)" \
    grep -qE '"reason":"load has not moved enough to tell gain from offset: power range [0-9.]+ W, need [0-9.]+ W"' "$TMPD/gc.jsonl"
  check "... and never a confident sensor_offset" sh -c "! grep -q '\"event\":\"sensor_offset\"' '$TMPD/gc.jsonl'"
done
check "... and no other zone is blamed" \
  sh -c "! grep -v '\"state\":\"end\"' '$TMPD/gain.jsonl' | grep -q '\"event\":\"sensor_[a-z]*\",\"channel\":\"temp.\(cpu\|board\)\"'"
# --- a drift that makes the kernel throttle (fixtures/scenarios/drift-throttle.ini,
# an hour): the throttle pulls the true level down while the reading climbs,
# and the model's error at the clocks the kernel chose follows the level as a
# gain's would; no gain is told from blocks under the throttle ---
"$TP_BIN" sim --scenario fixtures/scenarios/drift-throttle.ini --no-audio -o "$TMPD/dthr" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/dthr" >"$TMPD/dthr.jsonl" 2>/dev/null
check "drift under the kernel's throttle: the kernel throttles" \
  grep -q '"event":"kernel_throttle","state":"start"' "$TMPD/dthr.jsonl"
check "... a sensor fault on temp.cpu, shaped a ramp" \
  grep -qE '"event":"sensor_(calibration|offset)","channel":"temp.cpu".*"shape":"ramp"' "$TMPD/dthr.jsonl"
check "... never called a gain" \
  sh -c "! grep -qE '\"(event|resolved_as)\":\"sensor_gain\"' '$TMPD/dthr.jsonl'"
check "... and no other zone is blamed" \
  sh -c "! grep -v '\"state\":\"end\"' '$TMPD/dthr.jsonl' | grep -q '\"event\":\"sensor_[a-z]*\",\"channel\":\"temp.\(gpu\|board\)\"'"
# --- a load step on a pi5 of the network plant (population 1, scenario 151):
# the zone models err after it by an amount that follows the level, the gain
# shape exactly, and a level that stayed put before the onset could not
# show the model's own slope; no gain is named from it, with or without the
# scenario's real gain on temp.cpu ---
printf '%s\n' '[scenario]' 'description = pi5 network plant, idle then a load step at 2923 s' \
  'board = sim-pi5' 'duration_s = 5676' 'interval_s = 1' 'seed = 243178324439149' '[plant]' \
  'model = network' 'class = pi5' 'ambient_c = 28.4' 'initial = steady' 'max_rate = 5' \
  '[throttle]' 'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' 'rate = 0.30' \
  'step = 1519 0.00' 'step = 2923 4.38' 'step = 4181 2.37' >"$TMPD/pi5-step.ini"
cp "$TMPD/pi5-step.ini" "$TMPD/pi5-step-gain.ini"
printf '%s\n' '[event.sensor]' 'kind = sensor_gain' 'channel = temp.cpu' 't_start = 2308' \
  'gain = 1.044' 'ramp_s = 1568' >>"$TMPD/pi5-step-gain.ini"
for v in pi5-step pi5-step-gain; do
  "$TP_BIN" sim --scenario "$TMPD/$v.ini" -o "$TMPD/$v" >/dev/null 2>&1
  "$TP_BIN" replay "$TMPD/$v" 2>/dev/null | grep '"event":"sensor_' >"$TMPD/$v.jsonl"
  check "load step on a pi5 ($v): never called a gain" \
    sh -c "! grep -qE '\"(event|resolved_as)\":\"sensor_gain\"' '$TMPD/$v.jsonl'"
done
# (an alarm on temp.board there is the models' error, not its sensor: if
# one is raised it is unknown, and says why)
check "... an alarm on temp.board with the step: unknown, saying why" \
  sh -c "! grep -q '\"channel\":\"temp.board\"' '$TMPD/pi5-step-gain.jsonl' ||
    grep -q '\"channel\":\"temp.board\".*\"reason\":\"the error follows the level since a change of load at its onset' '$TMPD/pi5-step-gain.jsonl'"
# a gain that grows while the models are still learning the board is not
# learned as a larger resistance of that zone alone: it is found (its kind
# unknown while the level has not moved since the onset, then told: a gain)
k=$(kinds $S/sim-gain)
case "$k" in
"sensor_gain temp.gpu;" | "sensor_calibration temp.gpu;" | \
  "sensor_calibration temp.gpu;sensor_gain temp.gpu;")
  ok "gain while learning: a fault on temp.gpu only ($k)" ;;
*) not_ok "gain while learning: a fault on temp.gpu only (got '$k')" ;;
esac

# --- audio: analysed in step with the telemetry ---
printf '%s\n' '[scenario]' 'name = audio-step' \
  'description = idle 40 s, then full rate: the whine follows the load' \
  'duration_s = 90' 'interval_s = 0.5' 'seed = 7' '[plant]' 'ambient_c = 25' 'initial = steady' \
  '[load]' 'profile = steps' 'rate = 0' 'step = 40 max' '[audio]' 'rate = 8000' 'duration_s = 90' \
  >"$TMPD/step.ini"
"$TP_BIN" sim --scenario "$TMPD/step.ini" -o "$TMPD/as" >/dev/null 2>&1
check "sim writes the session's audio" test -s "$TMPD/as/audio.wav"
"$TP_BIN" replay --channels "$TMPD/as.csv" "$TMPD/as" >"$TMPD/as1.jsonl" 2>"$TMPD/err"
"$TP_BIN" replay "$TMPD/as" >"$TMPD/as2.jsonl" 2>/dev/null
check "replay of a session with audio is byte-identical twice" cmp -s "$TMPD/as1.jsonl" "$TMPD/as2.jsonl"
check "... and says nothing on stderr" test ! -s "$TMPD/err"
check "the load step at 40 s is the load's: no acoustic_shift (the sound model knows the load)" \
  sh -c "! grep -q '\"event\":\"acoustic_shift\"' '$TMPD/as1.jsonl'"
# a throttle heard with the clocks hidden: the whine falls while the load holds
printf '%s\n' '[scenario]' 'name = heard' 'duration_s = 300' 'seed = 12' '[plant]' 'ambient_c = 26' \
  'initial = steady' 'initial_rate = 8' '[throttle]' 'trip_c = 71.7' '[sensors]' 'hide_clocks = 1' \
  '[load]' 'profile = constant' 'rate = 8' '[audio]' 'rate = 16000' 'duration_s = 300' \
  '[event.hot]' 'kind = ambient_step' 't_start = 90' 'to_c = 36' >"$TMPD/heard.ini"
"$TP_BIN" sim --scenario "$TMPD/heard.ini" -o "$TMPD/heard" >/dev/null 2>&1
onset=$(sed -nE 's/.*"kind":"kernel_throttle","t_start":([0-9.]+).*/\1/p' "$TMPD/heard/truth.jsonl" | head -1)
"$TP_BIN" replay "$TMPD/heard" >"$TMPD/heard.jsonl" 2>/dev/null
heard=$(grep -m1 '"event":"kernel_throttle","state":"start"' "$TMPD/heard.jsonl")
heard_t=$(echo "$heard" | sed -nE 's/^\{"t":([0-9.]+).*/\1/p')
check "clocks hidden: the kernel throttled (truth at ${onset:-never} s)" test -n "$onset"
check "... heard: kernel_throttle clause acoustic within 10 s of onset (at ${heard_t:-never} s)" \
  awk -v t="$heard_t" -v o="$onset" 'BEGIN { exit !(t != "" && o != "" && t >= o && t <= o + 10) }'
check "... its evidence: the whine line fell against what the load predicts" \
  sh -c "echo '$heard' | grep -q '\"clause\":\"acoustic\".*\"acoustic\":{\"load\":{\"class\":\"decode\".*\"feature\":\"line_hz\",\"line_hz\":[0-9.]*,\"value\":[0-9.]*,\"expected\":[0-9.]*,\"moved\":-'"
check "... and no acoustic_shift for it" sh -c "! grep -q '\"event\":\"acoustic_shift\"' '$TMPD/heard.jsonl'"
check "--channels: the audio.* aggregates are columns" \
  sh -c "head -1 '$TMPD/as.csv' | grep -q 'audio.rms_dbfs,audio.centroid_hz'"
col=$(head -1 "$TMPD/as.csv" | tr ',' '\n' | grep -n '^audio.rms_dbfs$' | cut -d: -f1)
nval=$(awk -F, -v c="${col:-1}" '!/^#/ && !/^t,/ && $c != "" { n++ } END { print n + 0 }' "$TMPD/as.csv")
check "... one value a second (second k known at k + 1): 88 to 90 in 90 s ($nval)" \
  awk -v n="$nval" 'BEGIN { exit !(n >= 88 && n <= 90) }'
"$TP_BIN" replay --no-audio --channels "$TMPD/na.csv" "$TMPD/as" >"$TMPD/na.jsonl" 2>/dev/null
check "--no-audio: no acoustic_shift, no audio columns" \
  sh -c "! grep -q acoustic_shift '$TMPD/na.jsonl' && ! head -1 '$TMPD/na.csv' | grep -q audio."
"$TP_BIN" replay $S/sim-audio >"$TMPD/sa1.jsonl" 2>/dev/null
"$TP_BIN" replay $S/sim-audio >"$TMPD/sa2.jsonl" 2>/dev/null
check "the sim-audio fixture replays byte-identically" cmp -s "$TMPD/sa1.jsonl" "$TMPD/sa2.jsonl"
check "... its kernel throttle carries the sound as a witness (level, change since minutes ago)" \
  sh -c "grep '\"event\":\"kernel_throttle\",\"state\":\"start\"' '$TMPD/sa1.jsonl' | grep -q '\"audio_rms_dbfs\":-[0-9.]*,.*\"audio_change_db\":[0-9]'"
mkdir -p "$TMPD/noaudio"
cp "$TMPD/as/manifest.ini" "$TMPD/as/telemetry.csv" "$TMPD/noaudio/"
expect_exit 0 "a session whose audio.wav is missing still replays" "$TP_BIN" replay "$TMPD/noaudio"
check "... saying so in one line" sh -c "[ \$(wc -l <'$TMPD/err') = 1 ] && grep -q 'audio.wav' '$TMPD/err'"
check "... with the same events as --no-audio" cmp -s "$TMPD/out" "$TMPD/na.jsonl"

# --- a bare CSV with --board and --ceiling, and --channels ---
"$TP_BIN" replay --board sim --ceiling 70 --channels "$TMPD/ch.csv" $S/sim-lost/telemetry.csv \
  >"$TMPD/bare.jsonl" 2>"$TMPD/err"
check "bare CSV: ceiling from --ceiling" grep -q '"ceiling_c":70' "$TMPD/bare.jsonl"
check "--channels: forecast columns" \
  sh -c "head -1 '$TMPD/ch.csv' | grep -q 'forecast.temp_30s,forecast.temp_120s,forecast.temp_600s,forecast.time_to_ceiling_s,forecast.sustainable_power_w,forecast.sustainable_rate'"
in_rows=$(grep -vc '^#\|^t,' $S/sim-lost/telemetry.csv)
out_rows=$(grep -vc '^#\|^t,' "$TMPD/ch.csv")
check "--channels: one row per frame" test "$in_rows" = "$out_rows"
check "--channels: no NaN written" sh -c "! grep -qi 'nan\|inf' '$TMPD/ch.csv'"

# --- malformed input: exit 1, one line naming file:line ---
{ printf 't,temp.cpu,power.board\n0,50,5\n1,50.5,5\n2,abc,5\n'; } >"$TMPD/bad.csv"
expect_exit 1 "malformed telemetry CSV is refused" "$TP_BIN" replay "$TMPD/bad.csv"
check "... with file:line in one line" sh -c "[ \$(wc -l <'$TMPD/err') = 1 ] && grep -q 'bad.csv:4:' '$TMPD/err'"
{ printf 't,temp.cpu\n5,50\n4,51\n'; } >"$TMPD/back.csv"
expect_exit 1 "time going backwards is refused" "$TP_BIN" replay "$TMPD/back.csv"
check "... naming the line" grep -q 'back.csv:3:' "$TMPD/err"
mkdir -p "$TMPD/badtruth"
cp $S/sim-lost/manifest.ini $S/sim-lost/telemetry.csv "$TMPD/badtruth/"
printf '{"kind":"sensor_lost","t_start":600,"t_end":780,"channel":"temp.board"}\n{"kind":"sensor_lost",\n' \
  >"$TMPD/badtruth/truth.jsonl"
expect_exit 1 "malformed truth.jsonl is refused" "$TP_BIN" eval "$TMPD/badtruth"
check "... with file:line in one line" sh -c "[ \$(wc -l <'$TMPD/err') = 1 ] && grep -q 'truth.jsonl:2:' '$TMPD/err'"

# --- eval ---
"$TP_BIN" eval --json $S/sim-offset-step >"$TMPD/e.json" 2>"$TMPD/err"
for k in forecast_mae_30s forecast_mae_120s forecast_mae_600s ttc_median_rel_error warning_lead_s \
  drift_delay_s classification_accuracy false_alarms_per_hour throttle_precision throttle_recall; do
  check "eval --json has $k" grep -q "\"$k\":" "$TMPD/e.json"
done
# beside each forecast: the reading held, and the forecasts over whose
# horizon the load held; under a flat load every one of them, under a load
# that moves (sim-gain: steps of the rate) not all
for k in persistence_mae_30s persistence_mae_600s forecast_mae_held_30s forecast_mae_held_600s \
  forecasts_held_600s; do
  check "eval --json has $k" grep -q "\"$k\":[0-9]" "$TMPD/e.json"
done
check "eval: under a flat load every forecast's load held" \
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["forecasts_scored"] > 0 and j["forecasts_held_30s"] == j["forecasts_scored"] and j["forecast_mae_held_30s"] == j["forecast_mae_30s"]))' "$TMPD/e.json"
"$TP_BIN" eval --json $S/sim-gain >"$TMPD/g.json" 2>"$TMPD/err"
check "eval: under steps of the load not every forecast's load held" \
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (0 < j["forecasts_held_600s"] < j["forecasts_held_30s"] < j["forecasts_scored"]))' "$TMPD/g.json"
check "eval: the table prints the reading held and the load held beside the 600 s forecast" \
  sh -c "'$TP_BIN' eval $S/sim-gain 2>/dev/null | grep -A2 '^  forecast_mae_600s' | grep -q 'where the load held'"
# the time to ceiling likewise: where the load held until the crossing.
# sim-cooling's load never moves; the library's real traces' loads do
"$TP_BIN" eval --json $S/sim-cooling >"$TMPD/c.json" 2>"$TMPD/err"
check "eval: under a flat load every time to ceiling's load held" \
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["ttc_scored"] > 0 and j["ttc_held"] == j["ttc_scored"] and j["ttc_median_rel_error_held"] == j["ttc_median_rel_error"]))' "$TMPD/c.json"
"$TP_BIN" eval --json $S >"$TMPD/lib.json" 2>"$TMPD/err"
check "eval: over the library some times to ceiling held their load, not all" \
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (0 < j["ttc_held"] < j["ttc_scored"] and j["ttc_median_rel_error_held"] is not None))' "$TMPD/lib.json"
# the worst warning lead also over the trips a minute or more into their
# session: sim-audio's board trips 37 s in, sim-hot-throttle's 980 s after
# its warning, later
check "eval: a trip in the first minute is left out of the later trips' worst lead" \
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["trips"] == 2 and j["trips_in_first_min"] == 1 and j["warning_lead_s"] == 37 and j["warning_lead_after_first_min_s"] == 980))' "$TMPD/lib.json"
check "eval: the table prints where the load held under the time to ceiling" \
  sh -c "'$TP_BIN' eval $S/sim-cooling 2>/dev/null | grep -A1 '^  ttc_median_rel_error' | grep -q 'where the load held'"
# the offset under a flat load is reported unknown (sensor_calibration): no
# false alarm (eval does not yet count an unknown verdict as a detection)
check "eval: the offset reported unknown is no false alarm" grep -q '"false_alarms":0' "$TMPD/e.json"
check "eval: no false alarm" grep -q '"false_alarms":0' "$TMPD/e.json"
mkdir -p "$TMPD/lib"
cp -r $S/sim-lost $S/sim-stuck "$TMPD/lib/"
"$TP_BIN" eval --json "$TMPD/lib" >"$TMPD/l.json" 2>"$TMPD/err"
check "eval of a library pools its sessions" grep -q '"sessions":2' "$TMPD/l.json"
"$TP_BIN" eval --json $S/sbcbench-rpi5 $S/sbcbench-nano >"$TMPD/r.json" 2>"$TMPD/err"
check "real traces: forecasts scored against what the board did next" \
  sh -c "grep -q '\"forecast_mae_30s\":[0-9]' '$TMPD/r.json' && ! grep -q '\"forecasts_scored\":0,' '$TMPD/r.json'"
check "real traces: no throttle found where the clock held" grep -q '"throttle_precision":null' "$TMPD/r.json"

# --- real data, not throttled: an AGX Orin's governor lowering an idle CPU's clock ---
O=$S/orin-janus-clocks
"$TP_BIN" replay $O >"$TMPD/orin.jsonl" 2>"$TMPD/err"
check "real Orin log: the CPU clock at 0.73-1.97 GHz of 2.2 GHz while the CPU idles is no throttle" \
  sh -c "! grep -q '\"event\":\"kernel_throttle\"' '$TMPD/orin.jsonl'"
# the same log with the load judged from the board's power alone (the GPU
# busy, the CPU not): the governor's choice is still no throttle
mkdir -p "$TMPD/orin-nu" "$TMPD/orin-nr"
cp $O/manifest.ini "$TMPD/orin-nu/"
cp $O/manifest.ini "$TMPD/orin-nr/"
cut -d, -f1-5 $O/telemetry.csv >"$TMPD/orin-nu/telemetry.csv"
cut -d, -f1-3 $O/telemetry.csv >"$TMPD/orin-nr/telemetry.csv"
for v in nu nr; do
  n=$("$TP_BIN" replay "$TMPD/orin-$v" 2>/dev/null | grep -c '"event":"kernel_throttle"')
  check "real Orin log without util.cpu ($v): no throttle from an idle CPU's clock ($n events)" test "$n" = 0
done

# --- real data, a board whose profile names no resistances: an AGX Orin at
# 44 W under its fan, 68 C. The defaults (6.5 K/W, made for boards of a few
# watts) put it at 311 C: the forecast read 337 C in the first minute and
# warned of the ceiling, and its 30 s error was six times that of repeating
# the reading (1.35 against 0.22 K) ---
fc30() { # CHANNELS.CSV ZONE: frames from 300 s, "n forecast_mae persistence_mae"
  awk -F, -v z="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { t = $1 + 0; x[t] = $c[z]; f[t] = $c["forecast.temp_30s"] }
    END {
      for (k in f)
        if ((t = k + 0) >= 300 && (t + 30) in x && f[t] != "" && x[t] != "" && x[t + 30] != "") {
          e = f[t] - x[t + 30]; fe += e < 0 ? -e : e
          e = x[t] - x[t + 30]; pe += e < 0 ? -e : e
          n++
        }
      printf "%d %.3f %.3f\n", n, n ? fe / n : 0, n ? pe / n : 0
    }' "$1"
}
"$TP_BIN" replay $S/orin-janus --channels "$TMPD/orin-ch.csv" >"$TMPD/orin-fc.jsonl" 2>"$TMPD/err"
check "real Orin log, 68 C under a ceiling of 85 C: no ceiling_forecast" \
  sh -c "! grep -q '\"event\":\"ceiling_forecast\"' '$TMPD/orin-fc.jsonl'"
set -- $(fc30 "$TMPD/orin-ch.csv" temp.cpu)
check "real Orin log: the 30 s forecast ($2 K over $1 frames) no worse than repeating the reading ($3 K)" \
  awk -v n="$1" -v f="$2" -v p="$3" 'BEGIN { exit !(n >= 800 && f <= p) }'
# the bank's choice of member changed in a Pi 5's first minutes (by 3 to 4
# K of rise): the reading did not jump, nor may the forecast's start
# (thermpace sim --population 240 --seed 1, scenario 12, its first 600 s;
# it jumped 4.55 K at a steady reading and power)
printf '%s\n' '[scenario]' 'description = pi5 under chat calls' 'board = sim-pi5' \
  'duration_s = 600' 'interval_s = 1' 'seed = 230366005434161' '[plant]' 'model = network' \
  'class = pi5' 'ambient_c = 20.9' 'initial = steady' 'max_rate = 5' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 50' \
  'gap_s = 21.6' 'gap_jitter = 0.8' 'session_s = 704' 'idle_s = 458' 'start_s = 319' \
  >"$TMPD/pi5calls.ini"
"$TP_BIN" sim --scenario "$TMPD/pi5calls.ini" --no-audio -o "$TMPD/pi5calls" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/pi5calls" --channels "$TMPD/pi5calls.csv" >/dev/null 2>&1
jump=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { x = $c["temp.cpu"]; p = $c["power.board"]; s = $c["forecast.temp_now"]
    if (s != "" && ps != "" && (x - px)^2 <= 0.25 && (p - pp)^2 <= 0.25) {
      d = s - ps; if (d < 0) d = -d; if (d > m) m = d }
    px = x; pp = p; ps = s }
  END { printf "%.2f", m }' "$TMPD/pi5calls.csv")
check "model member switched, reading and power steady: the forecast's start moved ${jump} K (<= 1.5)" \
  awk -v j="$jump" 'BEGIN { exit !(j > 0 && j <= 1.5) }'

# --- real data, throttled: the clock falls under load in the Pi 5 trace ---
mkdir -p "$TMPD/pi"
cp $S/sbcbench-rpi5/manifest.ini "$TMPD/pi/"
awk -F, 'BEGIN { OFS = "," } /^#/ || /^t,/ { print; next } { if ($1 >= 400 && $1 <= 560) $2 = 1500000000; print }' \
  $S/sbcbench-rpi5/telemetry.csv >"$TMPD/pi/telemetry.csv"
"$TP_BIN" replay "$TMPD/pi" >"$TMPD/pi.jsonl" 2>"$TMPD/err"
check "real trace, clock fallen under load: kernel_throttle clock_drop" \
  grep -q '"event":"kernel_throttle","state":"start","clause":"clock_drop"' "$TMPD/pi.jsonl"
check "... ending when the clock is back" grep -q '"event":"kernel_throttle","state":"end"' "$TMPD/pi.jsonl"
# -o: the events to a file, the same bytes as on stdout; never through a link
"$TP_BIN" replay fixtures/sessions/sim-offset-step >"$TMPD/o.stdout" 2>/dev/null
expect_exit 0 "replay -o FILE" "$TP_BIN" replay fixtures/sessions/sim-offset-step -o "$TMPD/o.file"
check "... the same events as on stdout" cmp -s "$TMPD/o.stdout" "$TMPD/o.file"
check "... and nothing on stdout" test ! -s "$TMPD/out"
ln -s "$TMPD/victim" "$TMPD/o.link"
expect_exit 1 "replay -o through a symbolic link is refused" "$TP_BIN" replay fixtures/sessions/sim-offset-step -o "$TMPD/o.link"
check "... the link's target untouched" test ! -e "$TMPD/victim"
done_testing
