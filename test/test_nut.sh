#!/bin/sh
# A UPS through Network UPS Tools (issue 15): a real upsd with the dummy-ups
# driver replaying a discharge (a sequence file), started here on the
# loopback in a scratch directory, read through libupsclient by `thermpace
# probe --nut` and by a `run` whose energy budget follows the charge down,
# then lifts when the UPS goes back on line. Skips where nut-server is not
# installed.
. test/lib.sh
NUTBIN=${TP_NUT_BIN:-/lib/nut}
if [ ! -x "$NUTBIN/upsd" ] || [ ! -x "$NUTBIN/dummy-ups" ]; then
  skip "NUT" "nut-server is not installed ($NUTBIN/upsd, $NUTBIN/dummy-ups; apt-get install nut-server)"
  done_testing
  exit 0
fi
N="$TMPD/nut"
mkdir -p "$N/state"
chmod 0777 "$N/state"
PORT=$((20000 + $$ % 20000))
cat >"$N/discharge.dev" <<'EOF'
ups.status: OB DISCHRG
battery.charge: 95
battery.runtime: 9000
battery.voltage: 13.3
ups.realpower: 7.2
input.realpower: 0
TIMER 4
battery.charge: 75
battery.runtime: 6000
TIMER 3
battery.charge: 60
battery.runtime: 4000
TIMER 3
battery.charge: 50
battery.runtime: 3000
TIMER 3
ups.status: OL CHRG
input.realpower: 9.5
TIMER 600
EOF
printf '[dummy]\n  driver = dummy-ups\n  port = %s/discharge.dev\n  desc = "a discharge"\n' "$N" >"$N/ups.conf"
printf 'LISTEN 127.0.0.1 %s\nSTATEPATH %s/state\n' "$PORT" "$N" >"$N/upsd.conf"
: >"$N/upsd.users"
chmod 600 "$N/upsd.users"
printf 'MODE=standalone\n' >"$N/nut.conf"
export NUT_CONFPATH="$N" NUT_STATEPATH="$N/state"
me=$(id -un)
UPSD_PID= DRV_PID=
stop_nut() {
  [ -n "$DRV_PID" ] && kill "$DRV_PID" 2>/dev/null
  [ -n "$UPSD_PID" ] && kill "$UPSD_PID" 2>/dev/null
  DRV_PID= UPSD_PID=
}
trap 'stop_nut; rm -rf "$TMPD"' EXIT INT TERM
"$NUTBIN/upsd" -u "$me" -D >"$N/upsd.log" 2>&1 &
UPSD_PID=$!
wait_for 5 sh -c "grep -q 'Running as foreground\|listening on' '$N/upsd.log'"
# the driver last: its sequence starts when it does
start_driver() {
  "$NUTBIN/dummy-ups" -a dummy -u "$me" -D >"$N/driver.log" 2>&1 &
  DRV_PID=$!
}
ROOT="$TMPD/root"
cp -r fixtures/sysfs/jetson-nano "$ROOT"
rm -rf "$ROOT/sys/bus/i2c"
UPS="dummy@127.0.0.1:$PORT"
start_driver
if ! wait_for 10 sh -c "'$TP_BIN' probe --root '$ROOT' --nut '$UPS' >'$N/probe' 2>&1 && grep -q battery.soc '$N/probe'"; then
  skip "NUT" "upsd or dummy-ups did not start here: $(tail -2 "$N/upsd.log" "$N/driver.log" | tr '\n' ' ')"
  done_testing
  exit 0
fi
check "probe --nut: the UPS's channels" grep -q "^energy source nut:$UPS:" "$N/probe"
check "probe --nut: its charge (95 %)" grep -q '^  battery.soc  *95 %' "$N/probe"
check "probe --nut: runtime, voltage, load" sh -c "grep -q '^  battery.runtime_s  *9000 s' '$N/probe' &&
  grep -q '^  battery.voltage  *13.3 V' '$N/probe' && grep -q '^  battery.load_w  *7.2 W' '$N/probe'"
check "probe --nut: on battery" grep -q '^  mains  *no' "$N/probe"
expect_exit 0 "probe --nut --json" "$TP_BIN" probe --root "$ROOT" --nut "$UPS" --json
check "probe --json: the energy sources" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["energy"][0]
assert e["source"].startswith("nut:") and e["mains"] is False, e
assert e["channels"]["battery.soc"] > 0 and e["channels"]["battery.runtime_s"] > 0, e
' "$TMPD/out"
expect_exit 1 "a UPS upsd does not know: a failure that says so" \
  "$TP_BIN" probe --root "$ROOT" --nut "nosuch@127.0.0.1:$PORT"
