#!/bin/sh
# The energy budget in the daemon's loop (issue 15): a real child
# (thermpace-loadgen on the pacing socket) run on a copy of the Jetson Nano
# tree with a LiFePO4 battery of the power_supply class beside it. Its
# charge is near what the next 24 hours of idling need above the floor, and
# no site is given (no harvest counted on): the granted rate falls to the
# energy budget, and energy_budget says so. On the mains it does not limit.
. test/lib.sh
LG="$TP_BUILD/thermpace-loadgen"
ROOT="$TMPD/root"
RT="$TMPD/rt"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
# no rails: the energy per token stays the profile's (0.279 J above 3.8 W idle)
rm -rf "$ROOT/sys/bus/i2c"
lifepo4_pack "$ROOT"
RUN="$TP_BIN run --root $ROOT --runtime-dir $RT --interval 0.2"
tps() { sed -n 's/^thermpace-loadgen: .*, \([0-9.]*\) tokens\/s.*/\1/p' "$1" | tail -1; }
# field FILE EVENT KEY: KEY of the first EVENT in FILE
field() {
  python3 - "$@" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == sys.argv[2]:
        v = e.get(sys.argv[3])
        print("null" if v is None else v)
        break
PY
}

# ---- options ----
expect_exit 2 "--energy-floor above 0.95 is refused" $RUN --energy-floor 0.99 -- true
check "... naming the option" grep -q -- '--energy-floor wants a fraction from 0 to 0.95' "$TMPD/err"
expect_exit 2 "--nut without a host is refused" $RUN --nut ups -- true
expect_exit 2 "--latitude out of range is refused" $RUN --latitude 91 -- true
expect_exit 2 "--keep-full-days out of range is refused" $RUN --keep-full-days 40 -- true
check "... naming the option" grep -q -- '--keep-full-days wants days from 0 to 30 or auto' "$TMPD/err"
expect_exit 2 "--keep-full-days of a word other than auto is refused" $RUN --keep-full-days always -- true
expect_exit 2 "--spell-confidence out of range is refused" $RUN --spell-confidence 1 -- true
check "... naming the option" grep -q -- '--spell-confidence wants a probability from 0 to 0.999' "$TMPD/err"
expect_exit 1 "a battery named that is not there: a failure that says so" $RUN --battery BAT7 -- true
check "... naming it" grep -q "cannot read the battery 'BAT7'" "$TMPD/err"
printf '[daemon]\nenergy_floor = 0.3\nreserve_hours = 12\nkeep_full_days = 4\nspell_confidence = 0.8\nlatitude = 48.1\nlongitude = 11.6\npanel_w = 100\npanel_tilt = 35\npanel_azimuth = 180\nbattery_wh = 256\n' >"$TMPD/good.ini"
expect_exit 0 "the energy keys in the configuration" "$TP_BIN" serve --config "$TMPD/good.ini" --check-config
sed 's/^keep_full_days = 4/keep_full_days = auto/' "$TMPD/good.ini" >"$TMPD/auto.ini"
expect_exit 0 "keep_full_days = auto in the configuration" "$TP_BIN" serve --config "$TMPD/auto.ini" --check-config
printf '[daemon]\nenergy_floor = 2\n' >"$TMPD/bad.ini"
expect_exit 2 "a bad energy_floor in the configuration" "$TP_BIN" serve --config "$TMPD/bad.ini" --check-config
check "... as FILE:LINE" grep -q "bad.ini:2: energy_floor wants" "$TMPD/err"

# ---- near the floor: the energy budget is granted ----
expect_exit 0 "run on the battery" $RUN --reserve-hours 0 --events "$TMPD/ev.jsonl" --session "$TMPD/s" \
  -- "$LG" -C -n 12 -d 64 -q
E="$TMPD/ev.jsonl"
lim=$(field "$E" energy_budget limit)
rate=$(field "$E" energy_budget tok_s)
check "energy_budget: the energy side limits ($lim)" test "$lim" = energy
# (0.62 - 0.2) of 264 Wh, less 24 h of 3.8 W idle, over 24 h at 0.279 J/token: 2.6 tokens/s
check "energy_budget: the rate keeps the charge above the floor for 24 h ($rate tokens/s)" \
  awk -v r="$rate" 'BEGIN { exit !(r > 2.3 && r < 2.9) }'
check "energy_budget: its forecast (horizon, floor, lowest charge)" python3 - "$E" <<'PY'
import json, sys
e = next(json.loads(l) for l in open(sys.argv[1]) if '"energy_budget"' in l)
assert e["horizon_h"] == 24 and e["floor"] == 0.2 and abs(e["soc"] - 0.62) < 1e-9, e
assert abs(e["min_soc"] - 0.2) < 0.01 and e["mains"] is False and e["capacity_wh"] == 264, e
assert e["thermal_tok_s"] is None or e["thermal_tok_s"] > e["tok_s"], e
PY
granted=$(field "$E" pace_change granted_rate)
check "the granted rate is the energy budget ($granted)" awk -v g="$granted" -v r="$rate" 'BEGIN { exit !(g == r) }'
got=$(tps "$TMPD/err")
check "the child runs at the energy budget ($got tokens/s, budget $rate)" \
  awk -v a="$got" -v r="$rate" 'BEGIN { exit !(a <= 1.25 * r && a >= 0.5 * r) }'
