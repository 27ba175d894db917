#!/bin/sh
# The room and the sustainable rate the pipeline publishes, on the network
# plant (boards drawn around their class, never the estimator's priors):
# an ambient with its standard deviation, an idle power that does not drift
# to the load's under a constant rate, a sustainable rate that is not zero
# there, and the class's room alone where no power is measured.
. test/lib.sh

# a constant batch load on an Orin-like board: the idle/energy-per-token fit
# sees one rate only (its idle drifted to 12.4 W and the rate published was 0)
cat >"$TMPD/const.ini" <<'INI'
[scenario]
board = sim-orin
duration_s = 3600
seed = 60
[plant]
model = network
class = orin
ambient_c = 24.5
initial = steady
max_rate = 20
[throttle]
zone = temp.gpu
[load]
profile = constant
rate = 14.7
[audio]
rate = 0
INI
# calls on a Nano-like board in a room 4 K warmer than its class's (28 °C)
cat >"$TMPD/warm.ini" <<'INI'
[scenario]
board = sim
duration_s = 5400
seed = 61
[plant]
model = network
class = nano
ambient_c = 32
initial = steady
[load]
profile = calls
call_tokens = 200
gap_s = 8
gap_jitter = 0.8
[audio]
rate = 0
INI
# 50-token calls on a Pi-5-like board in a cool room (19 C): the model's gain
# from bursts of short calls came out at 0.6 of the board's, and the rate
# extrapolated with it to the ceiling was 27 % too high
cat >"$TMPD/calls.ini" <<'INI'
[scenario]
board = sim-pi5
duration_s = 3600
seed = 13153336309604
[plant]
model = network
class = pi5
ambient_c = 19.0
initial = steady
max_rate = 5
[throttle]
zone = temp.cpu
[load]
profile = calls
call_tokens = 50
gap_s = 15.6
gap_jitter = 0.8
[audio]
rate = 0
INI
# an Orin-like board near its full rate, one step up: the rate counted in
# whole tokens per frame is noise the power does not follow, and the
# idle/energy-per-token fit on it came out at 9.6 W and 0.14 J/token
# (about 5 W and 0.43 J on this board), the rate published 46 % high
cat >"$TMPD/steps.ini" <<'INI'
[scenario]
board = sim-orin
duration_s = 2400
seed = 170546829587418
[plant]
model = network
class = orin
ambient_c = 24.1
initial = steady
max_rate = 20
[throttle]
zone = temp.gpu
[load]
profile = steps
rate = 12.34
step = 863 14.02
[audio]
rate = 0
INI
for s in const warm calls steps; do
  "$TP_BIN" sim --scenario "$TMPD/$s.ini" -o "$TMPD/s/$s" >/dev/null 2>&1
  "$TP_BIN" replay "$TMPD/s/$s" --channels "$TMPD/$s.csv" >"$TMPD/$s.events" 2>/dev/null
  mkdir -p "$TMPD/e-$s" && ln -s "$TMPD/s/$s" "$TMPD/e-$s/"
  "$TP_BIN" eval "$TMPD/e-$s" --json >"$TMPD/$s.json" 2>/dev/null
done

py() { python3 - "$@" >"$TMPD/py" 2>&1 && grep -qx ok "$TMPD/py"; }
# cooling_right DIR: eval scores the session's one cooling change right
cooling_right() {
  "$TP_BIN" eval --json "$1" >"$1.json" 2>"$TMPD/err"
  check "... which eval counts right" py "$1.json" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))["faults"]["cooling_degraded"]