check "... Unknown UPS" grep -q 'nut: nosuch@127.0.0.1: Unknown UPS' "$TMPD/err"

# the run: the sequence again from its start
kill "$DRV_PID"
wait "$DRV_PID" 2>/dev/null
start_driver
wait_for 10 sh -c "'$TP_BIN' probe --root '$ROOT' --nut '$UPS' 2>/dev/null | grep -q 'battery.soc  *95 %'"
expect_exit 0 "run paced to the UPS" "$TP_BIN" run --root "$ROOT" --runtime-dir "$TMPD/rt" --interval 0.25 \
  --battery off --nut "$UPS" --battery-wh 264 --reserve-hours 0 --events "$TMPD/ev.jsonl" \
  --session "$TMPD/s" -- sleep 16
check "the budget follows the charge down, then the mains lift it" python3 - "$TMPD/ev.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"energy_budget"' in l]
print("# " + ", ".join("%.2f%s" % (e["soc"], "" if e["energy_tok_s"] is None else ":%.2f" % e["energy_tok_s"]) for e in ev))
bat = [e for e in ev if not e["mains"]]
socs = [e["soc"] for e in bat]
assert socs[0] >= 0.75 and min(socs) <= 0.5 + 1e-9, socs
assert all(a >= b for a, b in zip(socs, socs[1:])), socs
rates = [e["energy_tok_s"] for e in bat]
assert all(a >= b - 1e-9 for a, b in zip(rates, rates[1:])), rates
assert rates[-1] == 0 and rates[0] > 5, rates  # at 50 % a day of idling is more than is left
assert all(e["limit"] == "energy" and e["runtime_s"] > 0 for e in bat), bat
assert ev[-1]["mains"] is True and ev[-1]["limit"] == "thermal", ev[-1]
PY
check "the session records the UPS's channels" python3 - "$TMPD/s/telemetry.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith("#")))
socs = [float(r["battery.soc"]) for r in rows if r["battery.soc"]]
assert max(socs) >= 75 and min(socs) <= 50, socs
assert any(r["battery.runtime_s"] and float(r["battery.runtime_s"]) == 3000 for r in rows)
assert any(r["battery.input_w"] and float(r["battery.input_w"]) == 9.5 for r in rows)
PY

# ---- the UPS lost mid-run, a power_supply pack beside it ----
# upsd stopped: said once, the pack's charge planned on; the pack removed
# too: said once, the energy side stops limiting (the client is not
# starved); each back: said once, read again (upsd within NUT's 10 s retry)
kill "$DRV_PID"
wait "$DRV_PID" 2>/dev/null
printf 'ups.status: OB DISCHRG\nbattery.charge: 80\nbattery.runtime: 5000\nups.realpower: 7.2\n' >"$N/steady.dev"
printf '[dummy]\n  driver = dummy-ups\n  port = %s/steady.dev\n  desc = "steady"\n' "$N" >"$N/ups.conf"
start_driver
wait_for 10 sh -c "'$TP_BIN' probe --root '$ROOT' --nut '$UPS' 2>/dev/null | grep -q 'battery.soc  *80 %'"
lifepo4_pack "$ROOT"
RS="$TMPD/rs"
mkdir -m 700 "$RS"
EV="$TMPD/lost.jsonl"
# (--actuator socket: its clients come later than auto's 5 s)
"$TP_BIN" serve --config none --root "$ROOT" --runtime-dir "$RS" --interval 0.25 --nut "$UPS" \
  --actuator socket --reserve-hours 0 --events "$EV" >/dev/null 2>"$TMPD/serve.err" &
d=$!
# last KEY...: the last energy_budget's KEYs (a script: wait_for runs it in sh -c)
cat >"$TMPD/last" <<EOP
#!/usr/bin/python3
import json, sys
ev = [json.loads(l) for l in open("$EV") if '"energy_budget"' in l]
print(" ".join("null" if not ev or ev[-1].get(k) is None else str(ev[-1][k]) for k in sys.argv[1:]))
EOP
chmod +x "$TMPD/last"
last() { "$TMPD/last" "$@"; }
said() { grep '"event":"energy_source"' "$EV" | grep -c "$1"; }
check "serve reads the UPS first, then the pack" wait_for 10 grep -q \
  "energy budget: reading nut:$UPS, then power_supply:lifepo4" "$TMPD/serve.err"
