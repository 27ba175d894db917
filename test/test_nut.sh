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
wait_for() {
  n=$(($1 * 20)); shift
  while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.05; n=$((n - 1)); done
  return 1
}
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
stop_nut
done_testing