assert k["faults"] == 1 and k["accuracy"] == 1.0, k
print("ok")
PY
}
# variants NAME SCENARIO: the scenario with its die stage made the
# heatsink's ($TMPD/sinkNAME) and with no change at all ($TMPD/cleanNAME),
# each simulated and replayed into $TMPD/VARIANT.events
variants() {
  sed 's/^stage = die/stage = sink/' "$2" >"$TMPD/sink$1.ini"
  grep -v '^\[event\|^kind\|^t_start\|^r_factor\|^stage' "$2" >"$TMPD/clean$1.ini"
  for v in "sink$1" "clean$1"; do
    "$TP_BIN" sim --scenario "$TMPD/$v.ini" --no-audio -o "$TMPD/$v" >/dev/null 2>&1
    "$TP_BIN" replay "$TMPD/$v" >"$TMPD/$v.events" 2>"$TMPD/err"
  done
}
# scored NAME SCENARIO: simulated into $TMPD/NAME, its events in
# $TMPD/NAME.events and eval's scores (a library of it) in $TMPD/NAME.json
scored() {
  "$TP_BIN" sim --scenario "$2" --no-audio -o "$TMPD/$1" >/dev/null 2>&1
  "$TP_BIN" replay "$TMPD/$1" >"$TMPD/$1.events" 2>"$TMPD/err"
  mkdir -p "$TMPD/e-$1" && ln -s "$TMPD/$1" "$TMPD/e-$1/"
  "$TP_BIN" eval "$TMPD/e-$1" --json >"$TMPD/$1.json" 2>"$TMPD/err"
}
check "constant load: idle power stays near the board's, not the load's" py "$TMPD/const.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
idle = float(rows[-1]["forecast.idle_w"]); power = float(rows[-1]["power.board"])
assert idle < 0.6 * power, (idle, power)
print("ok")
PY
check "constant load: sustainable rate within 25 % (median), never all zero" py "$TMPD/const.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sustainable_rate_scored"] > 30, d
assert d["sustainable_rate_median_rel_error"] <= 0.25, d["sustainable_rate_median_rel_error"]
print("ok")
PY
check "short calls: the sustainable rate within 15 % (median), 20 % (p90)" py "$TMPD/calls.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sustainable_rate_scored"] > 30, d
assert d["sustainable_rate_median_rel_error"] <= 0.15, d["sustainable_rate_median_rel_error"]
assert d["sustainable_rate_p90_rel_error"] <= 0.20, d["sustainable_rate_p90_rel_error"]
print("ok")
PY
check "steady load near full rate: energy per token 0.3-0.6 J, idle under 7.5 W" py "$TMPD/steps.events" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"energy_summary"' in l][-1]
assert 0.3 < e["joules_per_token_marginal"] < 0.6 and e["idle_w"] < 7.5, e
print("ok")
PY
check "... and the sustainable rate within 15 % (median)" py "$TMPD/steps.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["sustainable_rate_scored"] > 20, d
assert d["sustainable_rate_median_rel_error"] <= 0.15, d["sustainable_rate_median_rel_error"]
print("ok")
PY
check "a warm room: the ambient nearer the room than the class's 28 C (MAE <= 3.5 K)" py "$TMPD/warm.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ambient_scored"] > 30 and d["ambient_mae_after_30min"] <= 3.5, d["ambient_mae_after_30min"]
print("ok")
PY
check "session_stop publishes the ambient with a standard deviation under the prior's" py "$TMPD/warm.events" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"session_stop"' in l][-1]
assert 28.5 < e["ambient_c"] < 34 and 1 < e["ambient_sd_c"] < 4, e
print("ok")
PY
expect_exit 0 "replay of a session whose power is guessed from utilisation" \
  "$TP_BIN" replay fixtures/sessions/sbcbench-nano --channels "$TMPD/nopower.csv"
check "guessed power: a wider standard deviation than a measured one's" py "$TMPD/out" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"session_stop"' in l][-1]
assert 3.0 < e["ambient_sd_c"] < 4.0 and 15 < e["ambient_c"] < 30, e
print("ok")
PY

# the die's paste pumped out on a Pi-5-like board (die-to-heatsink / 1.8 at
# 1 h): the dies step up, the board hardly; reported as the die stage's
# cooling, eval scoring it right; a heatsink change of the same library is
# never called the die's
"$TP_BIN" sim --scenario fixtures/scenarios/net/pi5-cooling-die.ini --no-audio -d 4500 \
  -o "$TMPD/die" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/die" >"$TMPD/die.events" 2>"$TMPD/err"
check "die stage: cooling_degraded, stage die, within 5 min of the change" py "$TMPD/die.events" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"cooling_degraded"' in l]
assert len(e) == 1 and e[0]["stage"] == "die" and e[0]["verdict"] == "cooling_change", e
assert 3600 < e[0]["t"] < 3900 and abs(e[0]["onset_t"] - 3600) <= 60, e[0]
assert e[0]["die_shift_c"] > 0.5 and e[0]["board_shift_c"] < 0.75 * e[0]["die_shift_c"], e[0]
print("ok")
PY
cooling_right "$TMPD/die"
"$TP_BIN" sim --scenario fixtures/scenarios/net/orin-cooling-degraded.ini --no-audio -d 5400 \
  -o "$TMPD/sink" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/sink" >"$TMPD/sink.events" 2>"$TMPD/err"