check "the UPS's 80 % planned on" wait_for 10 sh -c "[ \"\$('$TMPD/last' soc limit)\" = '0.8 energy' ]"
kill "$UPSD_PID"
wait "$UPSD_PID" 2>/dev/null
UPSD_PID=
check "upsd stopped: an energy_source event, lost (after 5 s held), the pack's charge next" wait_for 15 grep -q \
  '"energy_source","source":"nut:'"$UPS"'","state":"lost","error":"[^"]*","charge_from":"power_supply:lifepo4"' "$EV"
check "... said on stderr" grep -q "warning: energy source nut:$UPS lost (.*): the energy budget goes on with power_supply:lifepo4's charge" "$TMPD/serve.err"
set -- $(last soc limit energy_tok_s)
want=$(awk 'BEGIN { printf "%.6f", ((0.62 - 0.2) * 264 * 0.98 / 24 - 3.8) / 0.279 }')
check "... the budget on the pack's 62 % ($1 $2 $3, want $want)" awk -v s="$1" -v l="$2" -v r="$3" -v w="$want" \
  'BEGIN { d = r - w; if (d < 0) d = -d; exit !(s == 0.62 && l == "energy" && d < 0.001 * w) }'
tps() { sed -n 's/^thermpace-loadgen: .*, \([0-9.]*\) tokens\/s.*/\1/p' "$TMPD/lg.err"; }
"$TP_BUILD/thermpace-loadgen" -s "$RS/pace.sock" -n 10 -d 64 -q 2>"$TMPD/lg.err"
got=$(tps)
check "... a client held to it ($got tokens/s)" awk -v a="$got" -v w="$want" 'BEGIN { exit !(a != "" && a >= 0.5 * w && a <= 1.25 * w) }'
cp -r "$B" "$TMPD/pack.away"
rm -rf "$B" # (a move would keep its files linked, still read: a real removal is gone)
check "the pack removed too: lost, nothing says the charge" wait_for 15 grep -q \
  '"energy_source","source":"power_supply:lifepo4","state":"lost","error":"lifepo4 is gone[^"]*","charge_from":null' "$EV"
check "... said on stderr" grep -q "warning: energy source power_supply:lifepo4 lost (.*): no other source says the charge, the energy budget does not limit until it is back" "$TMPD/serve.err"
check "... the energy side does not limit" wait_for 10 sh -c "[ \"\$('$TMPD/last' limit energy_tok_s soc)\" = 'thermal null null' ]"
"$TP_BUILD/thermpace-loadgen" -s "$RS/pace.sock" -n 40 -d 64 -q 2>"$TMPD/lg.err"
got=$(tps)
check "... a client is not starved ($got tokens/s, the pack's budget was $want)" \
  awk -v a="$got" -v w="$want" 'BEGIN { exit !(a > 4 * w) }'
cp -r "$TMPD/pack.away" "$B"
check "the pack back: said once, planned on again" wait_for 10 grep -q \
  '"energy_source","source":"power_supply:lifepo4","state":"back","charge_from":"power_supply:lifepo4"' "$EV"
check "... its 62 % again" wait_for 10 sh -c "[ \"\$('$TMPD/last' soc limit)\" = '0.62 energy' ]"
"$NUTBIN/upsd" -u "$me" -D >"$N/upsd2.log" 2>&1 &
UPSD_PID=$!
check "upsd back: said once within NUT's 10 s retry" wait_for 15 grep -q \
  '"energy_source","source":"nut:'"$UPS"'","state":"back","charge_from":"nut:'"$UPS"'"' "$EV"
check "... said on stderr" grep -q "energy source nut:$UPS is back: the energy budget reads it again" "$TMPD/serve.err"
check "... the UPS's 80 % planned on again" wait_for 10 sh -c "[ \"\$('$TMPD/last' soc limit)\" = '0.8 energy' ]"
kill -TERM $d; wait $d; rc=$?
check "serve ends cleanly ($rc)" test "$rc" = 0
check "each loss and return said once: 2 lost, 2 back" test "$(said '"lost"') $(said '"back"')" = "2 2"
n_lost=$(grep -c 'warning: energy source .* lost' "$TMPD/serve.err")
n_back=$(grep -c '^thermpace: energy source .* is back:' "$TMPD/serve.err")
check "... and once each on stderr ($n_lost lost, $n_back back)" test "$n_lost $n_back" = "2 2"
stop_nut
done_testing