check "the session records the channels" python3 - "$TMPD/s/telemetry.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
for c in ("battery.soc", "battery.power", "solar.power", "solar.forecast",
          "budget.energy_rate", "budget.thermal_rate"):
    assert c in rows[0], c
assert float(rows[-1]["battery.soc"]) == 62 and abs(float(rows[-1]["battery.power"]) + 5.28) < 1e-9
assert 2.3 < float(rows[-1]["budget.energy_rate"]) < 2.9
PY
expect_exit 0 "the session replays" "$TP_BIN" replay "$TMPD/s"

# the dark spell's reserve (nothing learned yet: the chain's even odds) and
# the same site without it: the reserve is said and never adds tokens
SITE="--latitude 48.1 --longitude 11.6 --panel-w 100"
expect_exit 0 "run with the dark spell's reserve" env THERMPACE_STATE_DIR="$TMPD/st1" $RUN --reserve-hours 0 $SITE \
  --spell-confidence 0.9 --events "$TMPD/sp.jsonl" -- sleep 1
expect_exit 0 "... and without" env THERMPACE_STATE_DIR="$TMPD/st0" $RUN --reserve-hours 0 $SITE \
  --events "$TMPD/sp0.jsonl" -- sleep 1
check "energy_budget: the spell's days and odds, a smaller budget" python3 - "$TMPD/sp.jsonl" "$TMPD/sp0.jsonl" <<'PY'
import json, sys
a, b = ([json.loads(l) for l in open(f) if '"energy_budget"' in l][0] for f in sys.argv[1:3])
assert a["spell_days"] >= 1 and 0 < a["spell_p"] < 1, a
assert "spell_days" not in b and a["tok_s"] <= b["tok_s"], (a, b)
PY
# ---- a child that does not cooperate: the actuator holds it to the energy budget ----
"$LG" -n 1500 -d 512 -q 2>"$TMPD/unpaced.err"
base=$(tps "$TMPD/unpaced.err")
expect_exit 0 "the signal actuator on the battery" $RUN --reserve-hours 0 --actuator signal --duty-period 0.2 \
  --events "$TMPD/sig.jsonl" -- "$LG" -n 1500 -d 512 -q
got=$(tps "$TMPD/err")
# 2.6 tokens/s at 0.279 J above 3.8 W idle: 4.53 W of the profile's 7.6, a duty near 0.19
check "the duty follows the energy budget ($got tokens/s, unpaced $base)" \
  awk -v a="$got" -v b="$base" 'BEGIN { exit !(a <= 0.5 * b) }'
check "... and energy_budget says so" test "$(field "$TMPD/sig.jsonl" energy_budget limit)" = energy

# ---- /metrics: the battery, the panel and both budgets, clean for promtool ----
if command -v curl >/dev/null 2>&1; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  $RUN --reserve-hours 0 --metrics "127.0.0.1:$port" -- sleep 30 >/dev/null 2>&1 &
  d=$!
  M="$TMPD/metrics.txt"
  n=100
  while [ $n -gt 0 ]; do
    curl -s "http://127.0.0.1:$port/metrics" >"$M" 2>/dev/null && grep -q '^thermpace_budget_tokens_per_second{budget="energy"}' "$M" && break
    sleep 0.1; n=$((n - 1))
  done
  kill -TERM "$d" 2>/dev/null; wait "$d"
  check "/metrics: the charge and the battery's power" sh -c "grep -q '^thermpace_battery_charge_percent 62\$' '$M' &&
    grep -q '^thermpace_battery_power_watts -5.28\$' '$M'"
  check "/metrics: both budgets (the thermal one unlimited: +Inf)" sh -c "grep -q '^thermpace_budget_tokens_per_second{budget=\"energy\"} 2\.6' '$M' &&
    grep -q '^thermpace_budget_tokens_per_second{budget=\"thermal\"} +Inf\$' '$M'"
  if command -v promtool >/dev/null 2>&1; then
    check "promtool check metrics: clean" sh -c "promtool check metrics <'$M' >'$TMPD/promtool.out' 2>&1"
    sed 's/^/#   promtool: /' "$TMPD/promtool.out" | head -5
  else
    skip "promtool check metrics" "promtool not installed (Debian package 'prometheus')"
  fi
else
  skip "/metrics" "curl not installed"
fi

# ---- on the mains: the energy side does not limit ----
echo 1 >"$PS/AC/online"
echo Charging >"$B/status"
expect_exit 0 "run on the mains" $RUN --reserve-hours 0 --events "$TMPD/mains.jsonl" -- "$LG" -C -n 40 -d 64 -q
check "energy_budget on the mains: thermal, mains" \
  test "$(field "$TMPD/mains.jsonl" energy_budget limit) $(field "$TMPD/mains.jsonl" energy_budget mains)" = "thermal True"