check "a heatsink change is not the die stage" sh -c "! grep -q '\"stage\":\"die\"' '$TMPD/sink.events'"

# a die stage under load steps: found by the level test; the dies' shift,
# taken by the common mode until then, made the board read low against
# it, and the board was called a sensor fault two minutes later
sc=fixtures/scenarios/net/nano-cooling-die-steps.ini
"$TP_BIN" sim --scenario "$sc" --no-audio -o "$TMPD/diesteps" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/diesteps" >"$TMPD/diesteps.events" 2>"$TMPD/err"
check "die stage found: its shift is the dies', no sensor called faulty for it" \
  py "$TMPD/diesteps.events" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
die = [e for e in ev if e["event"] == "cooling_degraded"]
assert len(die) == 1 and die[0]["stage"] == "die" and 2312 < die[0]["t"] < 2900, die
bad = [e for e in ev if e["event"].startswith("sensor_")]
assert not bad, bad
print("ok")
PY

# a die stage under load steps that the level test never finds: the board
# reads low against the common mode; its neighbours' fit calls that the
# board's sensor, the common mode's test the cooling. The report the
# common mode ended is not raised again from the same onset (it was, by
# turns, eight times in an hour)
"$TP_BIN" sim --scenario fixtures/scenarios/net/nano-cooling-die-flap.ini --no-audio \
  -o "$TMPD/dieflap" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/dieflap" >"$TMPD/dieflap.events" 2>"$TMPD/err"
check "a report the common mode ended is not raised again from its onset" \
  py "$TMPD/dieflap.events" <<'PY'
import collections, json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
starts = [e for e in ev if e["event"].startswith("sensor_") and e.get("state") == "start"]
n = collections.Counter((e["channel"], e["onset_t"]) for e in starts)
assert starts and max(n.values()) == 1, n
ends = [e for e in ev if e["event"].startswith("sensor_") and e.get("state") == "end"]
assert len(ends) == len(starts) and "the cooling" in ends[0]["reason"], ends
print("ok")
PY

# short calls a minute apart on a Pi-5-like board, the die's paste pumped
# out (die-to-heatsink / 1.6 at 40 min): no minute's mean power equals
# another's, so the level test above never judges; the dies answer each
# call more steeply from then on, the board not. The same load with the
# heatsink's change, or none, is never called the die's.
sc=fixtures/scenarios/net/pi5-cooling-die-calls.ini
"$TP_BIN" sim --scenario "$sc" --no-audio -o "$TMPD/diecalls" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/diecalls" >"$TMPD/diecalls.events" 2>"$TMPD/err"
check "die stage under short calls: by the dies' answer to the steps, within 10 min" \
  py "$TMPD/diecalls.events" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"cooling_degraded"' in l]
assert len(e) == 1 and e[0]["stage"] == "die" and e[0]["method"] == "step_response", e
assert e[0]["verdict"] == "cooling_change" and 2400 < e[0]["t"] < 3000, e[0]
assert e[0]["unchanged_t"] < 2400 <= e[0]["onset_t"] < 2700, e[0]
b, a = e[0]["response_before_k_per_w"], e[0]["response_after_k_per_w"]
for z in ("temp.cpu", "temp.gpu"):
    assert a[z] > 1.15 * b[z] and b[z] > 0.1, (z, b, a)
assert abs(a["temp.board"] - b["temp.board"]) < 0.05, (b, a)
print("ok")
PY
cooling_right "$TMPD/diecalls"
variants calls "$sc"
check "the same calls with the heatsink's change: not the die's answer" \
  sh -c "grep -q '\"event\":\"ambient_shift\"' '$TMPD/sinkcalls.events' && ! grep -q step_response '$TMPD/sinkcalls.events'"
check "... and with no change: no event of the room or the cooling" \
  sh -c "! grep -q 'cooling_degraded\|ambient_shift' '$TMPD/cleancalls.events'"

# a nano whose die's paste pumped out at idle, the load stepping every 10
# to 30 minutes: no minute's mean power after the change equals one before
# it, and too few steps come for their first seconds to be judged; the
# dies' answer over the board's to each long step grew, the heatsink's
# change or none under the same load does not make it grow
sc=fixtures/scenarios/net/nano-cooling-die-long-steps.ini
"$TP_BIN" sim --scenario "$sc" --no-audio -o "$TMPD/dielong" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/dielong" >"$TMPD/dielong.events" 2>"$TMPD/err"
check "die stage under long load steps: by the dies' answer over the board's" \
  py "$TMPD/dielong.events" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"cooling_degraded"' in l or '"ambient_shift"' in l]
assert len(e) == 1 and e[0]["stage"] == "die" and e[0]["method"] == "die_over_board", e
assert e[0]["answer_window_s"] == [60, 120], e[0]
assert e[0]["verdict"] == "cooling_change" and 3974 < e[0]["t"] < 4400, e[0]
assert e[0]["unchanged_t"] < 2298 <= e[0]["onset_t"] < 2400, e[0]
b, a = e[0]["response_before_k_per_w"], e[0]["response_after_k_per_w"]
assert set(b) == {"temp.cpu", "temp.gpu"}, b
for z in b:
    assert a[z] > 1.2 * b[z] and b[z] > 0.3, (z, b, a)
bad = [l for l in open(sys.argv[1]) if '"sensor_' in l]
assert not bad, bad
print("ok")
PY
cooling_right "$TMPD/dielong"
# the same board read ten times a second (what 'record' writes): the
# steps are judged on one-second means, found the same
sed 's/^interval_s = 1$/interval_s = 0.1/' "$sc" >"$TMPD/dielong10.ini"
"$TP_BIN" sim --scenario "$TMPD/dielong10.ini" --no-audio -o "$TMPD/dielong10" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/dielong10" >"$TMPD/dielong10.events" 2>"$TMPD/err"
check "... and read ten times a second" py "$TMPD/dielong10.events" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"cooling_degraded"' in l or '"ambient_shift"' in l]
assert len(e) == 1 and e[0]["method"] == "die_over_board" and 3974 < e[0]["t"] < 4400, e
assert e[0]["unchanged_t"] < 2298 <= e[0]["onset_t"] < 2400, e[0]
print("ok")
PY
variants long "$sc"
check "the same steps with the heatsink's change: not the die's" \
  sh -c "grep -q 'cooling_degraded\|ambient_shift' '$TMPD/sinklong.events' && ! grep -q '\"stage\":\"die\"' '$TMPD/sinklong.events'"
check "... and with no change: no event of the room or the cooling" \
  sh -c "! grep -q 'cooling_degraded\|ambient_shift' '$TMPD/cleanlong.events'"

# a room 7.5 K cooler seven minutes after a small step of the load: every
# zone cooled alike, which no change of load does, so the models do not
# learn it while they call the load changed (they had taken it in, and no
# change was reported); handed to them, the change is the shift reported,
# not the common mode since their first block (the sustainable rate was
# 12 % off at the median with the whole of it, 3 % with the shift)
scored roomload fixtures/scenarios/net/pi5-room-after-load-step.ini
check "room cooled soon after a step of the load: reported, the room's" \
  py "$TMPD/roomload.events" "$TMPD/roomload.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"ambient_shift"' in l or '"cooling_degraded"' in l]
assert len(e) == 1 and e[0]["event"] == "ambient_shift", e
assert e[0]["verdict"] == "ambient_change" and e[0]["shift_c"] < -1.5, e[0]
assert 2391 < e[0]["t"] < 3000, e[0]
k = json.load(open(sys.argv[2]))
assert k["faults"]["ambient_step"]["correct"] == 1, k["faults"]["ambient_step"]
assert k["sustainable_rate_median_rel_error"] <= 0.06, k["sustainable_rate_median_rel_error"]
print("ok")
PY

# a room 6.9 K cooler 15 minutes after a step up of the load, the readings
# still rising: every one turns back down at a held power, which no step up
# does (the models had taken it in, the change was reported 34 minutes late
# and the room published rose 2 K meanwhile)
scored roomback fixtures/scenarios/net/pi5-room-against-load-step.ini
"$TP_BIN" replay "$TMPD/roomback" --channels "$TMPD/roomback.csv" >/dev/null 2>&1
check "room cooled against the load's step: reported soon, the room's" \
  py "$TMPD/roomback.events" "$TMPD/roomback.json" "$TMPD/roomback.csv" <<'PY'