got=$(tps "$TMPD/err")
check "the child is not held to the battery ($got tokens/s > 3 x $rate)" \
  awk -v a="$got" -v r="$rate" 'BEGIN { exit !(a > 3 * r) }'
echo 0 >"$PS/AC/online"

# ---- the cloudiness learned, read back from the state directory ----
ST="$TMPD/state"
mkdir -m 700 "$ST"
cp fuzz/corpus/harvest_state/saved "$ST/jetson-nano.harvest.ini"
expect_exit 0 "a site: the saved cloudiness used" env THERMPACE_STATE_DIR="$ST" $RUN --latitude 48.1 \
  --longitude 11.6 --reserve-hours 0 --events "$TMPD/site.jsonl" -- "$LG" -C -n 5 -d 64 -q
check "... said" grep -q "using the cloudiness learned in '$ST/jetson-nano.harvest.ini'" "$TMPD/err"
check "... the budget counts on a harvest in the next 24 h" python3 -c '
import json, sys
e = next(json.loads(l) for l in open(sys.argv[1]) if "energy_budget" in l)
assert 0 < e["harvest_lo_wh"] < e["harvest_wh"] < e["harvest_hi_wh"], e
' "$TMPD/site.jsonl"
expect_exit 0 "a site far away: the saved cloudiness not used" env THERMPACE_STATE_DIR="$ST" $RUN \
  --latitude 40.7 --longitude -74 --reserve-hours 0 -- "$LG" -C -n 5 -d 64 -q
check "... said why" grep -q "warning: the cloudiness saved is not used.*another longitude" "$TMPD/err"

# ---- the panel's input named: its power is the harvest, its being online not the mains ----
U="$PS/usb"
mkdir -p "$U"
echo USB >"$U/type"
echo 1 >"$U/online"
echo 18000000 >"$U/voltage_now"
echo 2500000 >"$U/current_now"
expect_exit 0 "probe --solar-supply usb" "$TP_BIN" probe --root "$ROOT" --solar-supply usb
check "... the panel's supply as a source: 45 W" sh -c "grep -A1 '^energy source power_supply:usb (the panel):' '$TMPD/out' | grep -q '^  solar.power  *45 W'"
check "... the battery not on the mains" sh -c "grep -A8 '^energy source power_supply:lifepo4:' '$TMPD/out' | grep -q '^  mains  *no'"
expect_exit 0 "probe without it" "$TP_BIN" probe --root "$ROOT"
check "... the battery on the mains (the USB supply online)" sh -c "grep -A8 '^energy source power_supply:lifepo4:' '$TMPD/out' | grep -q '^  mains  *yes'"
expect_exit 1 "probe --solar-supply that is not there" "$TP_BIN" probe --root "$ROOT" --solar-supply panel9
check "... said" grep -q "probe: no solar supply 'panel9'" "$TMPD/err"
expect_exit 0 "unnamed, an online USB supply is the mains" $RUN --reserve-hours 0 --events "$TMPD/usb.jsonl" \
  -- "$LG" -C -n 5 -d 64 -q
check "... energy_budget: on the mains" test "$(field "$TMPD/usb.jsonl" energy_budget mains)" = True
expect_exit 0 "--solar-supply usb" $RUN --reserve-hours 0 --solar-supply usb --events "$TMPD/sol.jsonl" \
  --session "$TMPD/sol" -- "$LG" -C -n 5 -d 64 -q
check "... named as a source" grep -q 'energy budget: reading power_supply:lifepo4, then power_supply:usb (the panel)' "$TMPD/err"
check "... energy_budget: on the battery, limited, the panel's 45 W" python3 - "$TMPD/sol.jsonl" <<'PY'
import json, sys
e = next(json.loads(l) for l in open(sys.argv[1]) if '"energy_budget"' in l)
assert e["mains"] is False and e["limit"] == "energy" and e["solar_w"] == 45.0, e
PY
check "... solar.power recorded: 18 V x 2.5 A" python3 - "$TMPD/sol/telemetry.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
assert rows and all(float(r["solar.power"]) == 45.0 for r in rows), rows[-1]
PY
expect_exit 1 "a solar supply that is not there: a failure that says so" $RUN --solar-supply panel9 -- true
check "... naming it" grep -q "cannot read the solar supply 'panel9'" "$TMPD/err"
expect_exit 2 "--solar-supply with a slash is refused" $RUN --solar-supply ../usb -- true
printf '[daemon]\nsolar_supply = usb\n' >"$TMPD/sol.ini"
expect_exit 0 "solar_supply in the configuration" "$TP_BIN" serve --config "$TMPD/sol.ini" --check-config
rm -rf "$U"

# ---- --battery off: no energy budget ----
expect_exit 0 "--battery off" $RUN --battery off --events "$TMPD/off.jsonl" -- "$LG" -C -n 5 -d 64 -q
check "--battery off: no energy_budget event" sh -c "! grep -q energy_budget '$TMPD/off.jsonl'"
done_testing