import csv, json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"ambient_shift"' in l or '"cooling_degraded"' in l]
assert e and e[0]["event"] == "ambient_shift", e
assert e[0]["verdict"] == "ambient_change" and e[0]["shift_c"] < -1.5, e[0]
assert 1929 < e[0]["t"] < 2600, e[0]
k = json.load(open(sys.argv[2]))
assert k["faults"]["ambient_step"]["correct"] == 1, k["faults"]["ambient_step"]
room = {float(r["t"]): float(r["forecast.ambient_c"]) for r in csv.DictReader(open(sys.argv[3]))
        if r["forecast.ambient_c"]}
after = [v for t, v in room.items() if 2400 <= t <= 2900]
assert sum(after) / len(after) < room[1900.0] - 1, (room[1900.0], sum(after) / len(after))
print("ok")
PY

# a heatsink 47 % worse at idle, the load never moved enough after it to
# tell it from the room: reported unknown, taken by the models as the
# room's; the sustainable rate published is the smaller of the two, near
# the true one, not the room's 40 % over it
"$TP_BIN" sim --scenario fixtures/scenarios/net/nano-sink-untold.ini --no-audio \
  -o "$TMPD/untold" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/untold" --channels "$TMPD/untold.csv" >"$TMPD/untold.events" 2>"$TMPD/err"
check "heatsink never told from the room: the sustainable rate is not the room's" \
  py "$TMPD/untold.events" "$TMPD/untold.csv" "$TMPD/untold/truth.jsonl" <<'PY'
import csv, json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"ambient_shift"' in l or '"cooling_degraded"' in l]
assert len(e) == 1 and e[0]["verdict"] == "unknown", e
rate = {int(float(r["t"])): float(r["forecast.sustainable_rate"]) for r in csv.DictReader(open(sys.argv[2]))}
truth = [json.loads(l) for l in open(sys.argv[3]) if '"sus_rate"' in l]
late = [(rate[int(s["t_start"])], s["sus_rate"]) for s in truth if s["t_start"] >= 4300]
assert len(late) >= 15, len(late)
assert all(0.9 * t <= r <= 1.3 * t for r, t in late), late
print("ok")
PY

# one steady load (calls) before and after: a room step and a heatsink
# change move every zone alike at that power and are first reported
# unknown; settled, the board moved by the dies' shift in the room's case
# and by its share of the heatsink's in the other: each told then, its
# verdict resolving the unknown report, and eval scores it right
for s in nano-ambient-step nano-cooling-degraded; do
  scored "$s" "fixtures/scenarios/net/$s.ini"
done
check "room step at one load: unknown, then the room by the board's share" py "$TMPD/nano-ambient-step.events" "$TMPD/nano-ambient-step.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"ambient_shift"' in l or '"cooling_degraded"' in l]
assert len(e) == 2 and e[0]["event"] == "ambient_shift" and e[0]["verdict"] == "unknown", e
r = e[1]
assert r["event"] == "ambient_shift" and r["verdict"] == "ambient_change", r
assert r["resolves_t"] == e[0]["t"] and r["board_share"]["ratio"] >= 0.985, r
assert 4 < r["shift_c"] < 8, r
k = json.load(open(sys.argv[2]))["faults"]["ambient_step"]
assert k["faults"] == 1 and k["accuracy"] == 1.0, k
print("ok")
PY
check "heatsink change at one load: unknown, then the heatsink by the board's share" py "$TMPD/nano-cooling-degraded.events" "$TMPD/nano-cooling-degraded.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"ambient_shift"' in l or '"cooling_degraded"' in l]
assert len(e) == 2 and e[0]["event"] == "ambient_shift" and e[0]["verdict"] == "unknown", e
r = e[1]
assert r["event"] == "cooling_degraded" and r["verdict"] == "cooling_change", r
assert r["resolves_t"] == e[0]["t"] and r["board_share"]["ratio"] <= 0.935, r
k = json.load(open(sys.argv[2]))["faults"]["cooling_degraded"]
assert k["faults"] == 1 and k["accuracy"] == 1.0, k
print("ok")
PY

# a room cooling 5.6 K over an hour on an Orin-like board idle, then
# stepping to half its rate: the models call the load changed for an hour
# after each step, and the room was found only once the ramp had ended;
# an idle board's tenths of a watt do not explain its degrees
cat >"$TMPD/rampidle.ini" <<'INI'
[scenario]
board = sim-orin
duration_s = 6450
seed = 147185603949780
[plant]
model = network
class = orin
ambient_c = 23.9
initial = steady
max_rate = 20
[throttle]
zone = temp.gpu
[audio]
rate = 0
[load]
profile = steps
rate = 6.81
step = 1187 0.00
step = 2693 0.00
step = 4513 10.82
step = 5672 11.03
[event.room]
kind = ambient_ramp
t_start = 2659
t_end = 6150
to_c = 18.3
INI
scored rampidle "$TMPD/rampidle.ini"
check "room ramp after a load step: found during the ramp, the room" py "$TMPD/rampidle.events" "$TMPD/rampidle.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"ambient_shift"' in l or '"cooling_degraded"' in l]
assert e and e[0]["event"] == "ambient_shift" and e[0]["shift_c"] < -1.5, e
assert 2659 < e[0]["onset_t"] and e[0]["t"] < 6150, e[0]
k = json.load(open(sys.argv[2]))["faults"]["ambient_ramp"]
assert k["faults"] == 1 and k["accuracy"] == 1.0, k
print("ok")
PY

# a room that ramped 29.3 -> 24.9 °C on a Nano-like board under chat
# sessions (scenario 86 of `sim --population 240 --seed 1`) and stays there:
# the room's verdict comes 1050 s after the ramp's end (past eval's grace
# for an ended fault), and it still explains the ramp, the room being where
# the ramp left it; eval counts it found, no false alarm
cat >"$TMPD/ramplate.ini" <<'INI'
[scenario]
board = sim
duration_s = 6448
interval_s = 1
seed = 79065885756835
[plant]
model = network
class = nano
ambient_c = 29.3
initial = steady
max_rate = 12.2
[throttle]
zone = temp.cpu
[audio]
rate = 0
[load]
profile = calls
call_tokens = 400
gap_s = 47.2
gap_jitter = 0.8
session_s = 891
idle_s = 312
start_s = 743
[event.room]
kind = ambient_ramp
t_start = 2249
t_end = 4648
to_c = 24.9
INI
scored ramplate "$TMPD/ramplate.ini"
check "room found after its ramp ended: the ramp's, no false alarm" py "$TMPD/ramplate.events" "$TMPD/ramplate.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if '"ambient_shift"' in l]
assert e and e[0]["t"] > 4648 + 300 and e[0]["verdict"] == "ambient_change", e
d = json.load(open(sys.argv[2]))
k = d["faults"]["ambient_ramp"]
assert k["detected"] == 1 and k["correct"] == 1, k
assert d["false_alarms"] == 0, d["false_alarms"]
print("ok")
PY

# a nano-class board (dies that leak 0.26 W at 25 C, doubling every 30 K)
# between chat sessions and long idles: the power the sustainable rate
# leaves for all that is no token's (sustainable power less rate times
# J/token) is the board's at its set point, not at the idle windows'
# readings 25 K cooler; the fit's idle alone was 0.25 W under it
printf '%s\n' '[scenario]' 'description = nano: chat sessions, long idles' 'board = sim' \
  'duration_s = 7200' 'interval_s = 1' 'seed = 4242' '[plant]' 'model = network' \
  'class = nano' 'ambient_c = 25' 'initial = steady' 'max_rate = 12.2' '[throttle]' \
  'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' 'call_tokens = 100' \
  'gap_s = 10' 'gap_jitter = 0.5' 'session_s = 900' 'idle_s = 900' 'start_s = 300' \
  >"$TMPD/leak.ini"
"$TP_BIN" sim --scenario "$TMPD/leak.ini" --no-audio -o "$TMPD/leak" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/leak" --channels "$TMPD/leak.csv" >/dev/null 2>"$TMPD/err"
cat >"$TMPD/leak.py" <<'PY'
import csv, json, sys
truth = {}
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r["kind"] == "truth_sample" and r["t_start"] >= 3600:
        truth[int(r["t_start"])] = r
d = []
for r in csv.DictReader(open(sys.argv[1])):
    x = truth.get(int(float(r["t"])))
    if x is None or not r["forecast.thermal_rate"] or x.get("thermal_rate") is None:
        continue
    jpt = float(r["forecast.joules_per_token"])
    est = float(r["forecast.sustainable_power_w"]) - float(r["forecast.thermal_rate"]) * jpt
    d.append(est - (x["sus_power_w"] - x["thermal_rate"] * jpt))
assert len(d) >= 50, len(d)
m = sum(d) / len(d)
assert abs(m) <= 0.1, m
print("ok")
PY
check "sustainable rate at the set point: the idle power there, leakage included" \
  py "$TMPD/leak.csv" "$TMPD/leak/truth.jsonl" <"$TMPD/leak.py"
# ... and with the controlled zone's sentinel (-256) in an idle frame every
# 97 s: a 10 s window's mean 30 K off is no reading of the leak (the
# frame it comes is judged invalid only the next); 0.16 W off without
# the check
mkdir -p "$TMPD/leaksent"
cp "$TMPD/leak/manifest.ini" "$TMPD/leak/truth.jsonl" "$TMPD/leaksent/"
awk -F, 'BEGIN { OFS = "," } /^#/ || /^t,/ { print; next }
  { if (($1 + 0) % 97 == 0 && $15 + 0 == 0) $2 = -256; print }' \
  "$TMPD/leak/telemetry.csv" >"$TMPD/leaksent/telemetry.csv"
"$TP_BIN" replay "$TMPD/leaksent" --channels "$TMPD/leaksent.csv" >/dev/null 2>"$TMPD/err"
check "... a sentinel in idle windows taken for no reading" \
  py "$TMPD/leaksent.csv" "$TMPD/leaksent/truth.jsonl" <"$TMPD/leak.py"
# ... and a nano that idled an hour at one temperature before it worked:
# its idle windows never spread, and the leakage at the set point is the
# prior's (0.3 % of the idle power per K) until they do; without it the
# idle power there read 0.23 W low
printf '%s\n' '[scenario]' 'description = nano: an idle hour, then steady generation' \
  'board = sim' 'duration_s = 5400' 'interval_s = 1' 'seed = 4243' '[plant]' \
  'model = network' 'class = nano' 'ambient_c = 25' 'initial = steady' 'max_rate = 12.2' \
  '[throttle]' 'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = steps' 'rate = 0' \
  'step = 3000 6' >"$TMPD/leakone.ini"
"$TP_BIN" sim --scenario "$TMPD/leakone.ini" --no-audio -o "$TMPD/leakone" >/dev/null 2>&1
"$TP_BIN" replay "$TMPD/leakone" --channels "$TMPD/leakone.csv" >/dev/null 2>"$TMPD/err"
sed 's/len(d) >= 50/len(d) >= 25/' "$TMPD/leak.py" >"$TMPD/leakone.py"
check "... an idle at one temperature: the leakage at the set point from the prior" \
  py "$TMPD/leakone.csv" "$TMPD/leakone/truth.jsonl" <"$TMPD/leakone.py"


# the room 5.4 K warmer and the heatsink 1.65x worse at once, a nano under
# chat calls: the sustainable rate drops at the change, the board's
# reading only over the heatsink's time constants; what the change in
# progress still owes (its rate times that time constant) is taken at
# once, not as the board heats: p90 relative error 3.6 without it, 0.78
# with (thermpace sim --population 240 --seed 1, scenario 131)
printf '%s\n' '[scenario]' 'description = nano: room and heatsink change together' \
  'board = sim' 'duration_s = 5634' 'interval_s = 1' 'seed = 142022310918306' '[plant]' \
  'model = network' 'class = nano' 'ambient_c = 26.6' 'initial = steady' 'max_rate = 12.2' \
  '[throttle]' 'zone = temp.cpu' '[audio]' 'rate = 0' '[load]' 'profile = calls' \
  'call_tokens = 200' 'gap_s = 17.0' 'gap_jitter = 0.8' '[event.room]' 'kind = ambient_step' \
  't_start = 2034' 'to_c = 32.0' '[event.cooling]' 'kind = cooling_degraded' \
  't_start = 2034' 'r_factor = 1.65' 'stage = sink' >"$TMPD/roomcool.ini"
mkdir -p "$TMPD/roomcool"
"$TP_BIN" sim --scenario "$TMPD/roomcool.ini" --no-audio -o "$TMPD/roomcool/s" >/dev/null 2>&1
"$TP_BIN" eval "$TMPD/roomcool" --json >"$TMPD/roomcool.json" 2>"$TMPD/err"
check "room and heatsink changing: the sustainable rate follows at once (p90 error <= 1.5)" \
  py "$TMPD/roomcool.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("ok" if d["sustainable_rate_scored"] > 50 and d["sustainable_rate_p90_rel_error"] <= 1.5 else d)
PY
done_testing
